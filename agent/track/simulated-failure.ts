/**
 * Simulate Failure, as Failover Cluster Manager offers it: for a chosen time the instance behaves
 * exactly as if a tracked check of weight 0 failed (keepalived's vrrp_script with weight 0), then
 * recovers on its own. It is not a second fault path: it only overlays the tracked checks' verdict
 * (health.ts) with fault=true, and the instance feeds that verdict to the state machine as it
 * feeds every health change (a master resigns with a priority-0 advert, removes the VIP, runs the
 * FAULT notify hook; when the window ends, the fault clears and the instance rejoins as Backup,
 * taking the role back only as its failback policy says). The window lives in memory: an agent
 * restart ends it.
 */
import type { Scheduler, TimerHandle } from '../time/scheduler'
import type { Health } from './health'

/** The shortest and longest window accepted: long enough to fail over, short enough to be a drill. */
export const SIMULATE_FAILURE_MIN_MS = 1000
export const SIMULATE_FAILURE_MAX_MS = 10 * 60_000

/** Why a duration is refused, in words a person can act on; null when it is accepted. */
export function durationProblem(durationMs: unknown): string | null {
  if (typeof durationMs !== 'number' || !Number.isInteger(durationMs)) {
    return `the duration must be a whole number of milliseconds, from ${SIMULATE_FAILURE_MIN_MS} (1 s) to ${SIMULATE_FAILURE_MAX_MS} (10 min)`
  }
  if (durationMs < SIMULATE_FAILURE_MIN_MS) return `a simulated failure of ${durationMs} ms is too short: give at least ${SIMULATE_FAILURE_MIN_MS} ms (1 s), so the role can fail over`
  if (durationMs > SIMULATE_FAILURE_MAX_MS) return `a simulated failure of ${durationMs} ms is too long: give at most ${SIMULATE_FAILURE_MAX_MS} ms (10 min); for longer maintenance pause the node instead`
  return null
}

export interface SimulatedFailureStatus {
  /** Wall-clock end of the window (ISO), as this node's clock says. */
  until: string
  durationMs: number
  startedAt: string
}

export class SimulatedFailure {
  private window?: SimulatedFailureStatus & { timer: TimerHandle }

  /** `onEnd` is told when the window ran out by itself (not when cancelled). */
  constructor(private readonly clock: Scheduler, private readonly onEnd: () => void) {}

  get active(): SimulatedFailureStatus | undefined {
    if (!this.window) return undefined
    const { until, durationMs, startedAt } = this.window
    return { until, durationMs, startedAt }
  }

  /** Starts (or restarts, from now) a window of `durationMs`; throws on a duration out of bounds. */
  start(durationMs: number): SimulatedFailureStatus {
    const problem = durationProblem(durationMs)
    if (problem) throw new Error(problem)
    this.clear()
    const now = Date.now()
    const timer = this.clock.setTimeout(() => {
      this.window = undefined
      this.onEnd()
    }, durationMs)
    this.window = { until: new Date(now + durationMs).toISOString(), durationMs, startedAt: new Date(now).toISOString(), timer }
    return this.active!
  }

  /** Ends the window now; false when none was running. */
  clear(): boolean {
    if (!this.window) return false
    this.clock.clearTimeout(this.window.timer)
    this.window = undefined
    return true
  }

  /** The tracked checks' verdict with the simulated failure laid over it (unchanged when none runs). */
  overlay(checks: Health): Health {
    if (!this.window) return checks
    const reason = `simulated failure until ${this.window.until}`
    return { effectivePriority: checks.effectivePriority, fault: true, reason: checks.fault ? `${reason}; also ${checks.reason}` : reason }
  }
}
