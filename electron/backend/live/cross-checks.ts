// The alerts of one cluster: each condition the state model finds is an alert from the moment it
// appears (`since`) until it goes away (`clearedAt`); a cleared alert stays listed for a while so
// the admin sees what happened, then drops off. Bounded: at most MAX_ALERTS are kept.
import type { Alert } from '../../api/console'
import { clip } from '../../api/limits'
import type { Condition } from './cluster-state-model'

export const MAX_ALERTS = 64
/** How long a cleared alert stays listed. */
export const CLEARED_KEPT_MS = 10 * 60 * 1000

/**
 * How long a condition must last before it is an alert. A planned takeover has two masters for a
 * moment by design (the new one adds the VIP before the old one lets go), so split brain and a
 * VIP on a non-master count only when they outlast that.
 */
export const SETTLE_MS: Record<Condition['kind'], number> = {
  'split-brain': 3000,
  'vip-on-non-master': 3000,
  'no-master': 0,
  'generation-mismatch': 0,
  'stranger-vrid': 0
}

export interface AlertChange {
  raised: Alert[]
  cleared: Alert[]
}

export class AlertBook {
  private readonly alerts = new Map<string, Alert>()
  /** Conditions seen but not settled yet: id -> first seen (ms). */
  private readonly pending = new Map<string, number>()

  /** Brings the book up to date with the conditions found now; says what was raised and cleared. */
  update(conditions: Condition[], now: number): AlertChange {
    const at = new Date(now).toISOString()
    // (`since` of a settled alert is when its condition was first seen.)
    const change: AlertChange = { raised: [], cleared: [] }
    const active = new Set<string>()
    const seen = new Set(conditions.map((c) => c.id))
    for (const id of this.pending.keys()) if (!seen.has(id)) this.pending.delete(id)
    for (const c of conditions) {
      active.add(c.id)
      const existing = this.alerts.get(c.id)
      if (existing && existing.clearedAt === null) {
        existing.message = clip(c.message, 'message')
        continue
      }
      const first = this.pending.get(c.id) ?? now
      if (now - first < SETTLE_MS[c.kind]) {
        this.pending.set(c.id, first)
        continue
      }
      this.pending.delete(c.id)
      const a: Alert = { id: c.id, kind: c.kind, ...(c.role ? { role: c.role } : {}), ...(c.node ? { node: c.node } : {}), message: clip(c.message, 'message'), since: new Date(first).toISOString(), clearedAt: null }
      this.alerts.delete(c.id) // a condition back after clearing is a new alert
      this.alerts.set(c.id, a)
      change.raised.push(a)
    }
    for (const a of this.alerts.values()) {
      if (a.clearedAt === null && !active.has(a.id)) {
        a.clearedAt = at
        change.cleared.push(a)
      }
    }
    for (const [id, a] of this.alerts) {
      if (a.clearedAt !== null && now - Date.parse(a.clearedAt) > CLEARED_KEPT_MS) this.alerts.delete(id)
    }
    // Over the bound: the oldest cleared go first, then the oldest raised.
    const overflow = this.alerts.size - MAX_ALERTS
    if (overflow > 0) {
      const order = [...this.alerts.values()].sort((x, y) => Number(x.clearedAt === null) - Number(y.clearedAt === null) || Date.parse(x.since) - Date.parse(y.since))
      for (const a of order.slice(0, overflow)) this.alerts.delete(a.id)
    }
    return change
  }

  /** Raised alerts first (oldest first), then cleared ones (newest cleared first). */
  list(): Alert[] {
    const all = [...this.alerts.values()].map((a) => ({ ...a }))
    const raised = all.filter((a) => a.clearedAt === null).sort((x, y) => Date.parse(x.since) - Date.parse(y.since))
    const cleared = all.filter((a) => a.clearedAt !== null).sort((x, y) => Date.parse(y.clearedAt!) - Date.parse(x.clearedAt!))
    return [...raised, ...cleared]
  }
}
