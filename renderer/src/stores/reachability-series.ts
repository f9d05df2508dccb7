// One probe source's history for the live graph: a ring buffer of (send time, rtt | lost) at
// full resolution, an hour by default (36,000 samples at 10 per second), and the downsampling
// the chart draws from. Pure (no Vue), unit-tested.
//
// Downsampling keeps what matters on a reachability graph: per bucket the minimum and the
// maximum rtt (a spike never averages away) and how many probes were lost (a loss never
// disappears between pixels).

export interface Buckets {
  /** Bucket start times (ms since the epoch). */
  t: number[]
  /** Lowest and highest rtt in the bucket (null: no answered probe in it). */
  min: (number | null)[]
  max: (number | null)[]
  /** Lost probes / probes in the bucket, 0..1 (null: no probe in it). */
  loss: (number | null)[]
  lost: number[]
  count: number[]
}

export class SampleRing {
  private readonly times: Float64Array
  /** NaN marks a lost probe. */
  private readonly rtts: Float64Array
  private head = 0
  private size = 0

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity)
    this.rtts = new Float64Array(capacity)
  }

  get length(): number {
    return this.size
  }

  push(t: number, rtt: number | null): void {
    const i = (this.head + this.size) % this.capacity
    this.times[i] = t
    this.rtts[i] = rtt === null ? Number.NaN : rtt
    if (this.size < this.capacity) this.size++
    else this.head = (this.head + 1) % this.capacity
  }

  /** i-th oldest sample kept. */
  timeAt(i: number): number {
    return this.times[(this.head + i) % this.capacity]!
  }

  rttAt(i: number): number | null {
    const v = this.rtts[(this.head + i) % this.capacity]!
    return Number.isNaN(v) ? null : v
  }

  get first(): number | undefined {
    return this.size ? this.timeAt(0) : undefined
  }

  get last(): number | undefined {
    return this.size ? this.timeAt(this.size - 1) : undefined
  }

  /** Index of the first sample at or after t (binary search: times ascend). */
  lowerBound(t: number): number {
    let lo = 0
    let hi = this.size
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.timeAt(mid) < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** The samples in [from, to), full resolution. */
  range(from: number, to: number): { t: number[]; rtt: (number | null)[] } {
    const t: number[] = []
    const rtt: (number | null)[] = []
    for (let i = this.lowerBound(from); i < this.size && this.timeAt(i) < to; i++) {
      t.push(this.timeAt(i))
      rtt.push(this.rttAt(i))
    }
    return { t, rtt }
  }

  /** [from, to) cut into `n` equal buckets, each with min/max rtt and loss. */
  buckets(from: number, to: number, n: number): Buckets {
    const width = (to - from) / n
    const out: Buckets = { t: [], min: [], max: [], loss: [], lost: [], count: [] }
    for (let b = 0; b < n; b++) {
      out.t.push(from + b * width)
      out.min.push(null)
      out.max.push(null)
      out.lost.push(0)
      out.count.push(0)
    }
    for (let i = this.lowerBound(from); i < this.size; i++) {
      const t = this.timeAt(i)
      if (t >= to) break
      const b = Math.min(n - 1, Math.floor((t - from) / width))
      out.count[b]!++
      const r = this.rttAt(i)
      if (r === null) {
        out.lost[b]!++
        continue
      }
      if (out.min[b] === null || r < out.min[b]!) out.min[b] = r
      if (out.max[b] === null || r > out.max[b]!) out.max[b] = r
    }
    out.loss = out.count.map((c, b) => (c === 0 ? null : out.lost[b]! / c))
    return out
  }
}
