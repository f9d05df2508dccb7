import { describe, expect, it } from 'vitest'
import { markLabel, ownerBands, plotColumns, samplesCsv, sourceStats } from '../../../renderer/src/stores/reachability-plot'
import { SampleRing } from '../../../renderer/src/stores/reachability-series'

describe('SampleRing', () => {
  it('keeps the newest samples at full resolution once it wraps', () => {
    const r = new SampleRing(5)
    for (let i = 0; i < 12; i++) r.push(1000 + i * 100, i % 4 === 0 ? null : i)
    expect(r.length).toBe(5)
    expect(r.first).toBe(1700)
    expect(r.last).toBe(2100)
    expect(r.range(0, 1e9)).toEqual({ t: [1700, 1800, 1900, 2000, 2100], rtt: [7, null, 9, 10, 11] })
    expect(r.range(1800, 2000)).toEqual({ t: [1800, 1900], rtt: [null, 9] })
  })

  it('downsampling keeps each bucket\'s minimum and maximum and counts every loss', () => {
    const r = new SampleRing(100)
    // 40 samples 100 ms apart; one spike, one dip and three losses inside.
    const rtts: (number | null)[] = Array.from({ length: 40 }, () => 1)
    rtts[3] = 250 // spike in bucket 0
    rtts[12] = 0.1 // dip in bucket 1
    rtts[25] = null
    rtts[26] = null
    rtts[39] = null
    rtts.forEach((v, i) => r.push(i * 100, v))
    const b = r.buckets(0, 4000, 4)
    expect(b.t).toEqual([0, 1000, 2000, 3000])
    expect(b.count).toEqual([10, 10, 10, 10])
    expect(b.max).toEqual([250, 1, 1, 1])
    expect(b.min).toEqual([1, 0.1, 1, 1])
    expect(b.lost).toEqual([0, 0, 2, 1])
    expect(b.loss).toEqual([0, 0, 0.2, 0.1])
  })

  it('an empty bucket has no value, a bucket of losses only has loss 1 and no rtt', () => {
    const r = new SampleRing(10)
    r.push(100, null)
    r.push(150, null)
    r.push(2500, 3)
    const b = r.buckets(0, 3000, 3)
    expect(b.min).toEqual([null, null, 3])
    expect(b.loss).toEqual([1, null, 0])
  })

  it('bucketing an hour at 10 Hz reads only the visible range', () => {
    const r = new SampleRing(36_000)
    for (let i = 0; i < 36_000; i++) r.push(i * 100, i === 35_990 ? null : 2)
    const b = r.buckets(3_590_000, 3_600_000, 10)
    expect(b.count.reduce((a, c) => a + c, 0)).toBe(100)
    expect(b.lost).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
  })
})

describe('the chart model', () => {
  const sources = [
    { id: 'node:n1', label: 'n1 (agent ICMP)', kind: 'agent-icmp' as const },
    { id: 'local', label: 'this computer (TCP 22)', kind: 'local-tcp' as const }
  ]
  const transition = (at: number, from: string | null, to: string | null) => ({
    sessionId: 'rp-0123456789ab',
    transitionId: at,
    at,
    from,
    to,
    outages: [
      { sourceId: 'node:n1', outageMs: 3100, lostProbes: 31, status: 'measured' as const },
      { sourceId: 'local', outageMs: null, lostProbes: 2, status: 'pending' as const }
    ]
  })

  it('columns: one x per bucket, never finer than the probe interval, then min, max and loss % per source', () => {
    const rings = new Map([['node:n1', new SampleRing(100)], ['local', new SampleRing(100)]])
    for (let i = 0; i < 10; i++) {
      rings.get('node:n1')!.push(i * 100, i === 5 ? null : 1 + i)
      rings.get('local')!.push(i * 100 + 10, 2)
    }
    const cols = plotColumns(rings, sources, 0, 1000, 100, 800)
    expect(cols).toHaveLength(7)
    expect(cols[0]).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    expect(cols[2]![5]).toBeNull() // n1's max in the lost bucket
    expect(cols[3]![5]).toBe(100) // n1's loss %
    expect(plotColumns(rings, sources, 0, 1000, 100, 8)[0]).toHaveLength(4) // 8 px wide: 4 buckets
  })

  it('owner bands follow the transitions; a mark names both nodes and each source\'s outage', () => {
    expect(ownerBands(0, 'n1', [transition(5000, 'n1', 'n2')], 9000)).toEqual([
      { owner: 'n1', from: 0, to: 5000 },
      { owner: 'n2', from: 5000, to: 9000 }
    ])
    expect(ownerBands(0, null, [], 9000)).toEqual([])
    expect(markLabel(transition(5000, 'n1', 'n2'), sources)).toBe('n1 → n2 · outage 3100 ms (n1), measuring… (this computer)')
  })

  it('CSV holds the window at full resolution, a lost probe with an empty rtt', () => {
    const rings = new Map([['node:n1', new SampleRing(10)]])
    rings.get('node:n1')!.push(Date.UTC(2026, 11, 1, 22, 0, 0), 0.25)
    rings.get('node:n1')!.push(Date.UTC(2026, 11, 1, 22, 0, 0, 100), null)
    expect(samplesCsv(rings, sources, 0, Number.MAX_SAFE_INTEGER)).toBe(
      'time,source,rtt_ms,lost\n2026-12-01T22:00:00.000Z,node:n1,0.25,0\n2026-12-01T22:00:00.100Z,node:n1,,1\n'
    )
  })

  it('a source\'s stats: last rtt, loss over the recent window, probes kept', () => {
    const r = new SampleRing(10)
    expect(sourceStats(r, 0)).toEqual({ probes: 0, lastRtt: null, recentLossPct: null })
    ;[1, null, 2, null].forEach((v, i) => r.push(i * 100, v))
    expect(sourceStats(r, 200)).toEqual({ probes: 4, lastRtt: null, recentLossPct: 50 })
    expect(sourceStats(r, 0).recentLossPct).toBe(50)
    r.push(400, 0.5)
    expect(sourceStats(r, 300)).toEqual({ probes: 5, lastRtt: 0.5, recentLossPct: 50 })
  })
})
