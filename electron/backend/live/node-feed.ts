// One node's live feed: a single long-running command over the node's SSH session (through its
// AgentAccess: a root shell script on Linux, a streaming PowerShell script on Windows) that
// streams the agent's `ctl watch --json` (every transition as it happens) and prints a full
// `ctl status --json` every period (the whole truth, and a heartbeat). It reconnects on its
// own with backoff (1 s doubling to 30 s) when the command or the SSH link ends, and reports the
// node unreachable, with when it was last heard, as soon as the stream fails or falls silent for
// three periods: the console never shows a node's last known state as if it were current.
import type { SshSession } from '../ssh/session'
import type { AgentAccess } from './agent-access'
import { BoundedLines, parseFeedLine, type AgentEventReport, type AgentStatusReport } from './agent-report'
import type { LiveClock, TimerHandle } from './live-clock'

export type FeedUpdate =
  | { kind: 'status'; status: AgentStatusReport; at: number }
  | { kind: 'event'; event: AgentEventReport; at: number }
  | { kind: 'agent-down'; why: string; at: number }
  | { kind: 'unreachable'; why: string; at: number }

export interface NodeFeedOptions {
  node: string
  /** The node's SSH session (resolved on every (re)connect: a reconnected connection has a new one). */
  session: () => Promise<SshSession>
  /** How the node's agent is reached (per platform: agent-access.ts). */
  agent: AgentAccess
  clock: LiveClock
  /** How often the full status comes; silence for 3 periods makes the node unreachable. Default 5 s. */
  statusPeriodMs?: number
  onUpdate: (u: FeedUpdate) => void
  log?: (line: string) => void
}

export const BACKOFF_FIRST_MS = 1000
export const BACKOFF_MAX_MS = 30_000
/** One run of the feed command lasts at most this long, then starts again (bounds the channel's lifetime). */
export const RUN_LIMIT_MS = 60 * 60 * 1000
/** Output cap of one run; the status lines of an hour fit many times over. */
const RUN_MAX_BYTES = 64 * 1024 * 1024

export class NodeFeed {
  private readonly period: number
  private running = false
  private abort: AbortController | undefined
  private retry: TimerHandle | undefined
  private silence: TimerHandle | undefined
  private backoff = BACKOFF_FIRST_MS
  private unreachable = false
  /** Resolves when the current run ended (stop() awaits it, so no exec channel outlives the feed). */
  private runDone: Promise<void> = Promise.resolve()

  constructor(private readonly o: NodeFeedOptions) {
    this.period = o.statusPeriodMs ?? 5000
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.connect()
  }

  /** Stops the stream and waits until its command has ended on the node. */
  async stop(): Promise<void> {
    this.running = false
    this.o.clock.clearTimeout(this.retry)
    this.o.clock.clearTimeout(this.silence)
    this.abort?.abort()
    await this.runDone
  }

  get active(): boolean {
    return this.running
  }

  private connect(): void {
    if (!this.running) return
    const ac = new AbortController()
    this.abort = ac
    const startedAt = this.o.clock.now()
    let heard = false
    const lines = new BoundedLines((line) => {
      if (ac.signal.aborted) return
      const parsed = parseFeedLine(line)
      if (parsed.kind === 'other') return
      if (!heard) {
        heard = true
        this.backoff = BACKOFF_FIRST_MS // a working stream resets the backoff
      }
      this.unreachable = false
      this.armSilence(ac)
      const at = this.o.clock.now()
      if (parsed.kind === 'status') this.o.onUpdate({ kind: 'status', status: parsed.status, at })
      else if (parsed.kind === 'event') this.o.onUpdate({ kind: 'event', event: parsed.event, at })
      else this.o.onUpdate({ kind: 'agent-down', why: parsed.why, at })
    })
    this.armSilence(ac)
    this.runDone = (async () => {
      let why: string
      try {
        const session = await this.o.session()
        if (ac.signal.aborted) return
        const r = await this.o.agent.feed(session, this.o.node, this.period, {
          signal: ac.signal,
          timeoutMs: RUN_LIMIT_MS,
          maxOutputBytes: RUN_MAX_BYTES,
          onStdout: (chunk) => lines.push(chunk)
        })
        why = r.why
      } catch (err) {
        why = (err as Error).message
      }
      if (ac.signal.aborted && !this.running) return
      this.o.clock.clearTimeout(this.silence)
      // A run that lasted its full time is a normal restart, not a failure (a Windows node's feed
      // script ends itself a few seconds before the limit: agent-scripts.ts streamMaxSeconds).
      const ranLong = this.o.clock.now() - startedAt >= RUN_LIMIT_MS - 15_000
      if (!ranLong) this.markUnreachable(why)
      this.scheduleRetry(ranLong ? 0 : undefined)
    })()
  }

  private armSilence(ac: AbortController): void {
    this.o.clock.clearTimeout(this.silence)
    this.silence = this.o.clock.setTimeout(() => {
      if (ac.signal.aborted) return
      this.markUnreachable(`no word from ${this.o.node} for ${Math.round((3 * this.period) / 1000)} s`)
      // The link may be dead without SSH having noticed yet: end this run and start again.
      ac.abort()
    }, 3 * this.period)
  }

  private markUnreachable(why: string): void {
    if (this.unreachable) return
    this.unreachable = true
    this.o.onUpdate({ kind: 'unreachable', why, at: this.o.clock.now() })
  }

  private scheduleRetry(delayMs?: number): void {
    if (!this.running) return
    const d = delayMs ?? this.backoff
    if (delayMs === undefined) this.backoff = Math.min(BACKOFF_MAX_MS, this.backoff * 2)
    this.o.clock.clearTimeout(this.retry)
    this.retry = this.o.clock.setTimeout(() => this.connect(), d)
  }
}
