// `npm run web`: HAVIP Manager in browser mode (bundled to out/node/web.cjs by
// scripts/build-node.mjs). Prints the URL with its token, then `HAVIP_READY <url>` so
// scripts and tests can wait for it. SIGINT/SIGTERM close sessions and the server cleanly.
//
// Options (flag or environment):  --host / HAVIP_HOST (127.0.0.1)   --port / HAVIP_PORT (0 = free port)
//                                  --data-dir / HAVIP_DATA_DIR (~/.config/havip-manager)
//                                  --static-dir / HAVIP_STATIC_DIR (the built renderer, out/renderer)
import * as fs from 'node:fs'
import * as path from 'node:path'
import { createBackend } from '../backend/backend'
import { ensurePrivateDir } from '../backend/store/atomic-file'
import { resolveDataDir } from '../backend/store/data-dir'
import { createWebServer } from './server'

interface WebOptions {
  host: string
  port: number
  dataDir: string
  staticDir: string
}

function fail(message: string): never {
  process.stderr.write(`havip web: ${message}\n`)
  process.exit(2)
}

function flagValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    if (a === name) {
      const v = argv[i + 1]
      if (v === undefined || v.startsWith('--')) fail(`${name} needs a value.`)
      return v
    }
    if (a.startsWith(name + '=')) return a.slice(name.length + 1)
  }
  return undefined
}

/** The renderer build next to this bundle (out/node -> out/renderer) or, run from source, in out/. */
function defaultStaticDir(): string {
  const candidates = [path.resolve(__dirname, '../renderer'), path.resolve(__dirname, '../../out/renderer')]
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? candidates[0]!
}

function parseWebOptions(argv: string[], env: NodeJS.ProcessEnv): WebOptions {
  const known = ['--host', '--port', '--data-dir', '--static-dir']
  for (const a of argv) {
    if (a.startsWith('--') && !known.some((k) => a === k || a.startsWith(k + '='))) {
      fail(`unknown option ${a}. Known: ${known.join(', ')}.`)
    }
  }
  const host = flagValue(argv, '--host') ?? env.HAVIP_HOST ?? '127.0.0.1'
  const portText = flagValue(argv, '--port') ?? env.HAVIP_PORT ?? '0'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) fail(`port must be 0..65535 (0 = any free port), got "${portText}".`)
  const dataDir = resolveDataDir(flagValue(argv, '--data-dir'), env)
  const staticDir = path.resolve(flagValue(argv, '--static-dir') ?? env.HAVIP_STATIC_DIR ?? defaultStaticDir())
  return { host, port, dataDir, staticDir }
}

async function main(): Promise<void> {
  const o = parseWebOptions(process.argv.slice(2), process.env)
  if (!fs.existsSync(path.join(o.staticDir, 'index.html'))) {
    fail(`no built renderer in ${o.staticDir}. Build it first: npx electron-vite build (or npm run build:web).`)
  }
  ensurePrivateDir(o.dataDir)

  const backend = createBackend({ dataDir: o.dataDir, mode: 'browser' })
  backend.events.on('backend.log', (e) => {
    process.stderr.write(`${e.at} ${e.level.padEnd(5)} ${e.node ? `[${e.node}] ` : ''}${e.message}\n`)
  })

  let server: Awaited<ReturnType<typeof createWebServer>>
  try {
    server = await createWebServer({ backend, staticDir: o.staticDir, host: o.host, port: o.port })
  } catch (err) {
    await backend.dispose()
    fail(`cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`)
  }

  if (!['127.0.0.1', '::1', 'localhost'].includes(o.host)) {
    process.stderr.write(
      `havip web: WARNING: listening on ${o.host}, not loopback. Anyone who can reach it and learns the token controls your SSH sessions; prefer an SSH tunnel.\n`
    )
  }
  process.stdout.write(`HAVIP Manager browser mode: ${server.url}\n`)
  process.stdout.write(`Data directory: ${o.dataDir}\n`)
  process.stdout.write(`HAVIP_READY ${server.url}\n`)

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`havip web: ${signal} again, exiting now\n`)
      process.exit(130)
    }
    stopping = true
    process.stderr.write(`havip web: ${signal}, shutting down\n`)
    const hardStop = setTimeout(() => process.exit(1), 5000)
    hardStop.unref()
    void Promise.allSettled([server.close(), backend.dispose()]).then(() => process.exit(0))
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

void main().catch((err: unknown) => fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`))
