/**
 * The fallback service where a node has no systemd: keeps one `havip-agent run` child alive.
 * It restarts the child whenever it exits, with a backoff (1 s doubling to 30 s, back to 1 s
 * once a child has run 60 s), forwards SIGHUP (config reload) to it, and on stop sends SIGTERM
 * and, after a grace period, SIGKILL. How a child is started and time are injected, so the
 * restart policy is tested on a fake clock with fake children (test/unit/agent-runtime/supervisor.test.ts).
 */
import type { Logger } from '../log'
import type { Scheduler, TimerHandle } from '../time/scheduler'

/** One running agent process, as the supervisor sees it. */
export interface ChildHandle {
  readonly pid: number | undefined
  kill(signal: NodeJS.Signals): void
  /** Called once, when the process has exited (or could not be started: code and signal null, `error` set). */
  onExit(cb: (exit: ChildExit) => void): void
}

export interface ChildExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Why the process could not be started, or the end of what it wrote to stderr. */
  error?: string
  stderrTail?: string
}

export type Launcher = () => ChildHandle

export const BACKOFF_MIN_MS = 1000
export const BACKOFF_MAX_MS = 30_000
/** A child that ran this long was healthy: the next restart waits BACKOFF_MIN_MS again. */
export const STABLE_RUN_MS = 60_000
/** The agent bounds its own shutdown at 10 s; past this it is stuck and gets SIGKILL. */
export const STOP_GRACE_MS = 12_000

export interface SupervisorOptions {
  launch: Launcher
  scheduler: Scheduler
  logger: Logger
  stopGraceMs?: number
}

export function describeExit(e: ChildExit): string {
  if (e.error) return `could not be started (${e.error})`
  if (e.signal) return `was killed by signal ${e.signal}`
  return `exited with code ${e.code ?? 'unknown'}`
}

export class Supervisor {
  private child?: ChildHandle
  private childStartedAt = 0
  private backoffMs = BACKOFF_MIN_MS
  private restartTimer?: TimerHandle
  private stopping?: Promise<void>
  private exited?: () => void
  /** Children started after the first. */
  restarts = 0

  constructor(private readonly opts: SupervisorOptions) {}

  private get log(): Logger['log'] {
    return this.opts.logger.log
  }

  get childPid(): number | undefined {
    return this.child?.pid
  }

  /** The delay the next restart would wait (exposed for status and tests). */
  get nextBackoffMs(): number {
    return this.backoffMs
  }

  start(): void {
    this.launch()
  }

  private launch(): void {
    this.restartTimer = undefined
    if (this.stopping) return
    const child = this.opts.launch()
    this.child = child
    this.childStartedAt = this.opts.scheduler.now()
    this.log('info', `supervisor: started havip-agent, pid ${child.pid ?? '(none)'}`, { childPid: child.pid })
    child.onExit((e) => this.onChildExit(child, e))
  }

  private onChildExit(child: ChildHandle, e: ChildExit): void {
    if (this.child !== child) return
    this.child = undefined
    const ranMs = this.opts.scheduler.now() - this.childStartedAt
    const fields = { childPid: child.pid, code: e.code, signal: e.signal, ranMs: Math.round(ranMs) }
    if (this.stopping) {
      this.log('info', `supervisor: havip-agent (pid ${child.pid}) ${describeExit(e)} on stop`, fields)
      this.exited?.()
      return
    }
    if (ranMs >= STABLE_RUN_MS) this.backoffMs = BACKOFF_MIN_MS
    const delay = this.backoffMs
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS)
    this.restarts++
    const tail = e.stderrTail ? `; its last output: ${e.stderrTail}` : ''
    this.log('warn', `supervisor: havip-agent (pid ${child.pid ?? '(none)'}) ${describeExit(e)} after ${(ranMs / 1000).toFixed(1)} s; restarting it in ${delay / 1000} s (restart ${this.restarts})${tail}`, fields)
    this.restartTimer = this.opts.scheduler.setTimeout(() => this.launch(), delay)
  }

  /** SIGHUP to the agent: it re-reads its config. Between restarts there is nobody to tell; the next child reads the file anyway. */
  reload(): void {
    if (this.child) {
      this.log('info', `supervisor: forwarding SIGHUP (config reload) to havip-agent pid ${this.child.pid}`)
      this.child.kill('SIGHUP')
    } else {
      this.log('info', 'supervisor: SIGHUP while no havip-agent runs; the next one reads the config as it is now')
    }
  }

  /** Stops restarting, stops the child (SIGTERM, then SIGKILL after the grace period); resolves when it is gone. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.opts.scheduler.clearTimeout(this.restartTimer)
      this.restartTimer = undefined
      const child = this.child
      if (!child) return resolve()
      const grace = this.opts.stopGraceMs ?? STOP_GRACE_MS
      const kill = this.opts.scheduler.setTimeout(() => {
        this.log('warn', `supervisor: havip-agent pid ${child.pid} did not stop within ${grace / 1000} s of SIGTERM; sending SIGKILL`)
        child.kill('SIGKILL')
      }, grace)
      this.exited = () => {
        this.opts.scheduler.clearTimeout(kill)
        resolve()
      }
      this.log('info', `supervisor: stopping havip-agent pid ${child.pid} (SIGTERM)`)
      child.kill('SIGTERM')
    })
    return this.stopping
  }
}
