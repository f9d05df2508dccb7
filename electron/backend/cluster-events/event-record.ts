// One cluster event as the backend makes it, whatever told of it (the live feed, an agent log
// read back, the app's own actions): the same message text from every source, so the same
// happening seen twice can be recognised (isSameHappening) and kept once.
import { createHash } from 'node:crypto'
import type { ClusterEvent, EventKind, EventLevel, EventSource } from '../../api/events'
import { clip } from '../../api/limits'

export interface EventInput {
  at: string | number | Date
  level: EventLevel
  kind: EventKind
  source: EventSource
  node?: string | undefined
  role?: string | undefined
  from?: string | undefined
  to?: string | undefined
  message: string
}

/**
 * How far apart two reports of one happening can be. The agent stamps its log line and its watch
 * event with two separate clock reads (a millisecond or so apart), and a log read back may repeat
 * what the live feed already gave.
 */
export const SAME_HAPPENING_MS = 2000

export function isoTime(at: string | number | Date): string {
  const d = at instanceof Date ? at : new Date(at)
  if (Number.isNaN(d.getTime())) throw new Error(`not a time: ${String(at).slice(0, 64)}`)
  return d.toISOString()
}

/** What identifies a happening, apart from its time. */
export function happeningKey(e: Pick<ClusterEvent, 'kind' | 'node' | 'role' | 'from' | 'to' | 'message'>): string {
  return [e.kind, e.node ?? '', e.role ?? '', e.from ?? '', e.to ?? '', e.message.trim().toLowerCase()].join('\u0001')
}

export function makeEvent(clusterId: string, input: EventInput): ClusterEvent {
  const at = isoTime(input.at)
  const e: ClusterEvent = {
    id: '',
    clusterId,
    at,
    level: input.level,
    kind: input.kind,
    source: input.source,
    message: clip(input.message.replace(/[\r\n]+/g, ' ').trim() || '(no message)', 'message'),
    ...(input.node ? { node: input.node.slice(0, 128) } : {}),
    ...(input.role ? { role: input.role.slice(0, 128) } : {}),
    // States as keepalived and the console show them (the agent's log and watch say 'master').
    ...(input.from ? { from: input.from.slice(0, 128).toUpperCase() } : {}),
    ...(input.to ? { to: input.to.slice(0, 128).toUpperCase() } : {})
  }
  e.id = 'ev-' + createHash('sha256').update(`${at}\u0002${happeningKey(e)}`).digest('hex').slice(0, 20)
  return e
}

/**
 * Two reports of one happening: from two different sources (one source never reports a thing
 * twice, and a node that really flaps repeats the same transition within seconds), close in time,
 * about the same thing. The same report read twice has the same id.
 */
export function isSameHappening(a: ClusterEvent, b: ClusterEvent): boolean {
  if (a.source === b.source) return a.id === b.id
  return Math.abs(Date.parse(a.at) - Date.parse(b.at)) <= SAME_HAPPENING_MS && happeningKey(a) === happeningKey(b)
}

/** Time order, oldest first; ties by node then id so every client sorts the same. */
export function byTime(a: ClusterEvent, b: ClusterEvent): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : (a.node ?? '').localeCompare(b.node ?? '') || a.id.localeCompare(b.id)
}

/** A transition's message, the same whether it came from the agent's log or its watch stream. */
export function transitionMessage(from: string, to: string, reason: string | undefined): string {
  return `${from.toUpperCase()} -> ${to.toUpperCase()}${reason ? `: ${reason}` : ''}`
}

/** A transition's level: losing the role to a fault is a warning; the rest is information. */
export function transitionLevel(to: string): EventLevel {
  return /^FAULT$/i.test(to) ? 'warn' : 'info'
}
