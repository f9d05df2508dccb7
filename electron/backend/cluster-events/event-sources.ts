// What the other services tell, as cluster events: the admin's cluster operations (issue 11's
// cluster.finished with its report) and, from the live view, the agents' events and the alerts.
// Each maps to the same message text the agent log gives for the same happening, so a read back
// recognises what the live feed already recorded.
import type { ApiEventPayload } from '../../api/contract'
import type { OperationReport } from '../../api/cluster'
import type { EventInput } from './event-record'
import { transitionLevel, transitionMessage } from './event-record'

const OPERATION_WORDS: Record<OperationReport['kind'], string> = {
  create: 'Create Cluster',
  'add-node': 'Add Node',
  'evict-node': 'Evict Node',
  destroy: 'Destroy Cluster',
  'add-role': 'Configure Role (add)',
  'set-role': 'Configure Role (change)',
  'remove-role': 'Configure Role (remove)',
  rollback: 'Roll back'
}

/** An admin's cluster operation that finished, as one event (its report, when it can be had, names it and its nodes). */
export function operationEvent(done: ApiEventPayload<'cluster.finished'>, report: OperationReport | undefined, now: number): EventInput {
  const what = report ? OPERATION_WORDS[report.kind] : 'Cluster operation'
  const gen = report && report.toGeneration !== report.fromGeneration ? ` (generation ${report.fromGeneration} -> ${report.toGeneration})` : ''
  const masters = report?.masters.filter((m) => m.node).map((m) => `${m.role} on ${m.node}`) ?? []
  const tail = done.outcome === 'failed' ? `: ${done.error?.message ?? 'failed'}` : masters.length > 0 ? `; master: ${masters.join(', ')}` : ''
  return {
    at: report?.finishedAt ?? now,
    level: done.outcome === 'failed' ? 'error' : 'info',
    kind: 'action',
    source: 'app',
    ...(done.error?.node ? { node: done.error.node } : {}),
    message: `${what} ${done.outcome}${gen}${tail} [${done.operationId}]`
  }
}

/** An event of the agent's `ctl watch` stream (agent/instance-types.ts AgentEvent), as a cluster event of `node`. */
export interface AgentWatchEvent {
  time: string
  type: string
  instance?: string | undefined
  from?: string | undefined
  to?: string | undefined
  reason?: string | undefined
  message?: string | undefined
}

export function agentWatchEvent(node: string, e: AgentWatchEvent): EventInput | undefined {
  const base = { at: e.time, source: 'live' as const, node, ...(e.instance ? { role: e.instance } : {}) }
  switch (e.type) {
    case 'transition':
      if (!e.from || !e.to) return undefined
      return { ...base, kind: 'transition', level: transitionLevel(e.to), from: e.from, to: e.to, message: transitionMessage(e.from, e.to, e.reason) }
    case 'error':
      return { ...base, kind: 'agent', level: 'error', message: e.message ?? 'agent error' }
    case 'started':
      return { ...base, kind: 'agent', level: 'info', message: `havip-agent started${e.message ? ` with ${e.message}` : ''}` }
    case 'stopped':
      return { ...base, kind: 'agent', level: 'info', message: 'havip-agent stopped' }
    case 'admin':
      return { ...base, kind: 'action', level: 'info', message: `agent command: ${e.message ?? ''}`.trim() }
    default:
      // health and reload: the status shows their effect; the agent's log keeps them.
      return undefined
  }
}

/** An alert raised or cleared by the live view's cross-checks. */
export interface AlertLike {
  kind: string
  message: string
  role?: string | undefined
  node?: string | undefined
}

export function alertEvent(a: AlertLike, raised: boolean, now: number): EventInput {
  return {
    at: now,
    level: raised ? 'error' : 'info',
    kind: raised ? 'alert' : 'alert-cleared',
    source: 'app',
    ...(a.role ? { role: a.role } : {}),
    ...(a.node ? { node: a.node } : {}),
    message: raised ? `ALERT ${a.kind}: ${a.message}` : `alert cleared: ${a.kind}: ${a.message}`
  }
}
