// Collects probe results per source and hands them on in bounded batches: one event every
// `flushMs` (default 150 ms) with whatever arrived, never one event per probe (10 probes per
// second from each of several sources would flood the transport and the renderer). A source
// that fills a batch (MAX_SAMPLES_PER_BATCH) is flushed at once, so no batch is ever larger.
import { MAX_SAMPLES_PER_BATCH, type SourceSamples } from '../../api/reachability'

export interface BatchTimer {
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const realTimer: BatchTimer = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>)
}

export class SampleBatcher {
  private pending = new Map<string, { t: number[]; rtt: (number | null)[] }>()
  private handle: unknown

  constructor(
    private readonly emit: (batches: SourceSamples[]) => void,
    private readonly opts: { flushMs?: number; maxPerBatch?: number; timer?: BatchTimer } = {}
  ) {
    const timer = opts.timer ?? realTimer
    this.handle = timer.setInterval(() => this.flush(), opts.flushMs ?? 150)
  }

  add(sourceId: string, t: number, rtt: number | null): void {
    let p = this.pending.get(sourceId)
    if (!p) this.pending.set(sourceId, (p = { t: [], rtt: [] }))
    p.t.push(t)
    p.rtt.push(rtt)
    if (p.t.length >= (this.opts.maxPerBatch ?? MAX_SAMPLES_PER_BATCH)) this.flush()
  }

  /** Sends what is pending (nothing when nothing is). */
  flush(): void {
    if (this.pending.size === 0) return
    const batches = [...this.pending].map(([sourceId, p]) => ({ sourceId, t: p.t, rtt: p.rtt }))
    this.pending = new Map()
    this.emit(batches)
  }

  /** Flushes the rest and stops the timer. */
  close(): void {
    ;(this.opts.timer ?? realTimer).clearInterval(this.handle)
    this.flush()
  }
}
