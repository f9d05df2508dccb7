// What the reachability chart draws, computed from the ring buffers for the visible window:
// uPlot's aligned columns (time, then per source min rtt, max rtt and loss %), the ownership
// bands and the transition marks, and the CSV export. Pure (no DOM), unit-tested.
import type { ProbeSource, ReachabilityTransition } from '../../../electron/api/reachability'
import type { SampleRing } from './reachability-series'

/** uPlot's columns: x in seconds, then 3 per source. */
export type PlotColumns = [number[], ...(number | null)[][]]

/**
 * Buckets for [from, to): about one per 2 px of plot width, never finer than the probe interval
 * (so at full zoom every probe is its own point and nothing is invented between them).
 */
export function plotColumns(rings: ReadonlyMap<string, SampleRing>, sources: readonly ProbeSource[], from: number, to: number, intervalMs: number, widthPx: number): PlotColumns {
  const n = Math.max(1, Math.min(Math.floor(widthPx / 2), Math.ceil((to - from) / intervalMs)))
  const cols: PlotColumns = [[]]
  let xs: number[] | undefined
  for (const s of sources) {
    const ring = rings.get(s.id)
    if (!ring) continue
    const b = ring.buckets(from, to, n)
    xs ??= b.t.map((t) => t / 1000)
    cols.push(b.min, b.max, b.loss.map((l) => (l === null ? null : l * 100)))
  }
  cols[0] = xs ?? []
  return cols
}

export interface OwnerBand {
  owner: string
  from: number
  to: number
}

/** Who owned the VIP when, from the owner at start and each transition (a null owner leaves a gap). */
export function ownerBands(startedAt: number, firstOwner: string | null, transitions: readonly ReachabilityTransition[], until: number): OwnerBand[] {
  const bands: OwnerBand[] = []
  let owner = firstOwner
  let since = startedAt
  for (const t of [...transitions].sort((a, b) => a.at - b.at)) {
    if (owner) bands.push({ owner, from: since, to: t.at })
    owner = t.to
    since = t.at
  }
  if (owner) bands.push({ owner, from: since, to: until })
  return bands
}

/** The words on a transition's mark: "n1 → n2 · outage 3100 ms (n3), 3050 ms (this computer)". */
export function markLabel(t: ReachabilityTransition, sources: readonly ProbeSource[]): string {
  const name = (id: string): string => (id === 'local' ? 'this computer' : id.replace(/^node:/, ''))
  const parts = t.outages.map((o) => {
    const v = o.status === 'measured' ? `${Math.round(o.outageMs ?? 0)} ms` : o.status === 'pending' ? 'measuring…' : 'no answer'
    return sources.length > 1 ? `${v} (${name(o.sourceId)})` : v
  })
  return `${t.from ?? '—'} → ${t.to ?? '—'} · outage ${parts.join(', ')}`
}

/** The visible window at full resolution as CSV: time, source, rtt (ms, empty when lost), lost. */
export function samplesCsv(rings: ReadonlyMap<string, SampleRing>, sources: readonly ProbeSource[], from: number, to: number): string {
  const lines = ['time,source,rtt_ms,lost']
  for (const s of sources) {
    const ring = rings.get(s.id)
    if (!ring) continue
    const r = ring.range(from, to)
    for (let i = 0; i < r.t.length; i++) {
      const rtt = r.rtt[i]
      lines.push(`${new Date(r.t[i]!).toISOString()},${s.id},${rtt === null || rtt === undefined ? '' : rtt},${rtt === null ? 1 : 0}`)
    }
  }
  return lines.join('\n') + '\n'
}

/** A source's line under the chart: probes kept, the last rtt (null: lost or none), loss since `since` in %. */
export function sourceStats(ring: SampleRing | undefined, since: number): { probes: number; lastRtt: number | null; recentLossPct: number | null } {
  if (!ring || ring.length === 0) return { probes: 0, lastRtt: null, recentLossPct: null }
  let n = 0
  let lost = 0
  for (let i = ring.lowerBound(since); i < ring.length; i++, n++) if (ring.rttAt(i) === null) lost++
  return { probes: ring.length, lastRtt: ring.rttAt(ring.length - 1), recentLossPct: n === 0 ? null : (100 * lost) / n }
}
