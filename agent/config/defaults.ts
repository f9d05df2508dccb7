/**
 * Defaults, chosen to match keepalived 2.2.x (keepalived.conf(5)) so that a config means the
 * same thing to both: advert_int 1 s, preempt on, preempt_delay 0, priority 100, vrrp_version 2,
 * vrrp_garp_master_delay 5 s, vrrp_garp_master_repeat 5, vrrp_garp_master_refresh 0 (off),
 * vrrp_garp_master_refresh_repeat 1, vrrp_garp_interval 0; vrrp_script interval 1 s,
 * rise 1, fall 1, weight 0, timeout = interval.
 */
import type { GarpConfig } from './model'

export const DEFAULT_VERSION = 2 as const
export const DEFAULT_PRIORITY = 100
export const DEFAULT_ADVERT_INTERVAL_MS = 1000
export const DEFAULT_PREEMPT = true
export const DEFAULT_PREEMPT_DELAY_MS = 0
export const DEFAULT_VIP_PREFIX = 32

export function defaultGarp(): GarpConfig {
  return { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 }
}

export const DEFAULT_SCRIPT_INTERVAL_MS = 1000
export const DEFAULT_SCRIPT_RISE = 1
export const DEFAULT_SCRIPT_FALL = 1
export const DEFAULT_SCRIPT_WEIGHT = 0

export const MAX_WEIGHT = 253
/** Linux IFNAMSIZ - 1: longest interface name and address label. */
export const MAX_IFNAME = 15
