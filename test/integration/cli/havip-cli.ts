// Runs the built `havip` CLI (out/node/havip.cjs) as a separate process, as an admin would,
// with a private data directory per test. Builds the bundle once when it is missing or stale.
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export const REPO = path.join(__dirname, '..', '..', '..')
export const HAVIP = path.join(REPO, 'out', 'node', 'havip.cjs')

function newest(dir: string): number {
  let t = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs)
  }
  return t
}

/** Builds out/node/havip.cjs when it is older than any backend/API/CLI source. */
export function ensureCliBuilt(): void {
  const fresh = fs.existsSync(HAVIP) && fs.statSync(HAVIP).mtimeMs >= newest(path.join(REPO, 'electron'))
  if (!fresh) execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build-node.mjs')], { stdio: 'inherit', timeout: 120_000 })
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'havip-cli-'))
}

/** Runs `havip ARGS` with a bound; the process is killed (and the test fails) if it overruns. */
export function runHavip(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // No ssh-agent from the caller's session: the tests say which credentials to use.
    const env = { ...process.env, SSH_AUTH_SOCK: '', ...opts.env }
    const child = spawn(process.execPath, [HAVIP, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`havip ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 60_000} ms; stderr so far:\n${stderr}`))
    }, opts.timeoutMs ?? 60_000)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
