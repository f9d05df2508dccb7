// Which of a node's addresses VRRP speaks from. The heartbeat source must be the node's own
// address on the VIP's interface, never the VIP (which moves): the cloud guides' first trap.
import type { NetInterface } from '../../../api/model'
import { ipv4InSubnet } from '../ipv4'

export interface AddressSettings {
  vip: string
  prefix: number
}

function inet(iface: NetInterface | undefined): { address: string; prefix: number }[] {
  return (iface?.addresses ?? []).filter((a) => a.family === 'inet').map((a) => ({ address: a.address, prefix: a.prefix }))
}

/** The node's own IPv4 on the interface: in the VIP's subnet if one is, never the VIP itself. */
export function ownAddress(iface: NetInterface | undefined, s: AddressSettings): string | undefined {
  const own = inet(iface).filter((a) => a.address !== s.vip)
  return (own.find((a) => ipv4InSubnet(s.vip, a.address, a.prefix)) ?? own[0])?.address
}

/** The interface's primary IPv4 (the first one listed), which is VRRP's default source. */
export function primaryAddress(iface: NetInterface | undefined): string | undefined {
  return inet(iface)[0]?.address
}

/** IPv4 addresses on the interface besides the primary one (clouds cap these per NIC). */
export function secondaryAddresses(iface: NetInterface | undefined): string[] {
  return inet(iface).slice(1).map((a) => a.address)
}
