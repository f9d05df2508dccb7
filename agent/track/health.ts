/**
 * Combines tracked scripts and interfaces into one health verdict per instance, the way
 * keepalived does (keepalived.conf(5), vrrp_script / track_interface):
 * - weight 0: a failure puts the instance in FAULT;
 * - weight > 0: added to the priority while the check succeeds;
 * - weight < 0: added (i.e. subtracted) while the check fails.
 * The result is clamped to 1..254; an address owner (255) keeps 255 (keepalived ignores
 * weights for it) but can still go to FAULT.
 */
export interface TrackedCheck {
  /** e.g. 'script chk_nginx' or 'interface eth1' */
  label: string
  weight: number
  /** undefined while the first result is pending: counts neither way. */
  ok: boolean | undefined
}

export interface Health {
  effectivePriority: number
  fault: boolean
  /** Human reason naming what moved the priority or caused the fault. */
  reason: string
}

export function combineHealth(basePriority: number, checks: TrackedCheck[]): Health {
  let delta = 0
  const faults: string[] = []
  const moves: string[] = []
  for (const c of checks) {
    if (c.ok === undefined) continue
    if (c.weight === 0) {
      if (!c.ok) faults.push(`${c.label} failing`)
    } else if (c.weight > 0 && c.ok) {
      delta += c.weight
      moves.push(`${c.label} ok +${c.weight}`)
    } else if (c.weight < 0 && !c.ok) {
      delta += c.weight
      moves.push(`${c.label} failing ${c.weight}`)
    }
  }
  const effectivePriority = basePriority === 255 ? 255 : Math.min(254, Math.max(1, basePriority + delta))
  const fault = faults.length > 0
  const parts = fault ? faults : moves
  const reason = parts.length > 0 ? parts.join(', ') : 'all tracked checks ok'
  return { effectivePriority, fault, reason }
}
