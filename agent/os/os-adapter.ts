/**
 * What the agent needs from the operating system to hold a virtual IP. Linux implements it
 * with iproute2 and a packet socket, or iputils arping (linux.ts); Windows with the NetTCPIP
 * cmdlets through PowerShell, and Windows' own address announcement (windows.ts).
 */
import type { VipConfig } from '../config/model'

export interface HeldAddress {
  address: string
  prefix: number
  dev: string
  label?: string
}

export interface InterfaceState {
  exists: boolean
  /** Administratively up and with carrier (IFF_UP and IFF_RUNNING). */
  up: boolean
  index?: number
  /** IPv4 addresses on the interface, primary first. */
  addresses: string[]
}

export interface GarpSupport {
  ok: boolean
  /** What is used, or why gratuitous ARP cannot be sent and what to install. */
  detail: string
  /**
   * How neighbours learn of a takeover: 'packet-socket' or 'arping' (Linux, the agent sends
   * gratuitous ARP), 'windows-dad-announcement' (Windows announces an added address itself),
   * 'none'. For the node's validation result.
   */
  method?: 'packet-socket' | 'arping' | 'windows-dad-announcement' | 'none'
}

export interface OsAdapter {
  /** Adds the VIP; succeeds if it is already there. */
  addVip(vip: VipConfig, dev: string): Promise<void>
  /** Removes the VIP; succeeds if it is already gone. */
  removeVip(vip: VipConfig, dev: string): Promise<void>
  /** IPv4 addresses currently on `dev` (or on every interface). */
  listAddresses(dev?: string): Promise<HeldAddress[]>
  interfaceState(dev: string): Promise<InterfaceState>
  /** One gratuitous ARP announcing `address` on `dev` (RFC 5227 §3 style: sender = target = VIP). */
  sendGarp(address: string, dev: string): Promise<void>
  garpSupport(): Promise<GarpSupport>
  /**
   * Starts whatever long-lived helpers the adapter uses (Linux: one `ip -batch`, one packet
   * socket helper), so that the first takeover does not wait for them. Called once by
   * Agent.start; optional, and an adapter that has none need not implement it.
   */
  prepare?(): Promise<void>
  /** Ends those helpers. Called by Agent.stop once every instance has stopped. */
  close?(): Promise<void>
}
