/**
 * The driver of one vrrp_instance: the thin IO shell around the pure state machine
 * (agent/vrrp/state-machine.ts). It feeds received adverts, timer expiries, health changes
 * and admin commands into `step`, and carries out the actions it returns: sending adverts,
 * adding/removing VIPs, gratuitous ARP, notify hooks. Timers come from nextDeadline() and run
 * on an injected Scheduler (a monotonic clock in production, so wall-clock jumps never fire or
 * starve them; a fake clock in tests, test/unit/agent-runtime/conformance).
 */
import { EventEmitter } from 'node:events'
import { screenAdvert } from './advert-screen'
import { GarpSchedule } from './garp-schedule'
import type { AgentEvent, InstanceDeps, InstanceStatus, NotifySink, PeerSeen } from './instance-types'
import { InstanceVips, vipKey } from './instance-vips'
import type { InstanceConfig } from './config/model'
import type { Logger } from './log'
import type { TransportCounters, ReceivedAdvert } from './net/transport'
import { Notifier } from './track/notify'
import type { Health } from './track/health'
import { SimulatedFailure, type SimulatedFailureStatus } from './track/simulated-failure'
import { realScheduler, type Scheduler, type TimerHandle } from './time/scheduler'
import type { VrrpAdvert } from './vrrp/packet'
import { describeWindow, hourInWindow } from './vrrp/preempt-window'
import { initialState, nextDeadline, step, type InstanceState, type VrrpAction, type VrrpEvent, type VrrpState } from './vrrp/state-machine'

export type { AgentEvent, InstanceDeps, InstanceStatus, NotifySink, PeerSeen } from './instance-types'

/**
 * Peers remembered for `ctl status`, newest kept. A LAN can carry adverts from any number of
 * forged sources (multicast mode accepts every source); the table must not grow with them, nor
 * push the status line past the control protocol's line limit.
 */
export const MAX_PEERS_SEEN = 32

/** How long a planned takeover lets the first gratuitous ARP (an arping process) go out before advertising. */
const TAKEOVER_ADVERT_DELAY_MS = 30

/**
 * On becoming master the VIP add goes first: it is a write to the long-lived `ip` helper, which
 * then works while we log the transition and send the advert, instead of after them.
 * Never ahead of a removal in the same step, whose order with the add decides what is left.
 */
function vipAddFirst(actions: VrrpAction[]): VrrpAction[] {
  if (!actions.some((a) => a.kind === 'add-vips') || actions.some((a) => a.kind === 'remove-vips')) return actions
  return [...actions.filter((a) => a.kind === 'add-vips'), ...actions.filter((a) => a.kind !== 'add-vips')]
}

export class Instance extends EventEmitter {
  private s: InstanceState
  private timer?: TimerHandle
  private timerAt?: number
  private ops: Promise<void> = Promise.resolve()
  /** Ops queued or running; 0 means `ops` is settled. */
  private opsPending = 0
  private readonly inflight = new Set<Promise<void>>()
  private readonly vipSet: InstanceVips
  private readonly peers = new Map<string, PeerSeen>()
  private readonly ownBad: Record<string, number> = {}
  private readonly garp: GarpSchedule
  /** What the instance runs on: the tracked checks' verdict with a simulated failure laid over it. */
  private health: Health
  /** The tracked checks' own verdict (Agent.refreshHealth). */
  private checks: Health
  private readonly simulated: SimulatedFailure
  private readonly notifier: NotifySink
  private readonly clock: Scheduler
  private readonly localHour: () => number
  private readonly log: Logger['log']
  private stopped = false
  private transitions = 0
  private lastSendErrorLog = Number.NEGATIVE_INFINITY
  private readonly lastWarned = new Map<string, number>()

  private config: InstanceConfig

