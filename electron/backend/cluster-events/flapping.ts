// Flapping: a role that changed owner more than `maxChanges` times within `windowMinutes`.
// An owner change is a node becoming MASTER of the role (one per failover or Move, whoever
// reported it). Pure: the caller passes the events and the time, so tests run on a fake clock.
import type { ClusterEvent, FlappingFlag, FlappingSettings } from '../../api/events'

/** More than 4 owner changes in 10 minutes: a failover and its failback twice over is still normal. */
export const DEFAULT_FLAPPING: FlappingSettings = { maxChanges: 4, windowMinutes: 10 }

export function isOwnerChange(e: ClusterEvent): boolean {
  return e.kind === 'transition' && e.to === 'MASTER' && !!e.role
}

/** Flags per role as of `now`, from events in time order (oldest first). */
export function flappingFlags(events: readonly ClusterEvent[], settings: FlappingSettings, now: number): FlappingFlag[] {
  const from = now - settings.windowMinutes * 60_000
  const changes = new Map<string, string[]>()
  for (const e of events) {
    if (!isOwnerChange(e)) continue
    const t = Date.parse(e.at)
    if (t < from || t > now) continue
    const list = changes.get(e.role!) ?? []
    list.push(e.at)
    changes.set(e.role!, list)
  }
  const flags: FlappingFlag[] = []
  for (const [role, times] of changes) {
    if (times.length <= settings.maxChanges) continue
    flags.push({ role, changes: times.length, since: times[0]!, threshold: settings.maxChanges, windowMinutes: settings.windowMinutes })
  }
  return flags.sort((a, b) => a.role.localeCompare(b.role))
}
