/** Runs a program with an argv array (never a shell), bounded in time, collecting output. */
import { execFile } from 'node:child_process'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
  /** Set when the process was killed for exceeding timeoutMs. */
  timedOut: boolean
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: string
}

export function run(file: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 10_000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, env: opts.env, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr, timedOut: false })
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string }
        if (typeof e.code === 'string') {
          return resolve({ code: 127, stdout, stderr, timedOut: false, spawnError: `${e.code}: ${e.message}` })
        }
        const timedOut = e.killed === true && e.signal === 'SIGKILL'
        resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr, timedOut })
      }
    )
  })
}
