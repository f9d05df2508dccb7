// How `havip events` prints: one line per event, oldest first, columns that line up; the
// flapping flags and the nodes whose logs could not be read go after, as warnings.
import type { ClusterEvent, FlappingFlag, ReadBackResult } from '../api/events'

export function formatEvent(e: ClusterEvent): string {
  return [e.at, e.level.toUpperCase().padEnd(5), (e.node ?? '-').padEnd(12), (e.role ?? '-').padEnd(10), e.message].join('  ')
}

export function formatFlapping(flags: readonly FlappingFlag[]): string[] {
  return flags.map((f) => `FLAPPING: role ${f.role} changed owner ${f.changes} times since ${f.since} (more than ${f.threshold} in ${f.windowMinutes} min)`)
}

export function formatReadBack(r: ReadBackResult): string[] {
  return r.nodes.map((n) => (n.error ? `${n.node}: ${n.error}` : `${n.node}: ${n.added} event(s) read back from its agent log`))
}
