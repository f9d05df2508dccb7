/**
 * What an Instance shows and needs: its status (`ctl status`, parsed by the manager: add fields,
 * never rename or remove one), the events it streams (`ctl watch`), and its dependencies.
 */
import type { Logger } from './log'
import type { VrrpTransport } from './net/transport'
import type { OsAdapter } from './os/os-adapter'
import type { NotifyState } from './track/notify'
import type { SimulatedFailureStatus } from './track/simulated-failure'
import type { Scheduler } from './time/scheduler'
import type { VrrpState } from './vrrp/state-machine'

export interface PeerSeen {
  address: string
  priority: number
  advertIntervalMs: number
  lastSeen: string
}

export interface InstanceStatus {
  name: string
  interface: string
  vrid: number
  version: 2 | 3
  state: VrrpState
  basePriority: number
  effectivePriority: number
  masterAddress?: string
  masterPriority?: number
  primaryAddress: string
  advertIntervalMs: number
  vips: string[]
  vipsHeld: string[]
  /** Every configured VIP is on the interface now (false with no VIPs configured). */
  holdsVips: boolean
  adverts: { sent: number; received: number; bad: Record<string, number>; badTotal: number; sendErrors: number; socketReopens: number }
  lastTransition?: { from: VrrpState; to: VrrpState; reason: string; at: string }
  /** State changes since this instance started (initialize -> backup counts): unchanged = undisturbed. */
  transitions: number
  /** Present when a failback window is configured: preempting only while `open`. */
  preemptWindow?: { startHour: number; endHour: number; open: boolean }
  peers: PeerSeen[]
  transport: { kind: 'raw' | 'udp'; interoperable: boolean; note?: string; mode: 'unicast' | 'multicast'; peers: string[] }
  paused: boolean
  takeover: boolean
  fault: boolean
  /** Why the priority or state is what it is: the tracked checks, or "simulated failure until <ISO>". */
  health: string
  /** Present while a simulated failure runs (ctl simulate-failure): the instance is in Fault until `until`. */
  simulatedFailure?: SimulatedFailureStatus
}

export interface AgentEvent {
  time: string
  /** `reload`: the agent applied a new config (message: what was kept, added, removed, restarted). */
  type: 'transition' | 'health' | 'error' | 'admin' | 'started' | 'stopped' | 'reload'
  instance?: string
  from?: VrrpState
  to?: VrrpState
  reason?: string
  message?: string
  priority?: number
}

export interface InstanceDeps {
  transport: VrrpTransport
  os: OsAdapter
  logger: Logger
  primaryAddress: string
  /** Time and timers; defaults to the monotonic clock and Node's timers. */
  scheduler?: Scheduler
  /** Runs notify hooks; defaults to a Notifier over the instance's notify config. */
  notifier?: NotifySink
  /** The node's local hour 0..23, for the failback window; defaults to the system clock and time zone. */
  localHour?: () => number
}

/** What the instance needs from its notify hooks runner (agent/track/notify.ts's Notifier). */
export interface NotifySink {
  notify(state: NotifyState, priority: number): void
  /** Resolves when every queued hook has finished. */
  drain(): Promise<void>
}
