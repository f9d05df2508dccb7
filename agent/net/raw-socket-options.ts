/**
 * The socket options of the raw VRRP socket, per OS. Pure, so both lists are tested here on
 * Linux; only the Linux one has run against a real kernel.
 *
 * Linux (<linux/in.h>, ip(7)): bound to the interface with SO_BINDTODEVICE; IP_HDRINCL; for
 * multicast, struct ip_mreqn (group, address, ifindex) for IP_ADD_MEMBERSHIP and
 * IP_MULTICAST_IF, and IP_MULTICAST_LOOP off (a byte).
 *
 * Windows (ws2ipdef.h, https://learn.microsoft.com/en-us/windows/win32/winsock/ipproto-ip-socket-options):
 * other option numbers (IP_HDRINCL 2, IP_MULTICAST_IF 9, IP_MULTICAST_LOOP 11,
 * IP_ADD_MEMBERSHIP 12), DWORD values, struct ip_mreq (group, interface address: 8 bytes), and
 * IP_MULTICAST_IF taking the interface's address. There is no SO_BINDTODEVICE: the interface is
 * chosen by address, and received adverts are kept only when addressed to this node's address
 * or the VRRP group (raw-transport.ts), the nearest stand-in. Windows restricts raw sockets
 * (no TCP, no UDP with a foreign source; https://learn.microsoft.com/en-us/windows/win32/winsock/tcp-ip-raw-sockets-2)
 * but not IP protocol 112 with the node's own source address, which is what VRRP sends.
 * @neuralegion/raw-socket has no bind(): where Windows wants a raw socket bound before it
 * receives, that would need a patch to the binding. Untested: no Windows on the build machine;
 * docs/windows-agent-checks.md covers it.
 */
import { ipv4ToBytes } from '../vrrp/ipv4'

export type RawPlatform = 'linux' | 'win32'

export interface SockOpt {
  level: number
  option: number
  /** A number is set as an int; a Buffer as the struct it holds. */
  value: number | Buffer
  what: string
}

export const LINUX = {
  SOL_SOCKET: 1,
  SO_BINDTODEVICE: 25,
  IPPROTO_IP: 0,
  IP_HDRINCL: 3,
  IP_MULTICAST_IF: 32,
  IP_MULTICAST_TTL: 33,
  IP_MULTICAST_LOOP: 34,
  IP_ADD_MEMBERSHIP: 35,
  IP_DROP_MEMBERSHIP: 36
} as const

export const WINDOWS = {
  IPPROTO_IP: 0,
  IP_HDRINCL: 2,
  IP_MULTICAST_IF: 9,
  IP_MULTICAST_TTL: 10,
  IP_MULTICAST_LOOP: 11,
  IP_ADD_MEMBERSHIP: 12,
  IP_DROP_MEMBERSHIP: 13
} as const

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex } (Linux, 12 bytes). */
export function ipMreqn(group: string, ifIndex: number): Buffer {
  const b = Buffer.alloc(12)
  ipv4ToBytes(group).copy(b, 0)
  b.writeInt32LE(ifIndex, 8) // host byte order; every Linux target we ship for is little-endian
  return b
}

/** struct ip_mreq { IN_ADDR imr_multiaddr; IN_ADDR imr_interface } (Windows, 8 bytes; the interface by its address). */
export function ipMreq(group: string, ifAddress: string): Buffer {
  return Buffer.concat([ipv4ToBytes(group), ipv4ToBytes(ifAddress)])
}

function dword(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n, 0)
  return b
}

export interface RawVrrpSocketSpec {
  interface: string
  /** Needed on Linux (ip_mreqn). */
  ifIndex?: number
  /** The interface's own address: how Windows names the interface for multicast. */
  ifAddress: string
  multicastGroup?: string
}

export function rawVrrpOptions(platform: RawPlatform, s: RawVrrpSocketSpec): SockOpt[] {
  if (platform === 'win32') {
    const opts: SockOpt[] = [{ level: WINDOWS.IPPROTO_IP, option: WINDOWS.IP_HDRINCL, value: 1, what: 'IP_HDRINCL' }]
    if (s.multicastGroup) {
      opts.push(
        { level: WINDOWS.IPPROTO_IP, option: WINDOWS.IP_ADD_MEMBERSHIP, value: ipMreq(s.multicastGroup, s.ifAddress), what: `IP_ADD_MEMBERSHIP ${s.multicastGroup} on ${s.ifAddress}` },
        { level: WINDOWS.IPPROTO_IP, option: WINDOWS.IP_MULTICAST_IF, value: ipv4ToBytes(s.ifAddress), what: `IP_MULTICAST_IF ${s.ifAddress}` },
        { level: WINDOWS.IPPROTO_IP, option: WINDOWS.IP_MULTICAST_LOOP, value: dword(0), what: 'IP_MULTICAST_LOOP off' }
      )
    }
    return opts
  }
  const opts: SockOpt[] = [
    { level: LINUX.SOL_SOCKET, option: LINUX.SO_BINDTODEVICE, value: Buffer.from(`${s.interface}\0`), what: `SO_BINDTODEVICE ${s.interface}` },
    { level: LINUX.IPPROTO_IP, option: LINUX.IP_HDRINCL, value: 1, what: 'IP_HDRINCL' }
  ]
  if (s.multicastGroup) {
    if (s.ifIndex === undefined) throw new Error(`interface index of ${s.interface} is needed to join ${s.multicastGroup}`)
    const mreq = ipMreqn(s.multicastGroup, s.ifIndex)
    opts.push(
      { level: LINUX.IPPROTO_IP, option: LINUX.IP_ADD_MEMBERSHIP, value: mreq, what: `IP_ADD_MEMBERSHIP ${s.multicastGroup} on ${s.interface}` },
      { level: LINUX.IPPROTO_IP, option: LINUX.IP_MULTICAST_IF, value: mreq, what: `IP_MULTICAST_IF ${s.interface}` },
      // Our own adverts need not come back to us.
      { level: LINUX.IPPROTO_IP, option: LINUX.IP_MULTICAST_LOOP, value: Buffer.from([0]), what: 'IP_MULTICAST_LOOP off' }
    )
  }
  return opts
}

/**
 * Windows has no SO_BINDTODEVICE: keep an advert only if it was sent to this node's address
 * (unicast) or to the group (multicast). Linux's socket is bound to the interface instead.
 */
export function acceptsDestination(platform: RawPlatform, dst: string, own: string, group: string | undefined): boolean {
  if (platform !== 'win32') return true
  return dst === own || (group !== undefined && dst === group)
}
