// A stand-in for one node's SSH session in the feed's unit tests: each exec is a run the test
// drives (writes lines, ends it, drops it); aborting it rejects as the real session does. The
// real session's abort is proven against real nodes in test/integration/live.
import { platformAgentAccess } from '../../../electron/backend/live/agent-access'
import { linuxAgentAccess } from '../../../electron/backend/live/linux-agent-access'
import { windowsAgentAccess } from '../../../electron/backend/live/windows-agent-access'
import type { ExecOptions, ExecResult, SshSession } from '../../../electron/backend/ssh/session'

/** The agent access the backend composes (these fake sessions carry no Windows ident, so they go the Linux way). */
export const agentAccess = platformAgentAccess(linuxAgentAccess, windowsAgentAccess())

export interface FakeRun {
  argv: string[]
  opts: ExecOptions
  write(line: string): void
  end(code?: number): void
  drop(message?: string): void
  readonly aborted: boolean
  readonly settled: boolean
}

export class FakeSession {
  readonly runs: FakeRun[] = []
  /** Runs still open (not ended, dropped or aborted). */
  get open(): FakeRun[] {
    return this.runs.filter((r) => !r.settled)
  }
  readonly session = {
    id: 's1',
    target: { host: '198.51.100.11', port: 22, username: 'root' },
    exec: (argv: string[], opts: ExecOptions = {}) => this.exec(argv, opts)
  } as unknown as SshSession

  private exec(argv: string[], opts: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      let settled = false
      const settle = (fn: () => void): void => {
        if (settled) return
        settled = true
        fn()
      }
      const run: FakeRun = {
        argv,
        opts,
        write: (line) => opts.onStdout?.(`${line}\n`),
        end: (code = 0) => settle(() => resolve({ code, stdout: '', stderr: '' })),
        drop: (message = 'The SSH server on 198.51.100.11:22 closed the connection.') => settle(() => reject(new Error(message))),
        get aborted() {
          return opts.signal?.aborted === true
        },
        get settled() {
          return settled
        }
      }
      opts.signal?.addEventListener('abort', () => settle(() => reject(new Error('stopped on request'))), { once: true })
      this.runs.push(run)
    })
  }
}
