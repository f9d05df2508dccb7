// Probes a VIP from a cluster node with the agent's own ICMP prober, `havip-agent probe
// TARGET --interval-ms N --timeout-ms N --json`, run as an administrator (raw ICMP socket) over
// the node's SSH session as one long-running stream, through the node's AgentAccess (root over
// exec on Linux, the 'agent-probe' PowerShell script on Windows). Its JSON lines
// (agent/net/icmp-probe.ts: {seq, sentAt, rttMs} or {seq, sentAt, lost: true}) become results.
// Stopping aborts the stream, which closes the channel (and, on Linux, kills the command's
// process group on the node).
import type { AgentAccess } from '../live/agent-access'
import type { SshSession } from '../ssh/session'

export interface NodeProbeOptions {
  session: SshSession
  agent: AgentAccess
  node: string
  target: string
  intervalMs: number
  timeoutMs: number
  onResult(seq: number, sentAt: number, rttMs: number | null): void
  /** The probe ended without stop() (link lost, agent missing, killed on the node). */
  onEnded(message: string, hint: string): void
}

/** Upper bound of one probe run; the view restarts probing if it is still open after that. */
export const MAX_RUN_MS = 24 * 3600_000

/** Parses one JSON line of `havip-agent probe --json`; undefined for anything else. */
export function parseProbeLine(line: string): { seq: number; sentAt: number; rttMs: number | null } | undefined {
  let o: unknown
  try {
    o = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof o !== 'object' || o === null) return undefined
  const r = o as { seq?: unknown; sentAt?: unknown; rttMs?: unknown; lost?: unknown }
  if (typeof r.seq !== 'number' || typeof r.sentAt !== 'number') return undefined
  if (r.lost === true) return { seq: r.seq, sentAt: r.sentAt, rttMs: null }
  return typeof r.rttMs === 'number' ? { seq: r.seq, sentAt: r.sentAt, rttMs: r.rttMs } : undefined
}

export function startNodeProbe(o: NodeProbeOptions): { stop(): Promise<void> } {
  const ac = new AbortController()
  let partial = ''
  const onStdout = (chunk: string): void => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    if (partial.length > 4096) partial = '' // no probe line is this long: drop garbage
    for (const line of lines) {
      const r = parseProbeLine(line)
      if (r) o.onResult(r.seq, r.sentAt, r.rttMs)
    }
  }
  const run = o.agent
    .probe(o.session, o.node, { target: o.target, intervalMs: o.intervalMs, timeoutMs: o.timeoutMs }, { timeoutMs: MAX_RUN_MS, onStdout, signal: ac.signal })
    .then(
      (r) => {
        if (ac.signal.aborted) return
        o.onEnded(r.why, 'Check that the agent is installed on this node (Create Cluster installs it), then start probing again.')
      },
      (e: unknown) => {
        if (ac.signal.aborted) return
        o.onEnded(`The probe on ${o.node} stopped: ${(e as Error).message}`, 'Check the SSH connection to this node, then start probing again.')
      }
    )
  return {
    async stop() {
      ac.abort()
      await run
    }
  }
}