  constructor(cfg: InstanceConfig, private readonly deps: InstanceDeps) {
    super()
    this.config = cfg
    this.clock = deps.scheduler ?? realScheduler
    this.localHour = deps.localHour ?? (() => new Date().getHours())
    this.vipSet = new InstanceVips(deps.os, () => this.config, (level, msg) => this.log(level, msg))
    this.garp = new GarpSchedule(cfg.garp, this.clock, () => this.vipSet.garpAll(), () => this.s.state === 'master')
    this.log = deps.logger.child({ instance: cfg.name }).log
    this.s = initialState(
      {
        name: cfg.name,
        vrid: cfg.vrid,
        version: cfg.version,
        priority: cfg.priority,
        advertIntervalMs: cfg.advertIntervalMs,
        preempt: cfg.preempt,
        preemptDelayMs: cfg.preemptDelayMs,
        primaryAddress: deps.primaryAddress
      },
      this.clock.now()
    )
    this.health = this.checks = { effectivePriority: cfg.priority, fault: false, reason: 'no tracked checks' }
    this.simulated = new SimulatedFailure(this.clock, () => {
      this.log('info', 'simulated failure ended: the window ran out')
      this.emitEvent({ type: 'admin', message: 'simulated failure ended (its time ran out)' })
      this.applyHealth()
    })
    this.notifier = deps.notifier ?? new Notifier(cfg.notify, cfg.name, (level, msg, fields) => this.log(level, msg, fields))
    deps.transport.onAdvert((r) => this.onAdvert(r))
  }

  /** The instance's settings; only the failback ones ever change (updateFailback). */
  get cfg(): InstanceConfig {
    return this.config
  }

  /**
   * A config reload changed only the failback settings (preempt, preemptDelayMs, preemptWindow):
   * take them over without leaving the current state, so a role's failback policy changes
   * without an outage. Every other setting needs a restart of the instance (reload/plan.ts).
   */
  updateFailback(next: InstanceConfig): void {
    if (this.stopped) return
    this.config = { ...this.config, preempt: next.preempt, preemptDelayMs: next.preemptDelayMs, preemptWindow: next.preemptWindow }
    if (!next.preemptWindow) delete this.config.preemptWindow
    const w = next.preemptWindow
    this.log('info', `failback now: ${!next.preempt ? 'never (nopreempt)' : w ? `within ${describeWindow(w)}` : 'immediately (preempt)'}${next.preempt && next.preemptDelayMs > 0 ? `, after a preempt delay of ${next.preemptDelayMs} ms` : ''}`)
    if (!w && !this.s.preemptWindowOpen) this.apply({ kind: 'preempt-window', open: true })
    this.dispatch({ kind: 'set-preempt', preempt: next.preempt, preemptDelayMs: next.preemptDelayMs })
  }

  get state(): VrrpState {
    return this.s.state
  }

  /**
   * Starts the state machine; `health` is the tracked checks' first verdict. It is fed in while
   * still in Initialize, before Startup (RFC 5798 §6.4.1 decides Master or Backup from the
   * Priority at that moment): an owner whose check fails from the start must never add the VIP,
   * send gratuitous ARP or advertise 255, and a weight-0 failure goes to Fault without a Backup
   * notify first.
   */
  start(health?: Health): void {
    if (health) {
      this.checks = health
      const h = (this.health = this.simulated.overlay(health))
      this.dispatch({ kind: 'health', effectivePriority: h.effectivePriority, fault: h.fault, reason: h.reason })
    }
    this.dispatch({ kind: 'startup' })
  }

  /** The tracked checks' new verdict. */
  setHealth(h: Health): void {
    this.checks = h
    this.applyHealth()
  }

  /** Feeds the health the instance should run on now to the state machine, when it changed. */
  private applyHealth(): void {
    const prev = this.health
    const h = (this.health = this.simulated.overlay(this.checks))
    if (prev.effectivePriority === h.effectivePriority && prev.fault === h.fault) return
    this.emitEvent({ type: 'health', reason: h.reason, priority: h.effectivePriority })
    this.dispatch({ kind: 'health', effectivePriority: h.effectivePriority, fault: h.fault, reason: h.reason })
  }

