// What one node's agent says, as the live feed reads it: the lines of `ctl status --json`, of
// `ctl watch --json` (its ack carries a full status, then one {"event": ...} per line), and the
// feed script's own marker lines. Parsed defensively (an older or newer agent still parses; a
// garbled line is skipped, never thrown), and only the fields the console shows are kept.
// The status shape is documented above AgentStatus in agent/agent.ts.
import { z } from 'zod'

const Transition = z.object({ from: z.string().max(32), to: z.string().max(32), reason: z.string().max(2000), at: z.string().max(64) }).passthrough()
const Peer = z.object({ address: z.string().max(64), priority: z.number(), lastSeen: z.string().max(64) }).passthrough()

const InstanceSchema = z
  .object({
    name: z.string().max(128),
    vrid: z.number().int(),
    state: z.string().max(32),
    effectivePriority: z.number().optional(),
    basePriority: z.number().optional(),
    vips: z.array(z.string().max(64)).max(64).optional(),
    vipsHeld: z.array(z.string().max(64)).max(64).optional(),
    lastTransition: Transition.optional(),
    peers: z.array(Peer).max(64).optional(),
    adverts: z.object({ bad: z.record(z.number()).optional() }).passthrough().optional(),
    transport: z.object({ mode: z.string().max(32).optional() }).passthrough().optional(),
    paused: z.boolean().optional(),
    takeover: z.boolean().optional(),
    fault: z.boolean().optional(),
    /** Why the priority or state is what it is ("script chk failing", "simulated failure until <time>"). */
    health: z.string().max(2000).optional(),
    preemptWindow: z.object({ open: z.boolean() }).passthrough().optional(),
    /** While `ctl simulate-failure` runs: its end on the node's clock. */
    simulatedFailure: z.object({ until: z.string().max(64) }).passthrough().optional()
  })
  .passthrough()

const StatusSchema = z.object({ version: z.string().max(64).optional(), instances: z.array(InstanceSchema).max(64) }).passthrough()

const EventSchema = z
  .object({
    time: z.string().max(64),
    type: z.string().max(32),
    instance: z.string().max(128).optional(),
    from: z.string().max(32).optional(),
    to: z.string().max(32).optional(),
    reason: z.string().max(2000).optional(),
    message: z.string().max(4000).optional(),
    priority: z.number().optional()
  })
  .passthrough()

export type AgentInstanceReport = z.infer<typeof InstanceSchema>
export type AgentStatusReport = z.infer<typeof StatusSchema>
export type AgentEventReport = z.infer<typeof EventSchema>

/** One line of the feed, read. */
export type FeedLine =
  | { kind: 'status'; status: AgentStatusReport }
  | { kind: 'event'; event: AgentEventReport }
  /** The agent does not answer (not running, not installed): `why` in its own words. */
  | { kind: 'agent-down'; why: string }
  /** A line that is none of these (skipped by the caller). */
  | { kind: 'other'; line: string }

/** The feed script's marker for "ctl status failed"; what follows on the line is ctl's stderr. */
export const AGENT_DOWN_MARK = 'havip-live: agent-down '

export function parseFeedLine(line: string): FeedLine {
  if (line.startsWith(AGENT_DOWN_MARK)) return { kind: 'agent-down', why: line.slice(AGENT_DOWN_MARK.length).trim().slice(0, 500) || 'the agent does not answer' }
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    return { kind: 'other', line: line.slice(0, 200) }
  }
  if (typeof raw !== 'object' || raw === null) return { kind: 'other', line: line.slice(0, 200) }
  const o = raw as Record<string, unknown>
  if ('event' in o) {
    const e = EventSchema.safeParse(o.event)
    return e.success ? { kind: 'event', event: e.data } : { kind: 'other', line: line.slice(0, 200) }
  }
  if (o.ok === false) return { kind: 'agent-down', why: typeof o.error === 'string' ? o.error.slice(0, 500) : 'the agent refused the request' }
  if (o.ok === true && typeof o.result === 'object' && o.result !== null) {
    const result = o.result as Record<string, unknown>
    // The watch ack: {"ok":true,"result":{"watching":true,"status":{...}}}
    const s = StatusSchema.safeParse(result.watching === true ? result.status : result)
    if (s.success) return { kind: 'status', status: s.data }
  }
  return { kind: 'other', line: line.slice(0, 200) }
}

// The feed's line splitter lives with the other streams' (the PowerShell seam uses it too).
export { BoundedLines } from '../bounded-lines'
