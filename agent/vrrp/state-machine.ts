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
}
export type VrrpTimer = 'masterDown' | 'advert' | 'preemptDelay'
export type VrrpEvent =
  | { kind: 'startup' }
  | { kind: 'shutdown' }
  | { kind: 'advert'; src: string; priority: number; advertIntervalMs: number }
  | { kind: 'timer'; timer: VrrpTimer }
  | { kind: 'health'; effectivePriority: number; fault: boolean; reason: string }
  | { kind: 'takeover' }
  | { kind: 'release' }
  | { kind: 'pause' }
  | { kind: 'resume' }
export type VrrpAction =
  | { kind: 'send-advert'; priority: number }
  | { kind: 'add-vips' }
  | { kind: 'remove-vips' }
  | { kind: 'garp' }
  | { kind: 'notify'; state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' }
  | { kind: 'transition'; from: VrrpState; to: VrrpState; reason: string }

export function initialState(_p: InstanceParams, _now: number): InstanceState { throw new Error('not implemented yet') }
export function step(_s: InstanceState, _e: VrrpEvent, _now: number): { state: InstanceState; actions: VrrpAction[] } { throw new Error('not implemented yet') }
export function nextDeadline(_s: InstanceState): { timer: VrrpTimer; at: number } | undefined { throw new Error('not implemented yet') }
export function skewTimeMs(_s: InstanceState): number { throw new Error('not implemented yet') }
export function masterDownIntervalMs(_s: InstanceState): number { throw new Error('not implemented yet') }