  /**
   * Simulate Failure (track/simulated-failure.ts): behave for `durationMs` exactly as when a
   * tracked check of weight 0 fails, then recover by itself. A second call restarts the window.
   */
  simulateFailure(durationMs: number): SimulatedFailureStatus {
    if (this.stopped) throw new Error(`instance ${this.cfg.name} is stopping`)
    const w = this.simulated.start(durationMs)
    this.log('warn', `simulated failure for ${durationMs} ms, until ${w.until}: behaving as if a tracked check failed`)
    this.emitEvent({ type: 'admin', message: `simulate-failure for ${durationMs} ms, until ${w.until}` })
    this.applyHealth()
    return w
  }

  /** Ends a simulated failure early; false when none was running. */
  cancelSimulatedFailure(): boolean {
    if (!this.simulated.clear()) return false
    this.log('info', 'simulated failure cancelled by admin')
    this.emitEvent({ type: 'admin', message: 'simulated failure cancelled' })
    this.applyHealth()
    return true
  }

  /** The simulated failure running now, if any. */
  get simulatedFailure(): SimulatedFailureStatus | undefined {
    return this.simulated.active
  }

  admin(cmd: 'takeover' | 'release' | 'pause' | 'resume'): void {
    this.emitEvent({ type: 'admin', message: cmd })
    this.dispatch({ kind: cmd })
  }

  /** Clean stop (RFC 5798 §6.4.3 Shutdown): priority 0 advert, VIPs removed, notify STOP. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.dispatch({ kind: 'shutdown' })
    this.stopped = true
    this.simulated.clear()
    this.clearTimer()
    this.cancelGarp()
    await Promise.allSettled([...this.inflight])
    await this.ops
    // Notify hooks get at most 5 s; the bound is cleared so it does not hold the process 5 s longer.
    let bound: TimerHandle | undefined
    await Promise.race([this.notifier.drain(), new Promise((r) => (bound = this.clock.setTimeout(() => r(undefined), 5000)))])
    this.clock.clearTimeout(bound)
    await this.deps.transport.close()
  }

  private dispatch(e: VrrpEvent): void {
    if (this.stopped) return
    this.syncPreemptWindow()
    this.apply(e)
  }

  /**
   * The failback window is wall-clock time, which the pure state machine never reads: before each
   * input, tell it whether the window is open now. Checking at every advert and timer is enough,
   * as preempting only ever happens on one of them.
   */
  private syncPreemptWindow(): void {
    const w = this.cfg.preemptWindow
    if (!w) return
    const open = hourInWindow(this.localHour(), w)
    if (open === this.s.preemptWindowOpen) return
    this.log('info', `failback window ${describeWindow(w)} is ${open ? 'open: a higher priority here takes the role back from a lower master' : 'closed: this node does not take the role back until it opens (nopreempt)'}`)
    this.apply({ kind: 'preempt-window', open })
  }

  private apply(e: VrrpEvent): void {
    const { state, actions } = step(this.s, e, this.clock.now())
    this.s = state
    // Planned takeover: the old master still serves the VIP, so nobody waits on us. Add the VIP
    // and start gratuitous ARP first, and only then advertise 254 (which makes the old master drop
    // the VIP): neighbours learn our MAC before the old owner stops answering.
    const planned = e.kind === 'takeover' && actions.some((a) => a.kind === 'add-vips')
    let deferred: number | undefined
    for (const a of vipAddFirst(actions)) {
      if (planned && a.kind === 'send-advert') deferred = a.priority
      else this.perform(a)
    }
    if (deferred !== undefined) {
      const priority = deferred
      this.enqueue(async () => {
        await new Promise((r) => this.clock.setTimeout(() => r(undefined), TAKEOVER_ADVERT_DELAY_MS))
        if (!this.stopped && this.s.state === 'master') this.sendAdvert(priority)
      })
    }
    this.reschedule()
  }

