import { describe, expect, it } from 'vitest'
import { InOrder } from '../../../electron/backend/reachability/in-order'
import { SampleBatcher, type BatchTimer } from '../../../electron/backend/reachability/sample-batcher'
import type { SourceSamples } from '../../../electron/api/reachability'
import { ReachabilitySamplesEventSchema } from '../../../electron/api/reachability'

function manualTimer(): BatchTimer & { tick(): void; cleared: boolean } {
  let fn: (() => void) | undefined
  const t = {
    cleared: false,
    setInterval: (f: () => void) => ((fn = f), 1),
    clearInterval: () => {
      t.cleared = true
    },
    tick: () => fn?.()
  }
  return t
}

describe('SampleBatcher', () => {
  it('sends one event per period with every source\'s samples in order, and nothing when idle', () => {
    const timer = manualTimer()
    const sent: SourceSamples[][] = []
    const b = new SampleBatcher((x) => sent.push(x), { timer })
    // 3 sources at 10 Hz for 150 ms: what one period holds.
    for (let i = 0; i < 2; i++) for (const s of ['node:n1', 'node:n2', 'local']) b.add(s, 1000 + i * 100, i === 1 && s === 'local' ? null : 0.4)
    timer.tick()
    timer.tick()
    expect(sent).toHaveLength(1)
    expect(sent[0]!.map((x) => x.sourceId)).toEqual(['node:n1', 'node:n2', 'local'])
    expect(sent[0]![2]).toEqual({ sourceId: 'local', t: [1000, 1100], rtt: [0.4, null] })
    expect(ReachabilitySamplesEventSchema.safeParse({ sessionId: 'rp-0123456789ab', batches: sent[0] }).success).toBe(true)
  })

  it('never exceeds the batch bound: a full source is sent at once', () => {
    const timer = manualTimer()
    const sent: SourceSamples[][] = []
    const b = new SampleBatcher((x) => sent.push(x), { timer, maxPerBatch: 100 })
    for (let i = 0; i < 250; i++) b.add('node:n1', i, 1)
    b.close()
    expect(sent.map((x) => x[0]!.t.length)).toEqual([100, 100, 50])
    expect(sent.flatMap((x) => x[0]!.t)).toEqual(Array.from({ length: 250 }, (_, i) => i))
    expect(timer.cleared).toBe(true)
  })
})

describe('InOrder', () => {
  it('releases results in send order though losses are reported after later answers', () => {
    const out: Array<[number, number | null]> = []
    const o = new InOrder((t, rtt) => out.push([t, rtt]))
    o.put(1, 100, 0.5)
    o.put(2, 200, 0.6)
    expect(out).toEqual([])
    o.put(0, 0, null) // probe 0 timed out
    o.put(0, 0, 0.9) // its late answer is dropped
    o.put(3, 300, 0.7)
    expect(out).toEqual([[0, null], [100, 0.5], [200, 0.6], [300, 0.7]])
  })
})
