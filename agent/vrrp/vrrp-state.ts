/**
 * The state of one VRRP virtual router and what follows from it alone (RFC 5798 §6.1, RFC 3768
 * §6.1): the types the state machine (state-machine.ts) and its runtime share, the start state,
 * and the derived values: the advertised priority, Skew_Time, Master_Down_Interval, which advert
 * must be dropped, the next timer. Pure; no IO.
 */
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

export const OWNER_PRIORITY = 255
/** Priority advertised during a planned takeover: above every configurable priority, below the owner. */
export const TAKEOVER_PRIORITY = 254

export function clampPriority(p: InstanceParams, priority: number): number {
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

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${Number(ms.toFixed(1))} ms`
}
