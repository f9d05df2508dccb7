// Fetches the part of one node's agent log (/var/log/havip/agent.log, root-readable only) written
// since a time, bounded: the node filters the lines by their time stamp (the agent writes
// {"time":"<ISO>",...} first on every line, and ISO times in UTC compare as text) and sends at
// most `maxBytes` of the newest matching lines. Run as root through the node's saved connection,
// with the values as arguments of a constant script (never spliced into it).
import { AGENT_LOG } from '../deploy/layout'
import { rootScript, runRoot } from '../deploy/remote-run'
import type { SshSession } from '../ssh/session'
import { agentLogEvents } from './agent-log-events'
import type { EventInput } from './event-record'

/** 1 MiB of log lines per node per read back: thousands of events, a second or two over SSH. */
export const READBACK_MAX_BYTES = 1024 * 1024
/** Only the newest part of a long log is scanned (the rest is older than anything useful here). */
export const READBACK_SCAN_BYTES = 16 * 1024 * 1024

const NO_LOG = 3

// $1 log file, $2 since (ISO time, '' for all), $3 bytes to scan, $4 bytes to send at most.
export const READ_LOG = rootScript('events-readback', [
  '[ -r "$1" ] || { echo "no agent log at $1" >&2; exit 3; }',
  // {"time":"  is 9 characters: the time stamp starts at column 10 and is 24 characters long.
  'tail -c "$3" "$1" | awk -v since="$2" \'substr($0, 1, 9) == "{\\"time\\":\\"" && substr($0, 10, 24) >= since\' | tail -c "$4"'
])

export interface ReadBackOptions {
  since?: string | undefined
  maxBytes?: number
  scanBytes?: number
  logFile?: string
  timeoutMs?: number
}

export class ReadBackError extends Error {}

/** The agent log's events on `node` since `opts.since` (inclusive), oldest first. */
export async function readAgentLog(session: SshSession, node: string, opts: ReadBackOptions = {}): Promise<{ events: EventInput[]; bytes: number }> {
  const args = [opts.logFile ?? AGENT_LOG, opts.since ?? '', String(opts.scanBytes ?? READBACK_SCAN_BYTES), String(opts.maxBytes ?? READBACK_MAX_BYTES)]
  const r = await runRoot(session, READ_LOG, args, { timeoutMs: opts.timeoutMs ?? 30_000 })
  if (r.code === NO_LOG) return { events: [], bytes: 0 }
  if (r.code !== 0) {
    const said = r.stderr.trim().split('\n').pop()?.slice(0, 300) ?? ''
    throw new ReadBackError(`reading the agent log on ${node} failed (exit ${r.code}${said ? `: ${said}` : ''})`)
  }
  return { events: agentLogEvents(node, r.stdout), bytes: Buffer.byteLength(r.stdout) }
}
