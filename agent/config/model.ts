/**
 * The one configuration model of havip-agent. Both the agent's own JSON format
 * (json-config.ts) and the vrrp part of a keepalived.conf (keepalived-conf.ts)
 * are parsed into these types, so the runtime never cares where a setting came from.
 */

import type { PreemptWindow } from '../vrrp/preempt-window'

/** A virtual address held by the master, as `ip addr add ADDRESS/PREFIX dev DEV label LABEL`. */
export interface VipConfig {
  address: string
  prefix: number
  /** Interface to add the address on; defaults to the instance's interface. */
  dev?: string
  label?: string
}

/**
 * Who a script or notify hook runs as (keepalived's `script_user USER [GROUP]`, a vrrp_script's
 * `user USER [GROUP]`, or the words after a notify command). Names are resolved on the node
 * when the agent starts (script-user.ts); without a group, the user's primary group.
 */
export interface RunAs {
  user: string
  group?: string
}

/** A health check run periodically (keepalived's vrrp_script). Never run through a shell. */
export interface TrackScriptConfig {
  name: string
  argv: string[]
  /** Overrides AgentConfig.scriptUser for this script. */
  user?: RunAs
  intervalMs: number
  timeoutMs: number
  /** Consecutive successes needed to count as up again. */
  rise: number
  /** Consecutive failures needed to count as down. */
  fall: number
  /** 0: a failing script puts the instance in FAULT; >0 added while OK; <0 added while failing (keepalived semantics). */
  weight: number
}

/** A reference from an instance to a tracked interface or script. */
export interface TrackRef {
  name: string
  /** Overrides the script's weight (for interfaces: 0 or absent = FAULT when down). */
  weight?: number
}

/** Gratuitous ARP settings, named after keepalived's garp_* keywords. */
export interface GarpConfig {
  /** Delay before the second burst of gratuitous ARPs after becoming master (garp_master_delay). */
  masterDelayMs: number
  /** Number of gratuitous ARPs per burst (garp_master_repeat). */
  masterRepeat: number
  /** Period of refresh bursts while master; 0 = off (garp_master_refresh). */
  masterRefreshMs: number
  /** Number of gratuitous ARPs per refresh burst (garp_master_refresh_repeat). */
  masterRefreshRepeat: number
  /** Gap between gratuitous ARPs in one burst (garp_interval). */
  intervalMs: number
}

/**
 * Notify hooks, each an argv (never a shell string). `generic` gets
 * "INSTANCE" NAME STATE PRIORITY appended, like keepalived's `notify`.
 */
export interface NotifyConfig {
  master?: string[]
  backup?: string[]
  fault?: string[]
  stop?: string[]
  generic?: string[]
  /** Per-hook user (`notify_master "/bin/x" USER [GROUP]`); else AgentConfig.scriptUser. */
  users?: Partial<Record<NotifyHook, RunAs>>
}

export type NotifyHook = 'master' | 'backup' | 'fault' | 'stop' | 'generic'
export const NOTIFY_HOOKS: readonly NotifyHook[] = ['master', 'backup', 'fault', 'stop', 'generic']

export interface InstanceConfig {
  name: string
  interface: string
  vrid: number
  version: 2 | 3
  priority: number
  advertIntervalMs: number
  preempt: boolean
  preemptDelayMs: number
  /**
   * Failback window (HAVIP only, no keepalived keyword): with preempt on, a higher priority
   * preempts a lower master only while the local hour is in [startHour, endHour), wrapping
   * midnight when startHour > endHour; outside it, as nopreempt. Absent: preempt at any hour.
   */
  preemptWindow?: PreemptWindow
  /** Source address for adverts; defaults to the interface's primary address. */
  unicastSrcIp?: string
  /** Empty -> multicast to 224.0.0.18. */
  unicastPeers: string[]
  /**
   * v2 only (RFC 3768 §5.3.6). `password` holds the wire bytes, one character per byte
   * (latin1), at most 8: the readers convert the text of the config (UTF-8) with
   * `passwordWireBytes`, so the encoder and the comparison of received adverts use one value,
   * byte for byte the same as keepalived's (which copies the first 8 bytes of the file).
   */
  auth?: { type: 'PASS'; password: string }
  vips: VipConfig[]
  trackInterfaces: TrackRef[]
  trackScripts: TrackRef[]
  notify: NotifyConfig
  garp: GarpConfig
  initialState?: 'MASTER' | 'BACKUP'
}

export interface AgentConfig {
  instances: InstanceConfig[]
  scripts: TrackScriptConfig[]
  /** udp: for hosts without raw sockets; not interoperable with keepalived (status says so). */
  transport: 'raw' | 'udp'
  udpPort: number
  /** Default /run/havip/agent.sock */
  controlSocket: string
  logFile?: string
  /** Default user for track scripts and notify hooks (global_defs script_user); absent: root. */
  scriptUser?: RunAs
}

export interface ConfigIssue {
  severity: 'error' | 'warning'
  message: string
  /** 1-based line in a keepalived.conf. */
  line?: number
  /** Field path, e.g. instances[0].priority */
  path?: string
}

/** `config` is present only when there is no issue of severity 'error'. */
export interface ConfigResult {
  config?: AgentConfig
  issues: ConfigIssue[]
}

export const DEFAULT_CONTROL_SOCKET = '/run/havip/agent.sock'

/** The node's OS a config is read for: interface names, VIP labels and the control endpoint differ. */
export type ConfigTarget = 'linux' | 'windows'

/** The control endpoint on Windows: a named pipe (control/server.ts, agent/README.md "Control on Windows"). */
export const WINDOWS_CONTROL_PIPE = '\\\\.\\pipe\\havip-agent'

export function defaultControlSocket(target: ConfigTarget = 'linux'): string {
  return target === 'windows' ? WINDOWS_CONTROL_PIPE : DEFAULT_CONTROL_SOCKET
}
export const DEFAULT_UDP_PORT = 11112
