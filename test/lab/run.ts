// Runs programs as argv arrays (never through a shell), with a time limit and captured output.
import { spawn, type SpawnOptions } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  timeoutMs?: number
  input?: string
  env?: Record<string, string>
}

/** A clean, predictable environment: lab commands must not depend on the caller's shell. */
export const BASE_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8'
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/**
 * Runs argv and resolves with its exit code and output. Rejects only when the program cannot be
 * started or overruns its time limit; a non-zero exit is a normal result the caller inspects.
 */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv
  if (!file) return Promise.reject(new Error('run: empty argv'))
  const timeoutMs = opts.timeoutMs ?? 30_000
  const spawnOpts: SpawnOptions = {
    env: { ...BASE_ENV, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe']
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, spawnOpts)
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`could not start ${file}: ${err.message}. Is it installed? Try: bash scripts/ensure-packages.sh`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) {
        reject(new Error(`${describe(argv)} did not finish within ${timeoutMs} ms and was killed. stderr: ${stderr.trim()}`))
        return
      }
      resolve({ code: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0), stdout, stderr })
    })
    child.stdin?.on('error', () => {
      /* the program may exit before reading its input; its exit code tells the story */
    })
    child.stdin?.end(opts.input ?? '')
  })
}

/** Runs argv and throws an actionable error unless it exits 0. `what` says what we were doing. */
export async function must(argv: string[], what: string, opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts)
  if (r.code !== 0) {
    throw new Error(`lab: ${what} failed: \`${describe(argv)}\` exited ${r.code}: ${(r.stderr || r.stdout).trim()}`)
  }
  return r.stdout
}

export function describe(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** True while `pid` runs. A zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) STATE ...": comm may contain spaces and parentheses, so look after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}
