/**
 * Where the instance driver gets its time and its timers from. Production uses the monotonic
 * clock (performance.now, so wall-clock jumps never fire or starve a VRRP timer) and Node's
 * timers; tests inject a fake clock they advance by hand (test/unit/agent-runtime/fake-scheduler.ts),
 * so the driver is tested as the pure state machine is: timers are inputs (DESIGN.md §7.1).
 */
import { performance } from 'node:perf_hooks'

/** An armed timer; only the scheduler that made it can clear it. */
export type TimerHandle = object

export interface Scheduler {
  /** Monotonic milliseconds; only differences mean anything. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(h: TimerHandle | undefined): void
  setInterval(fn: () => void, ms: number): TimerHandle
  clearInterval(h: TimerHandle | undefined): void
}

export const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout | undefined)
}
