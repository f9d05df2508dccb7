/**
 * The bench registry: each bench is a module with a name and a run() returning rows.
 * run.ts executes the selected benches, prints one table per bench and writes
 * bench-results/<name>.json. Add a bench by appending it to BENCHES in run.ts.
 */
export interface BenchRow {
  /** What was measured, e.g. 'unreachable ms (kill -9 of master)'. */
  metric: string
  /** Who/under which settings, e.g. 'agent v3 1s'. */
  subject: string
  /** Median of the samples (null when it could not be measured). */
  median: number | null
  unit: string
  samples: (number | null)[]
  note?: string
}

export interface BenchContext {
  log: (line: string) => void
  /** Repeats per measure (median reported). */
  repeats: number
  /** true with --quick: fewer settings/repeats for a smoke run. */
  quick: boolean
}

export interface Bench {
  name: string
  description: string
  run(ctx: BenchContext): Promise<BenchRow[]>
}

export function median(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2
}

/** The p-th percentile (nearest rank) of the numbers in `xs`; null when there are none. */
export function percentile(xs: readonly (number | null)[], p: number): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!
}

/**
 * Rows for one distribution of samples (one per transition, move, ...): p50 with every sample,
 * then p95 and max; `note` goes on the p50 row (the aim, how it was measured).
 */
export function distributionRows(metric: string, subject: string, samples: (number | null)[], unit: string, note?: string): BenchRow[] {
  return [
    { metric: `${metric} p50`, subject, median: percentile(samples, 50), unit, samples, ...(note ? { note } : {}) },
    { metric: `${metric} p95`, subject, median: percentile(samples, 95), unit, samples: [percentile(samples, 95)] },
    { metric: `${metric} max`, subject, median: percentile(samples, 100), unit, samples: [percentile(samples, 100)] }
  ]
}

export function formatRows(rows: BenchRow[]): string {
  const head = ['metric', 'subject', 'median', 'unit', 'samples', 'note']
  const body = rows.map((r) => [r.metric, r.subject, r.median === null ? 'n/a' : String(Math.round(r.median * 10) / 10), r.unit, r.samples.map((s) => (s === null ? '-' : String(Math.round(s * 10) / 10))).join(' '), r.note ?? ''])
  const all = [head, ...body]
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)))
  return all.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n')
}
