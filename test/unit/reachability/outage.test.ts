import { describe, expect, it } from 'vitest'
import { measureOutage } from '../../../electron/backend/reachability/outage'

/** Samples every 100 ms from t=0; `lost` lists the indices of lost probes. */
function log(n: number, lost: number[]): { t: number[]; rtt: (number | null)[] } {
  const set = new Set(lost)
  return { t: Array.from({ length: n }, (_, i) => i * 100), rtt: Array.from({ length: n }, (_, i) => (set.has(i) ? null : 0.5)) }
}
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i)

describe('measureOutage', () => {
  it('a failover: from the first lost probe (before the takeover) to the first answered one after it', () => {
    // Master dies at 1.0 s, the backup takes over at 4.0 s, the first answer is the probe sent at 4.1 s.
    const r = measureOutage(log(100, range(10, 41)), 4000, 9900)
    expect(r).toEqual({ outageMs: 3100, lostProbes: 31, status: 'measured' })
  })

  it('a loss long before the transition is not its outage', () => {
    const r = measureOutage(log(100, [...range(5, 8), ...range(60, 62)]), 6000, 9900)
    expect(r).toEqual({ outageMs: 200, lostProbes: 2, status: 'measured' })
  })

  it('a transition reported a little after the first answer still gets its loss (the lag)', () => {
    const r = measureOutage(log(100, range(30, 35)), 4000, 9900)
    expect(r).toEqual({ outageMs: 500, lostProbes: 5, status: 'measured' })
  })

  it('no lost probe around a planned move measures 0 once the probes answered past the lag', () => {
    expect(measureOutage(log(31, []), 1000, 3000)).toEqual({ outageMs: 0, lostProbes: 0, status: 'measured' })
    expect(measureOutage(log(25, []), 1000, 2500)).toEqual({ outageMs: null, lostProbes: 0, status: 'pending' })
  })

  it('a loss that has not ended is pending, then unanswered after the wait', () => {
    const l = log(50, range(20, 50))
    expect(measureOutage(l, 2500, 5000)).toEqual({ outageMs: null, lostProbes: 30, status: 'pending' })
    expect(measureOutage(l, 2500, 62_001)).toEqual({ outageMs: null, lostProbes: 30, status: 'unanswered' })
  })

  it('a loss that begins only after the lag is a later event, not this outage', () => {
    expect(measureOutage(log(100, range(70, 75)), 1000, 9900)).toEqual({ outageMs: 0, lostProbes: 0, status: 'measured' })
  })
})
