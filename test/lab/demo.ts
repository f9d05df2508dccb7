// `npm run demo`: a 3-node lab plus HAVIP Manager in browser mode, ready to click through.
// Ctrl-C stops the server and leaves the lab up (`npm run lab:down` removes it).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { labSummary, labUp } from './lab'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const webEntry = join(repoRoot, 'out/node/web.cjs')
const READY_TIMEOUT_MS = 30_000

async function main(args: string[]): Promise<number> {
  const showPassword = args.includes('--show-password')
  const state = await labUp({ nodes: 3, progress: (line) => console.log(`lab: ${line}`) })

  if (!existsSync(webEntry)) {
    console.error(`demo: ${webEntry} does not exist yet: build browser mode first (npm run build:web), then run the demo again.`)
    console.log(`\n${labSummary(state)}`)
    return 1
  }

  // The demo keeps its own data dir (known clusters, pinned host keys) apart from a real profile.
  const dataDir = process.env.HAVIP_DATA_DIR ?? join(tmpdir(), 'havip-demo-data')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const server = spawn(process.execPath, [webEntry], {
    cwd: repoRoot,
    env: { ...process.env, HAVIP_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit']
  })

  const url = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS)
    const lines = createInterface({ input: server.stdout })
    lines.on('line', (line) => {
      const m = /^HAVIP_READY (\S+)/.exec(line)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      } else {
        console.log(`web: ${line}`)
      }
    })
    server.once('exit', () => {
      clearTimeout(timer)
      resolve(null)
    })
  })
  if (!url) {
    server.kill('SIGTERM')
    console.error(`demo: browser mode (${webEntry}) exited or did not print HAVIP_READY within ${READY_TIMEOUT_MS / 1000} s; see its output above.`)
    return 1
  }

  console.log('')
  console.log(labSummary(state))
  if (showPassword) {
    console.log(`  ${state.sudoUser} password: ${readFileSync(state.sudoPasswordPath, 'utf8').trim()}`)
  } else {
    console.log(`  (run with --show-password, or: cat ${state.sudoPasswordPath})`)
  }
  console.log('')
  console.log(`HAVIP Manager (browser mode): ${url}`)
  console.log(`  data dir: ${dataDir}`)
  console.log(`  connect to ${state.nodes.map((n) => n.address).join(', ')} as root with key ${state.rootKeyPath}`)
  console.log('  Ctrl-C stops the server; the lab stays up (npm run lab:down removes it).')

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      console.log('\ndemo: stopping the server; the lab stays up. Take it down with: npm run lab:down')
      server.kill('SIGTERM')
      setTimeout(() => server.kill('SIGKILL'), 5000).unref()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    server.once('exit', (code) => resolve(code === null || code === 0 ? 0 : code))
  })
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  }
)
