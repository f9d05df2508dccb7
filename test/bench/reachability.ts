/**
 * Measures how long a VIP is unreachable across an event: the client namespace runs
 * `havip-agent probe VIP --interval-ms 10 --json` (the agent's own ICMP prober) and we take
 * the longest gap between two successful replies, minus one probe interval.
 */
import type { ChildProcess } from 'node:child_process'
import type { ProbeResult } from '../../agent/net/icmp-probe'
import { join } from 'node:path'
import { clientSpawn, killSpawned } from '../lab/lab'
import { BUNDLE_DIR, NODE_BIN } from '../integration/agent/lab-agents'

/** One line of `probe --json`: the agent's own result type, so the two cannot drift apart. */
export type ProbeLine = ProbeResult

export class Pinger {
  readonly results: ProbeLine[] = []
  private child?: ChildProcess
  private buf = ''

  constructor(readonly target: string, readonly intervalMs = 10) {}

  start(): void {
    this.child = clientSpawn([NODE_BIN, join(BUNDLE_DIR, 'havip-agent.cjs'), 'probe', this.target, '--interval-ms', String(this.intervalMs), '--timeout-ms', '400', '--count', '20000', '--json'])
    this.child.stdout?.on('data', (d: Buffer) => {
      this.buf += d.toString()
      let i: number
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i)
        this.buf = this.buf.slice(i + 1)
        try {
          this.results.push(JSON.parse(line) as ProbeLine)
        } catch {
          // not a probe line
        }
      }
    })
  }

  /** Successful replies since `sinceMs` (wall clock). */
  okSince(sinceMs: number): number {
    return this.results.filter((r) => r.rttMs !== undefined && r.sentAt >= sinceMs).length
  }

  async stop(): Promise<void> {
    if (this.child) await killSpawned(this.child, 'SIGINT', 2000)
  }

  /** Longest outage in ms (0 when no probe was lost), or null when no reply came after `afterMs`. */
  unreachableMs(afterMs: number): number | null {
    const ok = this.results.filter((r) => r.rttMs !== undefined).sort((a, b) => a.seq - b.seq)
    if (!ok.some((r) => r.sentAt > afterMs)) return null
    let worst = 0
    for (let i = 1; i < ok.length; i++) worst = Math.max(worst, ok[i]!.sentAt - ok[i - 1]!.sentAt - this.intervalMs)
    return Math.max(0, worst)
  }
}
