// The filters of Cluster Events (node, role, level, kind, time, words), applied in memory: a
// cluster keeps at most two bounded files of events, so a scan is cheap.
import type { ClusterEvent, EventFilter } from '../../api/events'
import { ApiException, apiError } from '../../api/errors'

const SPAN = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/i
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** "15m", "2h", "1d" back from `now`, or an ISO time; a clear error otherwise. */
export function parseTime(value: string, now: number, field: string): number {
  const span = SPAN.exec(value.trim())
  if (span) return now - Number(span[1]) * UNIT_MS[span[2]!.toLowerCase()]!
  const t = Date.parse(value)
  if (Number.isNaN(t)) {
    throw new ApiException(apiError('invalid-input', `${field}: "${value.slice(0, 64)}" is not a time`, { field, hint: 'Give an ISO time (2026-12-01T22:00:00Z) or a span back from now: 30s, 15m, 2h, 1d.' }))
  }
  return t
}

export function eventMatcher(f: Omit<EventFilter, 'clusterId'>, now: number): (e: ClusterEvent) => boolean {
  const since = f.since ? parseTime(f.since, now, 'since') : undefined
  const until = f.until ? parseTime(f.until, now, 'until') : undefined
  const nodes = f.nodes?.length ? new Set(f.nodes) : undefined
  const roles = f.roles?.length ? new Set(f.roles) : undefined
  const levels = f.levels?.length ? new Set(f.levels) : undefined
  const kinds = f.kinds?.length ? new Set(f.kinds) : undefined
  const words = (f.search ?? '').toLowerCase().split(/\s+/).filter(Boolean)
  return (e) => {
    const t = Date.parse(e.at)
    if (since !== undefined && t < since) return false
    if (until !== undefined && t > until) return false
    if (nodes && !nodes.has(e.node ?? '')) return false
    if (roles && !roles.has(e.role ?? '')) return false
    if (levels && !levels.has(e.level)) return false
    if (kinds && !kinds.has(e.kind)) return false
    if (words.length > 0) {
      const hay = `${e.message} ${e.node ?? ''} ${e.role ?? ''} ${e.kind} ${e.level}`.toLowerCase()
      if (!words.every((w) => hay.includes(w))) return false
    }
    return true
  }
}
