/**
 * When a master sends gratuitous ARP, as keepalived does it: a burst of garp_master_repeat at
 * once, a second burst after garp_master_delay, then garp_master_refresh_repeat every
 * garp_master_refresh; and one extra burst on demand (a healed split brain). Kept apart from
 * Instance so the schedule has one owner; timers come from the instance's Scheduler.
 */
import type { InstanceConfig } from './config/model'
import type { Scheduler, TimerHandle } from './time/scheduler'

export class GarpSchedule {
  private readonly timers = new Set<TimerHandle>()
  private refresh?: TimerHandle
  /** Bumped by cancel(): a send queued under an older generation does nothing. */
  private generation = 0

  constructor(
    private readonly cfg: InstanceConfig['garp'],
    private readonly clock: Scheduler,
    /** Sends one gratuitous ARP for every VIP (errors are the caller's to log). */
    private readonly sendAll: () => Promise<void>,
    /** Still master? A burst that outlives the mastership stops sending. */
    private readonly isMaster: () => boolean
  ) {}

  /** Starts the schedule of a new mastership, replacing any earlier one. */
  start(): void {
    this.cancel()
    const gen = ++this.generation
    this.burst(gen, this.cfg.masterRepeat, true)
    if (this.cfg.masterDelayMs > 0) this.after(this.cfg.masterDelayMs, () => this.burst(gen, this.cfg.masterRepeat))
    if (this.cfg.masterRefreshMs > 0) this.refresh = this.clock.setInterval(() => this.burst(gen, this.cfg.masterRefreshRepeat), this.cfg.masterRefreshMs)
  }

  /** One more burst of garp_master_repeat now, within the current schedule. */
  reannounce(): void {
    this.burst(this.generation, this.cfg.masterRepeat, true)
  }

  cancel(): void {
    this.generation++
    for (const t of this.timers) this.clock.clearTimeout(t)
    this.timers.clear()
    this.clock.clearInterval(this.refresh)
    this.refresh = undefined
  }

  /** A fired timeout leaves the set, so a long mastership with refresh does not pile up handles. */
  private after(ms: number, fn: () => void): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private burst(gen: number, count: number, firstNow = false): void {
    for (let i = 0; i < count; i++) {
      // The first packet of a burst goes out now: a 0 ms timer would cost a turn of the event
      // loop (>= 1 ms) while clients still send to the old owner's MAC.
      if (i === 0 && firstNow) this.once(gen)
      else this.after(i * this.cfg.intervalMs, () => this.once(gen))
    }
  }

  private once(gen: number): void {
    if (gen !== this.generation || !this.isMaster()) return
    void this.sendAll()
  }
}
