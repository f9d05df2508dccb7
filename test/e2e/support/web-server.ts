// Starts browser mode exactly as a user would (`node out/node/web.cjs`) with a private data
// dir and a free port, waits (bounded) for its `HAVIP_READY <url>` line, and stops it reliably.
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export interface RunningWebServer {
  /** The full URL with '#token=...'. */
  url: string
  /** The URL without the token (origin + '/'). */
  baseUrl: string
  token: string
  dataDir: string
  /** stdout+stderr so far, for failure messages (never contains passwords: the server does not log them). */
  output(): string
  stop(): Promise<void>
}

const REPO = path.resolve(__dirname, '../../..')
export const WEB_BUNDLE = path.join(REPO, 'out/node/web.cjs')
const READY_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 5_000

/** `env`: added to the server's environment (e.g. HAVIP_AGENT_BUNDLE_DIR for a stand-in agent bundle). */
export async function startWebServer(opts: { env?: Record<string, string> } = {}): Promise<RunningWebServer> {
  if (!fs.existsSync(WEB_BUNDLE)) {
    throw new Error(`${WEB_BUNDLE} is missing: build first (npm run build:web, or npm test which builds).`)
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-e2e-'))
  const child = spawn(process.execPath, [WEB_BUNDLE], {
    cwd: REPO,
    env: { ...process.env, ...opts.env, HAVIP_DATA_DIR: dataDir, HAVIP_PORT: '0', HAVIP_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d))

  const stop = async (): Promise<void> => {
    await stopChild(child)
    fs.rmSync(dataDir, { recursive: true, force: true })
  }

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`browser mode did not print HAVIP_READY within ${READY_TIMEOUT_MS} ms. Output:\n${out}`)),
        READY_TIMEOUT_MS
      )
      const check = (): void => {
        const m = /^HAVIP_READY (\S+)$/m.exec(out)
        if (m?.[1]) {
          clearTimeout(timer)
          resolve(m[1])
        }
      }
      child.stdout.on('data', check)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`browser mode exited early (code ${code}, signal ${signal}). Output:\n${out}`))
      })
      check()
    })
    const parsed = new URL(url)
    const token = /token=([A-Za-z0-9_-]+)/.exec(parsed.hash)?.[1]
    if (!token) throw new Error(`HAVIP_READY URL has no #token=...: ${url}`)
    return { url, baseUrl: `${parsed.origin}/`, token, dataDir, output: () => out, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), STOP_TIMEOUT_MS).unref())
  ])
  if (timedOut) {
    child.kill('SIGKILL')
    await exited
  }
}
