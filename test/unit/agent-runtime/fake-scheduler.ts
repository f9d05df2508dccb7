/**
 * A fake clock for the agent's runtime: implements agent/time/scheduler.ts so an Instance runs on
 * time the test advances by hand. advance() fires due timers in deadline order (ties in the order
 * they were armed) and lets pending promise callbacks run between them, so the async work a timer
 * starts (a VIP add, a queued gratuitous ARP) completes at the fake instant it was started, as it
 * would with an instant OS. No real time passes: a test of a 5 s schedule takes microseconds.
 */
import type { Scheduler, TimerHandle } from '../../../agent/time/scheduler'

interface FakeTimer {
  id: number
  at: number
  every?: number
  fn: () => void
}

/** Lets every queued promise callback (and any I/O callback already due) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r))
}

export class FakeScheduler implements Scheduler {
  private t = 0
  private seq = 0
  private readonly timers = new Map<number, FakeTimer>()

  constructor(start = 0) {
    this.t = start
  }

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.arm(fn, ms)
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.arm(fn, ms, Math.max(1, ms))
  }

  clearTimeout(h: TimerHandle | undefined): void {
    if (h) this.timers.delete((h as { id: number }).id)
  }

  clearInterval(h: TimerHandle | undefined): void {
    this.clearTimeout(h)
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size
  }

  private arm(fn: () => void, ms: number, every?: number): TimerHandle {
    const id = ++this.seq
    // Like Node: a negative or NaN delay means "as soon as possible".
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0
    this.timers.set(id, { id, at: this.t + delay, every, fn })
    return { id }
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms)
  }

  async advanceTo(end: number): Promise<void> {
    await settle()
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: FakeTimer | undefined
      for (const tm of this.timers.values()) {
        if (tm.at <= end && (!next || tm.at < next.at || (tm.at === next.at && tm.id < next.id))) next = tm
      }
      if (!next) {
        this.t = Math.max(this.t, end)
        return
      }
      this.t = Math.max(this.t, next.at)
      if (next.every !== undefined) next.at += next.every
      else this.timers.delete(next.id)
      next.fn()
      await settle()
    }
    throw new Error('fake clock: timers kept re-arming at the same instant (1,000,000 fired); a timer loop never waits')
  }
}