  private reschedule(): void {
    const d = nextDeadline(this.s)
    if (!d) return this.clearTimer()
    if (this.timer && this.timerAt === d.at) return
    this.clearTimer()
    this.timerAt = d.at
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.timerAt = undefined
      // setTimeout may fire a hair early relative to performance.now(); the state machine
      // ignores timers that are not due, so re-arm instead of dispatching too soon.
      if (this.clock.now() + 0.5 < d.at) return this.reschedule()
      this.dispatch({ kind: 'timer', timer: d.timer })
    }, Math.max(0, Math.ceil(d.at - this.clock.now())))
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = undefined
  }

  private perform(a: VrrpAction): void {
    switch (a.kind) {
      case 'send-advert':
        return this.sendAdvert(a.priority)
      case 'add-vips':
        return this.enqueue(() => this.vipSet.addAll(), true)
      case 'remove-vips':
        this.cancelGarp()
        return this.enqueue(() => this.vipSet.removeAll())
      case 'garp':
        return this.enqueue(async () => this.startGarp())
      case 'reannounce':
        // Behind a VIP add still in flight (arping needs the address); at once when idle.
        return this.enqueue(async () => this.reannounce(), true)
      case 'notify':
        this.log('info', `notify ${a.state}`)
        return this.notifier.notify(a.state, this.s.effectivePriority)
      case 'transition': {
        this.transitions++
        this.log('info', `${a.from} -> ${a.to}: ${a.reason}`, { from: a.from, to: a.to })
        this.emitEvent({ type: 'transition', from: a.from, to: a.to, reason: a.reason, priority: this.s.effectivePriority })
        return
      }
    }
  }

  /**
   * Runs `op` after every op queued before it. With `startIfIdle` and nothing queued, `op` starts
   * at once instead of a microtask later (after the rest of this dispatch): used for the VIP add
   * on becoming master, so the `ip` process is spawned before the remaining bookkeeping runs.
   */
  private enqueue(op: () => Promise<void>, startIfIdle = false): void {
    const tracked = (): Promise<void> => {
      let p: Promise<void>
      try {
        p = op()
      } catch (err) {
        p = Promise.reject(err)
      }
      return p.finally(() => this.opsPending--)
    }
    const startNow = startIfIdle && this.opsPending === 0
    this.opsPending++
    this.ops = (startNow ? tracked() : this.ops.then(tracked)).catch((err: Error) => {
      this.log('error', err.message)
      this.emitEvent({ type: 'error', message: err.message })
    })
  }

  buildAdvert(priority: number): VrrpAdvert {
    const c = this.cfg
    const advert: VrrpAdvert = {
      version: c.version,
      vrid: c.vrid,
      priority,
      // v2: whole seconds (RFC 3768 §5.3.7); v3: centiseconds (RFC 5798 §5.2.7)
      advertInterval: c.version === 2 ? Math.max(1, Math.round(c.advertIntervalMs / 1000)) : Math.max(1, Math.round(c.advertIntervalMs / 10)),
      addresses: c.vips.map((v) => v.address)
    }
    if (c.version === 2) {
      advert.authType = c.auth ? 1 : 0
      if (c.auth) advert.authData = c.auth.password
    }
    return advert
  }

  private sendAdvert(priority: number): void {
    const p = this.deps.transport
      .send(this.buildAdvert(priority))
      .catch((err: Error) => {
        // Adverts go out every interval; log a persistent failure once per 10 s, not each time.
        const t = this.clock.now()
        if (t - this.lastSendErrorLog > 10_000) {
          this.lastSendErrorLog = t
          this.log('warn', err.message)
          this.emitEvent({ type: 'error', message: err.message })
        }
      })
      .finally(() => this.inflight.delete(p))
    this.inflight.add(p)
  }

  private onAdvert(r: ReceivedAdvert): void {
    const v = screenAdvert(this.cfg, this.s, this.deps.primaryAddress, r)
    if (!v.ok) {
      if (v.bad) this.bad(v.bad)
      if (v.warn) this.warnAtMostEvery30s(v.warn.kind, v.warn.message)
      return
    }
    const a = r.advert
    this.rememberPeer({ address: r.src, priority: a.priority, advertIntervalMs: v.advertIntervalMs, lastSeen: new Date().toISOString() })
    this.dispatch({ kind: 'advert', src: r.src, priority: a.priority, advertIntervalMs: v.advertIntervalMs })
  }

  /** A flood of bad adverts must not flood the log: one line per kind every 30 s. */
  private warnAtMostEvery30s(kind: string, message: string): void {
    const now = this.clock.now()
    if (now - (this.lastWarned.get(kind) ?? Number.NEGATIVE_INFINITY) <= 30_000) return
    this.lastWarned.set(kind, now)
    this.log('warn', message)
  }

  /** Most recently heard last (Map keeps insertion order); the longest silent one goes first when full. */
  private rememberPeer(p: PeerSeen): void {
    this.peers.delete(p.address)
    this.peers.set(p.address, p)
    while (this.peers.size > MAX_PEERS_SEEN) this.peers.delete(this.peers.keys().next().value as string)
  }

  private bad(code: string): void {
    this.ownBad[code] = (this.ownBad[code] ?? 0) + 1
  }

  /** Starts the gratuitous ARP schedule of a new mastership (garp-schedule.ts). */
  private startGarp(): void {
    // Queued behind the VIP add, this may run after a demotion or stop already cancelled GARP:
    // starting then would leave the refresh interval running (and keep a stopped agent alive).
    if (this.stopped || this.s.state !== 'master') return
    this.garp.start()
  }

  /**
   * A master that hears a lower priority is one side of a healed split brain (or hears a peer that
   * cannot hear it): clients may have followed the other side's gratuitous ARP. Announce the VIP
   * again now, one burst of garp_master_repeat, as keepalived does (garp_lower_prio_repeat), so
   * they come back within about one advert interval instead of when their ARP entry goes stale.
   */
  private reannounce(): void {
    if (this.stopped || this.s.state !== 'master') return
    this.log('info', 'heard a lower priority while master: announcing the VIP again with gratuitous ARP')
    this.garp.reannounce()
  }

  private cancelGarp(): void {
    this.garp.cancel()
  }

  counters(): TransportCounters & { ownBad: Record<string, number> } {
    return { ...this.deps.transport.counters(), ownBad: { ...this.ownBad } }
  }

  status(): InstanceStatus {
    const s = this.s
    const c = this.deps.transport.counters()
    const bad = { ...c.bad }
    for (const [k, v] of Object.entries(this.ownBad)) bad[k] = (bad[k] ?? 0) + v
    const badTotal = Object.values(bad).reduce((x, y) => x + y, 0)
    const toWall = (at: number): string => new Date(Date.now() - (this.clock.now() - at)).toISOString()
    return {
      name: this.cfg.name,
      interface: this.cfg.interface,
      vrid: this.cfg.vrid,
      version: this.cfg.version,
      state: s.state,
      basePriority: this.cfg.priority,
      effectivePriority: s.effectivePriority,
      masterAddress: s.state === 'master' ? this.deps.primaryAddress : s.masterAddress,
      masterPriority: s.state === 'master' ? s.effectivePriority : s.masterPriority,
      primaryAddress: this.deps.primaryAddress,
      advertIntervalMs: this.cfg.advertIntervalMs,
      vips: this.cfg.vips.map(vipKey),
      vipsHeld: this.vipSet.held(),
      holdsVips: this.vipSet.holdsAll(),
      adverts: { sent: c.sent, received: c.received, bad, badTotal, sendErrors: c.sendErrors, socketReopens: c.socketReopens },
      lastTransition: s.lastTransition ? { ...s.lastTransition, at: toWall(s.lastTransition.at) } : undefined,
      transitions: this.transitions,
      ...(this.cfg.preemptWindow ? { preemptWindow: { ...this.cfg.preemptWindow, open: s.preemptWindowOpen } } : {}),
      peers: [...this.peers.values()],
      transport: {
        kind: this.deps.transport.kind,
        interoperable: this.deps.transport.interoperable,
        note: this.deps.transport.note,
        mode: this.cfg.unicastPeers.length > 0 ? 'unicast' : 'multicast',
        peers: [...this.cfg.unicastPeers]
      },
      paused: s.paused,
      takeover: s.takeover,
      fault: s.fault,
      health: this.health.reason,
      ...(this.simulated.active ? { simulatedFailure: this.simulated.active } : {})
    }
  }

  private emitEvent(e: Omit<AgentEvent, 'time' | 'instance'>): void {
    this.emit('event', { time: new Date().toISOString(), instance: this.cfg.name, ...e } satisfies AgentEvent)
  }
}
