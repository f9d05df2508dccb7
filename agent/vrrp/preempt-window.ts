/**
 * The failback window: a backup with a higher priority takes the role back from a lower-priority
 * master (preempts) only while the node's local hour is in [startHour, endHour); outside it, it
 * behaves as keepalived's nopreempt. startHour > endHour wraps midnight (22..6 = 22:00-05:59).
 * keepalived has no such option (docs/keepalived-compat.md).
 */
export interface PreemptWindow {
  /** 0..23, local time, inclusive. */
  startHour: number
  /** 0..23, local time, exclusive; never equal to startHour. */
  endHour: number
}

export function hourInWindow(hour: number, w: PreemptWindow): boolean {
  return w.startHour < w.endHour ? hour >= w.startHour && hour < w.endHour : hour >= w.startHour || hour < w.endHour
}

export function describeWindow(w: PreemptWindow): string {
  const hh = (h: number): string => `${String(h).padStart(2, '0')}:00`
  return `${hh(w.startHour)}-${hh(w.endHour)} local time`
}
