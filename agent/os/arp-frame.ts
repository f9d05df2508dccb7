/**
 * The gratuitous ARP frame keepalived sends (vrrp_arp.c), byte for byte: an Ethernet broadcast
 * carrying an ARP request whose sender and target protocol address are both the VIP (RFC 5227
 * §3's announcement form), target hardware address all ones. 42 bytes; the NIC pads to 60.
 */

const ETHERTYPE_ARP = 0x0806
const ETHERTYPE_IPV4 = 0x0800
const ARPHRD_ETHER = 1
const ARPOP_REQUEST = 1
export const GARP_FRAME_LENGTH = 42

/** "aa:bb:cc:dd:ee:ff" -> 6 bytes; throws on anything else. */
export function parseMac(mac: string): Buffer {
  const m = /^([0-9a-f]{2})(?::([0-9a-f]{2})){5}$/i.test(mac.trim()) ? mac.trim().split(':') : undefined
  if (!m) throw new Error(`"${mac}" is not an Ethernet (6-byte) hardware address`)
  return Buffer.from(m.map((x) => parseInt(x, 16)))
}

/** Dotted IPv4 -> 4 bytes; throws on anything else. */
export function parseIpv4(ip: string): Buffer {
  const parts = ip.split('.')
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`"${ip}" is not an IPv4 address`)
  return Buffer.from(parts.map(Number))
}

export function garpFrame(mac: string, ip: string): Buffer {
  const hw = parseMac(mac)
  const pa = parseIpv4(ip)
  const f = Buffer.alloc(GARP_FRAME_LENGTH)
  f.fill(0xff, 0, 6) // destination: broadcast
  hw.copy(f, 6) // source: our MAC
  f.writeUInt16BE(ETHERTYPE_ARP, 12)
  f.writeUInt16BE(ARPHRD_ETHER, 14)
  f.writeUInt16BE(ETHERTYPE_IPV4, 16)
  f[18] = 6 // hardware address length
  f[19] = 4 // protocol address length
  f.writeUInt16BE(ARPOP_REQUEST, 20)
  hw.copy(f, 22) // sender hardware address
  pa.copy(f, 28) // sender protocol address: the VIP
  f.fill(0xff, 32, 38) // target hardware address: all ones, as keepalived and arping -U
  pa.copy(f, 38) // target protocol address: the VIP again
  return f
}
