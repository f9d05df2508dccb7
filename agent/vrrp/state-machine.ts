/**
 * The VRRP state machine of one virtual router (RFC 5798 §6; RFC 3768 §6 for v2), as a pure
 * function: step(state, event, now) -> (new state, actions). Timers are deadlines in the
 * returned state (absolute ms on the caller's clock); their expiry comes back in as an event.
 * Sockets, `ip addr` and notify scripts live in the runtime, which only carries out actions.
 *
 * Beyond the RFC: Fault (tracked interface/script down), Maintenance (paused by the admin),
 * planned takeover (advertise 254 until released), keepalived's preempt_delay, and the failback
 * window (preempt only during given hours, preempt-window.ts).
 */
import { ipv4ToUint32 } from './ipv4'
import type { VrrpVersion } from './packet'

export type VrrpState = 'initialize' | 'backup' | 'master' | 'fault' | 'maintenance' | 'stopped'

export interface InstanceParams {
  name: string
  vrid: number
  version: VrrpVersion
  /** base priority 1..255 (255 = address owner) */
  priority: number
  /** v2: multiple of 1000; v3: multiple of 10 */
  advertIntervalMs: number
  preempt: boolean
  preemptDelayMs: number
  /** our own address used in tie-breaks and as advert source */
  primaryAddress: string
}

export interface InstanceState {
  params: InstanceParams
  state: VrrpState
  /** base +/- tracked weights, clamped 1..254 (255 stays 255 only for owner) */
  effectivePriority: number
  masterAddress?: string
  masterPriority?: number
  /** v3: learned from the master's adverts (RFC 5798 §6.4.2); v2: own interval */
  masterAdvertIntervalMs: number
  /** absolute ms on the injected clock */
  deadlines: { masterDown?: number; advert?: number; preemptDelay?: number }
  fault: boolean
  paused: boolean
  takeover: boolean
  lastTransition?: { from: VrrpState; to: VrrpState; reason: string; at: number }
  /**
   * The failback window (preempt-window.ts) is open, as the runtime last said; always true
   * without a window. Preempting needs params.preempt and this.
   */
  preemptWindowOpen: boolean
  /**
   * keepalived's preempt_delay has run out: lower-priority masters are no longer tolerated.
   * Reset when a higher-priority master is seen or we become master, so the delay applies again.
   */
  preemptDelayElapsed: boolean
}

export type VrrpTimer = 'masterDown' | 'advert' | 'preemptDelay'

