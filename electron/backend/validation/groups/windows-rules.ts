// Reading Windows Firewall rules for VRRP: whether the profile in force on the VIP's interface
// lets IP protocol 112 in from every peer. Pure, so it is tested against recorded rule sets.
import { ipv4InSubnet, ipv4ToNumber } from '../ipv4'

export interface FirewallProfile {
  name: string
  enabled: boolean
  defaultInboundAction: string
}

export interface FirewallRule {
  name: string
  displayName: string
  enabled: boolean
  direction: string
  action: string
  /** 'Any', or profile names joined by ', ' ('Domain, Private'). */
  profile: string
  remoteAddress: string[]
}

/** Get-NetConnectionProfile's NetworkCategory → the firewall profile that applies. */
export function profileOfCategory(category: string | undefined): string | undefined {
  if (category === 'DomainAuthenticated') return 'Domain'
  if (category === 'Private' || category === 'Public') return category
  return undefined
}

function ruleCoversProfile(rule: FirewallRule, profile: string): boolean {
  return rule.profile === 'Any' || rule.profile.split(/,\s*/).includes(profile)
}

/**
 * Whether one RemoteAddress entry of a rule covers an IPv4 address. Windows writes: Any, a
 * single address, address/prefix, address/dotted mask, a range a-b, and keywords; of those,
 * LocalSubnet covers a peer on the node's own subnet (the cluster's peers all are).
 */
export function remoteCovers(entry: string, peer: string, localSubnet: { address: string; prefix: number } | undefined): boolean {
  const e = entry.trim()
  if (e === 'Any' || e === '*') return true
  if (e === 'LocalSubnet' || e === 'LocalSubnet4') return localSubnet ? ipv4InSubnet(peer, localSubnet.address, localSubnet.prefix) : false
  const p = ipv4ToNumber(peer)
  if (p === undefined) return false
  const range = /^([\d.]+)-([\d.]+)$/.exec(e)
  if (range) {
    const lo = ipv4ToNumber(range[1]!)
    const hi = ipv4ToNumber(range[2]!)
    return lo !== undefined && hi !== undefined && p >= lo && p <= hi
  }
  const [addr, mask] = e.split('/')
  if (mask === undefined) return addr === peer
  const prefix = /^\d+$/.test(mask) ? Number(mask) : maskToPrefix(mask)
  return prefix !== undefined && prefix <= 32 && ipv4InSubnet(peer, addr!, prefix)
}

function maskToPrefix(mask: string): number | undefined {
  const n = ipv4ToNumber(mask)
  if (n === undefined) return undefined
  const bits = n.toString(2).padStart(32, '0')
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined
}

export type FirewallVerdict =
  | { verdict: 'off'; profile: string }
  | { verdict: 'open'; profile: string; rules: string[] }
  | { verdict: 'blocked'; profile: string; rules: string[] }
  | { verdict: 'missing'; profile: string; uncovered: string[] }

/** The judgement for one node: the profile in force, its rules for protocol 112, the peers. */
export function judgeWindowsFirewall(
  profileName: string,
  profiles: readonly FirewallProfile[],
  rules: readonly FirewallRule[],
  peers: readonly string[],
  localSubnet: { address: string; prefix: number } | undefined
): FirewallVerdict {
  const profile = profiles.find((p) => p.name === profileName)
  if (profile && !profile.enabled) return { verdict: 'off', profile: profileName }
  const inbound = rules.filter((r) => r.enabled && r.direction === 'Inbound' && ruleCoversProfile(r, profileName))
  // Windows Firewall: a matching block rule wins over any allow rule.
  const blocks = inbound.filter((r) => r.action === 'Block' && peers.some((p) => r.remoteAddress.some((e) => remoteCovers(e, p, localSubnet))))
  if (blocks.length > 0) return { verdict: 'blocked', profile: profileName, rules: blocks.map((r) => r.displayName || r.name) }
  if (profile?.defaultInboundAction === 'Allow') return { verdict: 'open', profile: profileName, rules: ['default inbound action Allow'] }
  const allows = inbound.filter((r) => r.action === 'Allow')
  const uncovered = peers.filter((p) => !allows.some((r) => r.remoteAddress.some((e) => remoteCovers(e, p, localSubnet))))
  if (uncovered.length > 0) return { verdict: 'missing', profile: profileName, uncovered }
  return { verdict: 'open', profile: profileName, rules: allows.map((r) => r.displayName || r.name) }
}
