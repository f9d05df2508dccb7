// The measured outage of a transition, per source (issue 12): from the first lost probe to
// the first answered probe after the new owner took over. Pure: the service hands it the
// source's recent samples and the transition time, and asks again as samples arrive until
// the answer is final ('measured' or 'unanswered').
//
// Which loss counts: the first run of lost probes that ends (is answered again) no earlier
// than `lagMs` before the transition and starts no later than `lagMs` after it. The lag
// absorbs the distance between the transition time the live state reports and what the
// probes saw (a master that died stops answering seconds before a backup takes over; the
// state may arrive a little after the first answered probe). A transition with no lost
// probe at all (a planned Move done well) measures 0 ms once probes answered past the lag.
import type { SourceOutage } from '../../api/reachability'

export interface SampleLog {
  /** Send times (ms since the epoch), ascending. */
  readonly t: ArrayLike<number>
  /** Round-trip times in ms, null for a lost probe; same length as t. */
  readonly rtt: ArrayLike<number | null>
}

export interface OutageOptions {
  /** See the file comment. Default 2000 ms. */
  lagMs?: number
  /** A loss still running this long after it began is reported 'unanswered'. Default 60 s. */
  giveUpMs?: number
}

export type OutageFinding = Omit<SourceOutage, 'sourceId'>

export function measureOutage(log: SampleLog, at: number, now: number, opts: OutageOptions = {}): OutageFinding {
  const lag = opts.lagMs ?? 2000
  const giveUp = opts.giveUpMs ?? 60_000
  const n = log.t.length
  let i = 0
  while (i < n) {
    if (log.rtt[i] !== null) {
      i++
      continue
    }
    // A run of lost probes [i, j).
    let j = i
    while (j < n && log.rtt[j] === null) j++
    const start = log.t[i]!
    if (start > at + lag) break
    if (j === n) {
      // Not answered again yet.
      return now - start >= giveUp
        ? { outageMs: null, lostProbes: j - i, status: 'unanswered' }
        : { outageMs: null, lostProbes: j - i, status: 'pending' }
    }
    const answered = log.t[j]!
    if (answered >= at - lag) return { outageMs: answered - start, lostProbes: j - i, status: 'measured' }
    i = j
  }
  // No loss around the transition: final once the probes answered past the lag.
  const last = n > 0 ? log.t[n - 1]! : -Infinity
  return last >= at + lag ? { outageMs: 0, lostProbes: 0, status: 'measured' } : { outageMs: null, lostProbes: 0, status: 'pending' }
}
