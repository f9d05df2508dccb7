// One node's live feed: a single long-running root command over the node's SSH session that
// streams the agent's `ctl watch --json` (every transition as it happens) and prints a full
// `ctl status --json` every period (the whole truth, and a heartbeat). It reconnects on its
// own with backoff (1 s doubling to 30 s) when the command or the SSH link ends, and reports the
// node unreachable, with when it was last heard, as soon as the stream fails or falls silent for
// three periods: the console never shows a node's last known state as if it were current.
import type { SshSession } from '../ssh/session'
import { AGENT, NODE_LINK } from '../deploy/layout'
import { rootArgv, rootScript } from '../deploy/remote-run'
import { AGENT_DOWN_MARK, BoundedLines, parseFeedLine, type AgentEventReport, type AgentStatusReport } from './agent-report'
import type { LiveClock, TimerHandle } from './live-clock'

/**
 * $1 the Node.js link, $2 the agent, $3 the status period in seconds. The watch runs in a loop
 * of its own (an agent restart ends it; it comes back within a second and its ack carries a
 * full status). A status that fails prints the marker line with ctl's last words. One process
 * group: stopping the exec kills both loops. When the SSH channel goes away without that (a cut
 * link), the status loop dies on its next write (SIGPIPE), and the watch loop, which checks every
 * second that the status loop still lives, stops its `ctl watch` (which writes only on events,
 * so it would not notice by itself).
 */
const FEED_SCRIPT = rootScript('live-feed', [
  'n="$1"; a="$2"; p="$3"; me=$$',
  '( while kill -0 "$me" 2>/dev/null; do',
  '    "$n" "$a" ctl watch --json 2>/dev/null & w=$!',
  '    while kill -0 "$me" 2>/dev/null && kill -0 "$w" 2>/dev/null; do sleep 1; done',
  '    kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true; sleep 1',
  '  done ) &',
  'while :; do',
  '  if out=$("$n" "$a" ctl status --json 2>&1); then printf \'%s\\n\' "$out"',
  `  else printf '${AGENT_DOWN_MARK}%s\\n' "$(printf '%s' "$out" | tail -n 1)"; fi`,
  '  sleep "$p"',
  'done'
])

export function feedArgv(periodMs: number): string[] {
  return rootArgv(FEED_SCRIPT, [NODE_LINK, AGENT, String(Math.max(1, Math.round(periodMs / 1000)))])
}

export type FeedUpdate =
  | { kind: 'status'; status: AgentStatusReport; at: number }
  | { kind: 'event'; event: AgentEventReport; at: number }
  | { kind: 'agent-down'; why: string; at: number }
  | { kind: 'unreachable'; why: string; at: number }

export interface NodeFeedOptions {
  node: string
  /** The node's SSH session (resolved on every (re)connect: a reconnected connection has a new one). */
  session: () => Promise<SshSession>
  clock: LiveClock
  /** How often the full status comes; silence for 3 periods makes the node unreachable. Default 5 s. */
  statusPeriodMs?: number
  onUpdate: (u: FeedUpdate) => void
  log?: (line: string) => void
}

export const BACKOFF_FIRST_MS = 1000
export const BACKOFF_MAX_MS = 30_000
/** One run of the feed command lasts at most this long, then starts again (bounds the channel's lifetime). */
const RUN_LIMIT_MS = 60 * 60 * 1000
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
        const r = await session.exec(feedArgv(this.period), {
          sudo: true,
          quiet: true,
          streamOnly: true,
          signal: ac.signal,
          timeoutMs: RUN_LIMIT_MS,
          maxOutputBytes: RUN_MAX_BYTES,
          onStdout: (chunk) => lines.push(chunk)
        })
        why = `the live feed on ${this.o.node} ended (exit code ${r.code})`
      } catch (err) {
        why = (err as Error).message
      }
      if (ac.signal.aborted && !this.running) return
      this.o.clock.clearTimeout(this.silence)
      // A run that lasted its full time is a normal restart, not a failure.
      const ranLong = this.o.clock.now() - startedAt >= RUN_LIMIT_MS - 1000
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
