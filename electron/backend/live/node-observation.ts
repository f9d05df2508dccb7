// What the app knows about one node right now, folded from its feed: the last full status,
// with the transitions streamed since applied on top (so a failover shows at once, not at the
// next status), whether its agent answers, and when the node was last heard. The next full
// status replaces the folded view, so an event read wrongly cannot outlive one period.
import type { AgentEventReport, AgentStatusReport } from './agent-report'
import type { FeedUpdate } from './node-feed'

export type NodeReach = 'waiting' | 'heard' | 'agent-down' | 'unreachable'

export interface NodeObservation {
  reach: NodeReach
  /** The agent's status, events applied; null until the first one (and while unreachable it is kept only for the record, never shown). */
  status: AgentStatusReport | null
  /** When the status was last replaced by a full one (ms). */
  statusAt: number | null
  /** When anything was last heard from the node (ms). */
  lastSeenAt: number | null
  /** Why the node is agent-down or unreachable. */
  problem?: string
  /** Per role: the agent's "unknown-source" advert count in the last status, and when it last grew. */
  strangers: Map<string, { count: number; grewAt: number | null }>
}

export function emptyObservation(): NodeObservation {
  return { reach: 'waiting', status: null, statusAt: null, lastSeenAt: null, strangers: new Map() }
}

/** Folds one feed update into the observation (in place). */
export function observe(o: NodeObservation, u: FeedUpdate): void {
  switch (u.kind) {
    case 'status':
      o.reach = 'heard'
      o.lastSeenAt = u.at
      o.statusAt = u.at
      delete o.problem
      noteStrangers(o, u.status, u.at)
      o.status = u.status
      return
    case 'event':
      o.lastSeenAt = u.at
      // Heard again; the state itself waits for a status if there is none to apply the event to.
      if (o.status) o.reach = 'heard'
      if (o.status) applyEvent(o.status, u.event)
      return
    case 'agent-down':
      o.reach = 'agent-down'
      o.lastSeenAt = u.at
      o.problem = u.why
      o.status = null
      return
    case 'unreachable':
      o.reach = 'unreachable'
      o.problem = u.why
      return
  }
}

function noteStrangers(o: NodeObservation, s: AgentStatusReport, at: number): void {
  for (const i of s.instances) {
    const count = i.adverts?.bad?.['unknown-source'] ?? 0
    const prev = o.strangers.get(i.name)
    // The first status only sets the baseline: a count from before the app watched is history.
    const grew = prev !== undefined && count > prev.count
    o.strangers.set(i.name, { count, grewAt: grew ? at : (prev?.grewAt ?? null) })
  }
}

/** A transition streamed by `ctl watch`: the instance's state and last transition now. */
function applyEvent(s: AgentStatusReport, e: AgentEventReport): void {
  const inst = e.instance ? s.instances.find((i) => i.name === e.instance) : undefined
  if (!inst) return
  // A health change says why (a failing check, a simulated failure): the Fault it leads to shows it.
  if (e.type === 'health' && e.reason !== undefined) inst.health = e.reason
  if (e.type !== 'transition' || !e.to) return
  inst.state = e.to
  // Maintenance is the paused state: entering it is a pause, leaving it a resume.
  inst.paused = e.to === 'maintenance'
  inst.lastTransition = { from: e.from ?? inst.state, to: e.to, reason: e.reason ?? '', at: e.time }
  // The agent adds the VIP as it becomes master and removes it as it leaves.
  inst.vipsHeld = e.to === 'master' ? [...(inst.vips ?? inst.vipsHeld ?? [])] : []
  if (e.to !== 'master') inst.takeover = false
  inst.fault = e.to === 'fault'
}