export type VrrpEvent =
  | { kind: 'startup' }
  | { kind: 'shutdown' }
  /** already validated by the runtime (vrid, version, auth match; own packets dropped) */
  | { kind: 'advert'; src: string; priority: number; advertIntervalMs: number }
  | { kind: 'timer'; timer: VrrpTimer }
  | { kind: 'health'; effectivePriority: number; fault: boolean; reason: string }
  | { kind: 'takeover' }
  | { kind: 'release' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  /** The failback window opened or closed (the runtime reads the local clock; the machine stays pure). */
  | { kind: 'preempt-window'; open: boolean }
  /** New failback settings from a config reload, applied without leaving the current state. */
  | { kind: 'set-preempt'; preempt: boolean; preemptDelayMs: number }

export type VrrpAction =
  | { kind: 'send-advert'; priority: number }
  | { kind: 'add-vips' }
  | { kind: 'remove-vips' }
  /** the runtime applies garp delay/repeat/refresh settings */
  | { kind: 'garp' }
  /** one more burst of gratuitous ARP while already master (keepalived garp_lower_prio_repeat) */
  | { kind: 'reannounce' }
  | { kind: 'notify'; state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' }
  | { kind: 'transition'; from: VrrpState; to: VrrpState; reason: string }

export type StepResult = { state: InstanceState; actions: VrrpAction[] }

const OWNER_PRIORITY = 255
/** Priority advertised during a planned takeover: above every configurable priority, below the owner. */
const TAKEOVER_PRIORITY = 254

function clampPriority(p: InstanceParams, priority: number): number {
  const max = p.priority === OWNER_PRIORITY ? OWNER_PRIORITY : OWNER_PRIORITY - 1
  return Math.min(max, Math.max(1, Math.round(priority)))
}

export function initialState(p: InstanceParams, now: number): InstanceState {
  void now // the machine does nothing until 'startup'; `now` is kept for a uniform signature
  return {
    params: { ...p },
    state: 'initialize',
    effectivePriority: clampPriority(p, p.priority),
    masterAdvertIntervalMs: p.advertIntervalMs,
    deadlines: {},
    fault: false,
    paused: false,
    takeover: false,
    preemptWindowOpen: true,
    preemptDelayElapsed: false
  }
}

/** May a backup preempt a lower-priority master now? preempt on and, with a failback window, inside it. */
export function preemptsNow(s: InstanceState): boolean {
  return s.params.preempt && s.preemptWindowOpen
}

/** Priority put into our adverts: 254 (255 for the owner) while a planned takeover holds. */
export function advertisedPriority(s: InstanceState): number {
  if (s.takeover) return Math.max(s.effectivePriority, s.params.priority === OWNER_PRIORITY ? OWNER_PRIORITY : TAKEOVER_PRIORITY)
  return s.effectivePriority
}

/**
 * Skew_Time. v2 (RFC 3768 §6.1): (256 - Priority) / 256 seconds.
 * v3 (RFC 5798 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256, in centiseconds.
 */
export function skewTimeMs(s: InstanceState): number {
  const weight = 256 - s.effectivePriority
  if (s.params.version === 2) return (weight * 1000) / 256
  const masterAdverIntervalCs = Math.round(s.masterAdvertIntervalMs / 10)
  return Math.floor((weight * masterAdverIntervalCs) / 256) * 10
}

/** Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time (RFC 5798 §6.1; v2: Advertisement_Interval). */
export function masterDownIntervalMs(s: InstanceState): number {
  return 3 * s.masterAdvertIntervalMs + skewTimeMs(s)
}

/**
 * Why an already decoded advert must be dropped before it reaches step(), or undefined if it may
 * be used. RFC 3768 §7.1: a v2 receiver MUST discard an advert whose interval differs from its own.
 */
export function advertRejection(s: InstanceState, e: { priority: number; advertIntervalMs: number; src: string }): string | undefined {
  if (e.src === s.params.primaryAddress) return `advert from our own address ${e.src} (looped back)`
  if (s.params.version === 2 && e.advertIntervalMs !== s.params.advertIntervalMs) {
    return `advert interval ${fmtMs(e.advertIntervalMs)} from ${e.src} differs from ours (${fmtMs(s.params.advertIntervalMs)}); VRRPv2 requires equal intervals (RFC 3768 §7.1)`
  }
  return undefined
}

/** The earliest pending timer, if any. The runtime arms one OS timer for it. */
export function nextDeadline(s: InstanceState): { timer: VrrpTimer; at: number } | undefined {
  let best: { timer: VrrpTimer; at: number } | undefined
  for (const timer of ['masterDown', 'advert', 'preemptDelay'] as const) {
    const at = s.deadlines[timer]
    if (at !== undefined && (best === undefined || at < best.at)) best = { timer, at }
  }
  return best
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${Number(ms.toFixed(1))} ms`
}

/** Mutable working copy used inside one step; the caller's state is never modified. */
class Step {
  readonly s: InstanceState
  readonly actions: VrrpAction[] = []

  constructor(
    prev: InstanceState,
    readonly now: number
  ) {
    this.s = { ...prev, params: prev.params, deadlines: { ...prev.deadlines } }
    if (prev.lastTransition) this.s.lastTransition = { ...prev.lastTransition }
  }

  result(): StepResult {
    return { state: this.s, actions: this.actions }
  }

  go(to: VrrpState, reason: string): void {
    const from = this.s.state
    this.s.state = to
    this.s.lastTransition = { from, to, reason, at: this.now }
    this.actions.push({ kind: 'transition', from, to, reason })
  }

  sendAdvert(): void {
    this.actions.push({ kind: 'send-advert', priority: advertisedPriority(this.s) })
    this.s.deadlines.advert = this.now + this.s.params.advertIntervalMs
  }

  /** RFC 5798 §6.4.1/§6.4.2 "transition to Master": advert, addresses, gratuitous ARP. */
  toMaster(reason: string): void {
    const d = this.s.deadlines
    d.masterDown = undefined
    d.preemptDelay = undefined
    this.s.preemptDelayElapsed = false
    this.go('master', reason)
    this.sendAdvert()
    this.s.masterAddress = this.s.params.primaryAddress
    this.s.masterPriority = advertisedPriority(this.s)
    this.actions.push({ kind: 'add-vips' }, { kind: 'garp' }, { kind: 'notify', state: 'MASTER' })
  }

  /** Into Backup (RFC 5798 §6.4.1 startup path, or §6.4.3 master yielding). */
  toBackup(reason: string, master?: { src: string; priority: number; advertIntervalMs: number }): void {
    const wasMaster = this.s.state === 'master'
    this.s.deadlines.advert = undefined
    this.s.takeover = false
    if (master) {
      this.learnMaster(master)
    } else {
      this.s.masterAddress = undefined
      this.s.masterPriority = undefined
      this.s.masterAdvertIntervalMs = this.s.params.advertIntervalMs
    }
    this.go('backup', reason)
    this.s.deadlines.masterDown = this.now + masterDownIntervalMs(this.s)
    if (wasMaster) this.actions.push({ kind: 'remove-vips' })
    this.actions.push({ kind: 'notify', state: 'BACKUP' })
  }

  /** Leave Master without handing over the role in an orderly election: tell backups at once (priority 0, RFC 5798 §6.4.3). */
  resignIfMaster(): void {
    if (this.s.state !== 'master') return
    this.actions.push({ kind: 'send-advert', priority: 0 }, { kind: 'remove-vips' })
  }

  clearTimers(): void {
    this.s.deadlines = {}
  }

  learnMaster(m: { src: string; priority: number; advertIntervalMs: number }): void {
    this.s.masterAddress = m.src
    this.s.masterPriority = m.priority
    // RFC 5798 §6.4.2: v3 backups adopt the master's interval; v2 intervals must match anyway.
    this.s.masterAdvertIntervalMs = this.s.params.version === 3 ? m.advertIntervalMs : this.s.params.advertIntervalMs
  }

  /** Where a node goes when it may take part in elections again (startup, fault cleared, resume). */
  rejoin(reason: string): void {
    if (this.s.fault) {
      this.clearTimers()
      this.go('fault', reason)
      this.actions.push({ kind: 'notify', state: 'FAULT' })
      return
    }
    // RFC 5798 §6.4.1: the address owner (priority 255) starts as Master right away.
    if (this.s.effectivePriority === OWNER_PRIORITY) return this.toMaster(`${reason}; priority 255 (address owner)`)
    this.toBackup(reason)
  }
}

export function step(prev: InstanceState, e: VrrpEvent, now: number): StepResult {
  const t = new Step(prev, now)
  const s = t.s
  switch (e.kind) {
    case 'startup':
      if (s.state !== 'initialize' && s.state !== 'stopped') return t.result()
      s.preemptDelayElapsed = false
      if (s.paused) {
        t.clearTimers()
        // No election while paused: go straight to maintenance.
        t.go('maintenance', 'started while paused by admin')
        return t.result()
      }
      t.rejoin(s.fault ? 'started with a failing tracked check' : 'started')
      // keepalived's preempt_delay: after startup do not preempt a lower-priority master for a while.
      if ((s.state as VrrpState) === 'backup' && s.params.preempt && s.params.preemptDelayMs > 0) {
        s.deadlines.preemptDelay = now + s.params.preemptDelayMs
      }
      return t.result()

    case 'shutdown': {
      if (s.state === 'stopped') return t.result()
      const from = s.state
      t.resignIfMaster()
      t.clearTimers()
      s.takeover = false
      t.go('stopped', 'agent stopping')
      if (from !== 'initialize') t.actions.push({ kind: 'notify', state: 'STOP' })
      return t.result()
    }

    case 'advert':
      return onAdvert(t, e)

    case 'timer':
      return onTimer(t, e.timer)

    case 'health':
      return onHealth(t, e)

    case 'takeover':
      if (s.state === 'master') {
        if (!s.takeover) {
          s.takeover = true
          s.masterPriority = advertisedPriority(s)
          t.sendAdvert() // tell everyone at once that we now hold on at 254
        }
      } else if (s.state === 'backup') {
        s.takeover = true
        t.toMaster(`planned takeover by admin (advertising priority ${advertisedPriority(s)} until released)`)
      }
      // initialize, fault, maintenance, stopped: a takeover cannot be honoured; the runtime reports it.
      return t.result()

    case 'release':
      if (!s.takeover) return t.result()
      s.takeover = false
      if (s.state === 'master') {
        s.masterPriority = advertisedPriority(s)
        // Advertise the real priority now, so a higher-priority peer with preempt takes over at once.
        t.sendAdvert()
      }
      return t.result()

    case 'pause': {
      if (s.paused) return t.result()
      s.paused = true
      if (s.state === 'initialize' || s.state === 'stopped') return t.result()
      const wasMaster = s.state === 'master'
      t.resignIfMaster()
      t.clearTimers()
      s.takeover = false
      t.go('maintenance', 'paused by admin')
      // Notify hooks that undo master work must run when the VIPs leave.
      if (wasMaster) t.actions.push({ kind: 'notify', state: 'BACKUP' })
      return t.result()
    }

    case 'resume':
      if (!s.paused) return t.result()
      s.paused = false
      if (s.state === 'maintenance') t.rejoin('resumed by admin')
      return t.result()

    case 'set-preempt':
      s.params = { ...s.params, preempt: e.preempt, preemptDelayMs: e.preemptDelayMs }
      if (!e.preempt || e.preemptDelayMs === 0) s.deadlines.preemptDelay = undefined
      if (!e.preempt) acceptLowerMaster(t)
      return t.result()

    case 'preempt-window':
      if (s.preemptWindowOpen === e.open) return t.result()
      s.preemptWindowOpen = e.open
      if (!e.open) acceptLowerMaster(t)
      return t.result()
  }
}

/**
 * Preempting was just turned off (the failback window closed, or nopreempt set by a reload): a
 * backup that was discarding a lower-priority master's adverts, to preempt it when
 * Master_Down_Timer ran out, accepts that master now, as nopreempt would have all along.
 */
function acceptLowerMaster(t: Step): void {
  const s = t.s
  if (s.state === 'backup' && s.masterAddress !== undefined && (s.masterPriority ?? 0) > 0 && (s.masterPriority ?? 0) < s.effectivePriority) {
    s.deadlines.masterDown = t.now + masterDownIntervalMs(s)
  }
}

function onAdvert(t: Step, e: Extract<VrrpEvent, { kind: 'advert' }>): StepResult {
  const s = t.s
  if (advertRejection(s, e) !== undefined) return t.result()
  const theirs = `advert from ${e.src} with priority ${e.priority}`

  if (s.state === 'backup') {
    // RFC 5798 §6.4.2 (Backup).
    if (e.priority === 0) {
      // The master resigned: take over after Skew_Time only, not the full Master_Down_Interval.
      s.masterAddress = e.src
      s.masterPriority = 0
      s.deadlines.masterDown = t.now + skewTimeMs(s)
      return t.result()
    }
    const mine = s.effectivePriority
    let accept = !preemptsNow(s) || e.priority >= mine
    if (!accept && s.params.preemptDelayMs > 0 && !s.preemptDelayElapsed) {
      // keepalived's preempt_delay: tolerate a lower-priority master until the delay runs out.
      s.deadlines.preemptDelay ??= t.now + s.params.preemptDelayMs
      accept = true
    }
    if (!accept) {
      // Lower priority and we preempt: let Master_Down_Timer run out (RFC 5798 §6.4.2 "discard").
      s.masterAddress = e.src
      s.masterPriority = e.priority
      return t.result()
    }
    if (e.priority > mine) {
      // A legitimately higher master: the next lower one gets the full preempt delay again.
      s.deadlines.preemptDelay = undefined
      s.preemptDelayElapsed = false
    }
    t.learnMaster(e)
    s.deadlines.masterDown = t.now + masterDownIntervalMs(s)
    return t.result()
  }

  if (s.state === 'master') {
    // RFC 5798 §6.4.3 (Master).
    const mine = advertisedPriority(s)
    if (e.priority === 0) {
      t.sendAdvert() // a resigning peer: assert ourselves at once
      return t.result()
    }
    const higher = e.priority > mine
    const tieLost = e.priority === mine && ipv4ToUint32(e.src) > ipv4ToUint32(s.params.primaryAddress)
    if (higher || tieLost) {
      const why = higher
        ? `${theirs}: higher than ours ${mine}`
        : `${theirs}: equal to ours, and ${e.src} > ${s.params.primaryAddress} wins the tie`
      // Two masters at once: a healed split brain. The winner may never hear us (we stop
      // advertising now), so it would not know clients may have followed our gratuitous ARP.
      // One last advert at our priority tells it, and it re-announces the VIP (below). This is
      // keepalived's higher_prio_send_advert; beyond RFC 5798 §6.4.3, which only says to yield.
      t.actions.push({ kind: 'send-advert', priority: mine })
      t.toBackup(why, e)
      return t.result()
    }
    // Lower priority: the RFC (§6.4.3) says discard. keepalived answers with an advert at once,
    // so the other side hears the real master without waiting an interval, and announces the VIP
    // again (garp_lower_prio_repeat): clients that followed the other side of a healed split
    // brain come back now, not when their ARP entry expires. We do both.
    t.actions.push({ kind: 'send-advert', priority: mine }, { kind: 'reannounce' })
    return t.result()
  }

  // initialize, fault, maintenance, stopped: no part in elections.
  return t.result()
}

function onTimer(t: Step, timer: VrrpTimer): StepResult {
  const s = t.s
  const due = s.deadlines[timer]
  // Stale or early timer (the runtime may race a deadline that moved): ignore.
  if (due === undefined || t.now < due) return t.result()
  s.deadlines[timer] = undefined

  if (timer === 'preemptDelay') {
    s.preemptDelayElapsed = true
    return t.result()
  }
  if (timer === 'advert' && s.state === 'master') {
    t.sendAdvert()
    return t.result()
  }
  if (timer === 'masterDown' && s.state === 'backup') {
    let why = 'master down timer expired: no master heard'
    if (s.masterAddress && s.masterPriority === 0) why = `master ${s.masterAddress} resigned (priority 0 advert); skew time ${fmtMs(skewTimeMs(s))} passed`
    else if (s.masterAddress && (s.masterPriority ?? 0) < s.effectivePriority && preemptsNow(s)) {
      why = `master down timer expired: preempting ${s.masterAddress} (priority ${s.masterPriority} < ours ${s.effectivePriority})`
    } else if (s.masterAddress) why = `master down timer expired: no advert from ${s.masterAddress} for ${fmtMs(masterDownIntervalMs(s))}`
    t.toMaster(why)
    return t.result()
  }
  return t.result()
}

function onHealth(t: Step, e: Extract<VrrpEvent, { kind: 'health' }>): StepResult {
  const s = t.s
  const before = advertisedPriority(s)
  s.effectivePriority = clampPriority(s.params, e.effectivePriority)
  const wasFault = s.fault
  s.fault = e.fault

  if (s.state === 'initialize' || s.state === 'stopped' || s.state === 'maintenance') return t.result()

  if (e.fault && !wasFault) {
    t.resignIfMaster()
    t.clearTimers()
    s.takeover = false
    t.go('fault', `fault: ${e.reason}`)
    t.actions.push({ kind: 'notify', state: 'FAULT' })
    return t.result()
  }
  if (!e.fault && s.state === 'fault') {
    t.rejoin(`fault cleared: ${e.reason}`)
    return t.result()
  }
  if (s.state === 'master') {
    s.masterPriority = advertisedPriority(s)
    // Tell backups the new priority now rather than at the next interval, so a peer that now
    // outranks us can preempt without delay.
    if (advertisedPriority(s) !== before) t.sendAdvert()
  }
  // Backup: the new priority takes effect on the next advert from the master.
  return t.result()
}
