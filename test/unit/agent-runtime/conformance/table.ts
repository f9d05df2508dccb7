/**
 * The format of the conformance table, in the style of holo-vrrp's conformance tests: each case
 * is a config, then steps; each step is one input (a start, an advert received, fake time passing,
 * a health change, an admin command, a stop) and every output it causes, in order, as the trace
 * lines of world.ts ("<ms> <what>", ms on the fake clock). A step whose `out` is [] asserts that
 * the input causes nothing at all.
 */
import type { InstanceConfig } from '../../../../agent/config/model'
import type { InstanceStatus } from '../../../../agent/instance'

export interface HealthInput {
  priority?: number
  fault?: boolean
  reason?: string
}

export interface AdvertInput {
  src: string
  priority: number
  /** Default: the instance's own interval. */
  intervalMs?: number
  vrid?: number
  version?: 2 | 3
  /** v2 simple password. */
  auth?: string
}

export type Input =
  | { start: HealthInput | null }
  | { advert: AdvertInput }
  /** Move the fake clock forward by this many ms. */
  | { advance: number }
  | { health: HealthInput }
  | { admin: 'takeover' | 'release' | 'pause' | 'resume' }
  | { stop: true }
  /** Simulate Failure (ctl simulate-failure) for this many ms, or end it early. */
  | { simulate: number | 'cancel' }
  /** Set the node's local hour (the failback window's clock); it takes effect at the next input the instance handles. */
  | { hour: number }

export interface Step {
  in: Input
  out: string[]
  /** Checked against Instance.status() after the step (toMatchObject). */
  status?: Partial<Omit<InstanceStatus, 'adverts'>> & { adverts?: Partial<InstanceStatus['adverts']> }
}

export interface ConformanceCase {
  name: string
  /** The RFC section (or keepalived behaviour) the case pins down. */
  why: string
  config?: Partial<InstanceConfig>
  /** The node's local hour when the case starts (default 12). */
  hour?: number
  steps: Step[]
}
