/**
 * VRRP advertisement codec for IPv4: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 5798 §5).
 * Pure: Buffers in, values out. Decoding throws only VrrpDecodeError, so the receive
 * path can count a bad packet and carry on. Encoding throws RangeError on values that
 * cannot be put on the wire (a programming or config error, not a network one).
 */
import { bytesToIpv4, internetChecksum, ipv4ToBytes, isIpv4 } from './ipv4'

export type VrrpVersion = 2 | 3

export interface VrrpAdvert {
  version: VrrpVersion
  vrid: number
  priority: number
  /** v2: seconds (8-bit field); v3: centiseconds (12-bit field) */
  advertInterval: number
  /** IPv4 dotted */
  addresses: string[]
  /** v2 only: 0 none, 1 simple text password */
  authType?: 0 | 1
  /**
   * v2 simple password: its wire bytes, one character per byte (latin1), up to 8. Encode and
   * decode use the same mapping, so a decoded advert compares equal to the configured value
   * (config/password.ts turns the config's UTF-8 text into these bytes).
   */
  authData?: string
}

/** Needed for the v3 checksum pseudo-header (RFC 5798 §5.2.8). */
export interface Ipv4Pair {
  src: string
  dst: string
}

export type VrrpDecodeErrorCode =
  | 'too-short'
  | 'bad-version'
  | 'bad-type'
  | 'bad-checksum'
  | 'bad-address-count'
  | 'bad-length'
  | 'bad-ttl'
  | 'bad-protocol'
  | 'bad-ip-header'
  | 'bad-auth'
  | 'bad-vrid'
  | 'bad-interval'

export class VrrpDecodeError extends Error {
  constructor(
    readonly code: VrrpDecodeErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'VrrpDecodeError'
  }
}

export interface Ipv4Packet {
  src: string
  dst: string
  ttl: number
  protocol: number
  payload: Buffer
}

/** IANA protocol number for VRRP (RFC 5798 §5.1.1.4). */
export const VRRP_PROTOCOL = 112
/** RFC 5798 §5.1.1.3: sent with TTL 255, and received packets with another TTL are discarded (§7.1). */
export const VRRP_TTL = 255

/** RFC 5798 §5.2.2: the only type defined is ADVERTISEMENT. */
const TYPE_ADVERTISEMENT = 1
const HEADER_LENGTH = 8
/** RFC 3768 §5.3.10: v2 always carries 8 bytes of authentication data after the addresses. */
const V2_AUTH_DATA_LENGTH = 8
const AUTH_TYPE_NONE = 0
const AUTH_TYPE_SIMPLE = 1

function requireInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`VRRP ${name} ${value} is out of range ${min}..${max}`)
  }
}

function requireIpv4(name: string, value: string): void {
  if (!isIpv4(value)) throw new RangeError(`${name} "${value}" is not an IPv4 address`)
}

/** RFC 5798 §5.2.8: IPv4 pseudo-header (src, dst, zero, protocol, VRRP length). */
function pseudoHeader(ip: Ipv4Pair, length: number): Buffer {
  const b = Buffer.alloc(12)
  ipv4ToBytes(ip.src).copy(b, 0)
  ipv4ToBytes(ip.dst).copy(b, 4)
  b[9] = VRRP_PROTOCOL
  b.writeUInt16BE(length, 10)
  return b
}

function vrrpChecksum(version: VrrpVersion, message: Buffer, ip: Ipv4Pair): number {
  // v2 (RFC 3768 §5.3.8): over the VRRP message only. v3 (RFC 5798 §5.2.8): with pseudo-header.
  return version === 2 ? internetChecksum(message) : internetChecksum(pseudoHeader(ip, message.length), message)
}

function expectedLength(version: VrrpVersion, count: number): number {
  return HEADER_LENGTH + 4 * count + (version === 2 ? V2_AUTH_DATA_LENGTH : 0)
}

/** Build the VRRP payload (no IP header), checksum included. */
export function encodeAdvert(a: VrrpAdvert, ip: Ipv4Pair): Buffer {
  if (a.version !== 2 && a.version !== 3) throw new RangeError(`VRRP version ${String(a.version)} is not 2 or 3`)
  requireInt('vrid', a.vrid, 1, 255)
  requireInt('priority', a.priority, 0, 255)
  requireInt('address count', a.addresses.length, 0, 255)
  if (a.version === 2) requireInt('v2 advert interval (s)', a.advertInterval, 1, 255)
  else requireInt('v3 max advert interval (cs)', a.advertInterval, 1, 0xfff)
  a.addresses.forEach((addr, i) => requireIpv4(`VRRP address ${i}`, addr))
  if (a.version === 3) {
    requireIpv4('IP source', ip.src)
    requireIpv4('IP destination', ip.dst)
  }

  const buf = Buffer.alloc(expectedLength(a.version, a.addresses.length))
  buf[0] = (a.version << 4) | TYPE_ADVERTISEMENT
  buf[1] = a.vrid
  buf[2] = a.priority
  buf[3] = a.addresses.length
  if (a.version === 2) {
    const authType = a.authType ?? (a.authData ? AUTH_TYPE_SIMPLE : AUTH_TYPE_NONE)
    buf[4] = authType
    buf[5] = a.advertInterval
    a.addresses.forEach((addr, i) => ipv4ToBytes(addr).copy(buf, HEADER_LENGTH + 4 * i))
    if (authType === AUTH_TYPE_SIMPLE) {
      const text = a.authData ?? ''
      if (/[^\x00-\xff]/.test(text)) throw new RangeError('VRRP v2 password must be given as wire bytes (latin1 characters); convert it with passwordWireBytes()')
      const secret = Buffer.from(text, 'latin1')
      if (secret.length > V2_AUTH_DATA_LENGTH) {
        throw new RangeError(`VRRP v2 password is ${secret.length} bytes; at most ${V2_AUTH_DATA_LENGTH} fit (RFC 3768 §5.3.10)`)
      }
      // Shorter passwords are zero padded, as keepalived does.
      secret.copy(buf, HEADER_LENGTH + 4 * a.addresses.length)
    }
  } else {
    // RFC 5798 §5.2.6/§5.2.7: 4 reserved bits (zero) then the 12-bit Max Advert Int.
    buf.writeUInt16BE(a.advertInterval & 0xfff, 4)
    a.addresses.forEach((addr, i) => ipv4ToBytes(addr).copy(buf, HEADER_LENGTH + 4 * i))
  }
  buf.writeUInt16BE(vrrpChecksum(a.version, buf, ip), 6)
  return buf
}

/** Parse and check a VRRP payload (no IP header). `ip` is used for the v3 checksum. */
export function decodeAdvert(payload: Buffer, ip: Ipv4Pair): VrrpAdvert {
  if (payload.length < HEADER_LENGTH) {
    throw new VrrpDecodeError('too-short', `VRRP packet of ${payload.length} bytes is shorter than the ${HEADER_LENGTH}-byte header`)
  }
  const first = payload[0] as number
  const version = first >> 4
  if (version !== 2 && version !== 3) {
    throw new VrrpDecodeError('bad-version', `VRRP version ${version} is not supported (expected 2 or 3)`)
  }
  const type = first & 0x0f
  if (type !== TYPE_ADVERTISEMENT) {
    throw new VrrpDecodeError('bad-type', `VRRP type ${type} is not ADVERTISEMENT (1)`)
  }
  const vrid = payload[1] as number
  if (vrid === 0) throw new VrrpDecodeError('bad-vrid', 'VRRP router id 0 is invalid (range 1..255)')
  const priority = payload[2] as number
  const count = payload[3] as number
  const want = expectedLength(version, count)
  if (payload.length < want) {
    throw new VrrpDecodeError(
      'bad-address-count',
      `VRRP header announces ${count} addresses (${want} bytes) but the packet has only ${payload.length} bytes`
    )
  }
  if (payload.length > want) {
    throw new VrrpDecodeError('bad-length', `VRRP packet has ${payload.length} bytes; ${count} addresses make ${want}`)
  }
  if (version === 3 && (!isIpv4(ip.src) || !isIpv4(ip.dst))) {
    throw new VrrpDecodeError('bad-ip-header', `IP addresses ${ip.src} -> ${ip.dst} cannot form a VRRPv3 pseudo-header`)
  }
  const checksum = vrrpChecksum(version, payload, ip)
  // Verifying: the sum over a message that includes its own checksum is 0 (RFC 1071).
  if (checksum !== 0) {
    throw new VrrpDecodeError('bad-checksum', `VRRPv${version} checksum 0x${payload.readUInt16BE(6).toString(16)} does not match the packet`)
  }
  const addresses: string[] = []
  for (let i = 0; i < count; i++) addresses.push(bytesToIpv4(payload, HEADER_LENGTH + 4 * i))

  if (version === 2) {
    const authType = payload[4] as number
    const advertInterval = payload[5] as number
    if (advertInterval === 0) throw new VrrpDecodeError('bad-interval', 'VRRPv2 advert interval 0 s is invalid')
    if (authType === AUTH_TYPE_NONE) return { version, vrid, priority, advertInterval, addresses, authType: 0 }
    if (authType !== AUTH_TYPE_SIMPLE) {
      throw new VrrpDecodeError('bad-auth', `VRRPv2 authentication type ${authType} is not supported (0 none, 1 simple password)`)
    }
    const raw = payload.subarray(HEADER_LENGTH + 4 * count, HEADER_LENGTH + 4 * count + V2_AUTH_DATA_LENGTH)
    const end = raw.indexOf(0)
    const authData = raw.subarray(0, end === -1 ? raw.length : end).toString('latin1')
    return { version, vrid, priority, advertInterval, addresses, authType: 1, authData }
  }
  const advertInterval = payload.readUInt16BE(4) & 0xfff
  if (advertInterval === 0) throw new VrrpDecodeError('bad-interval', 'VRRPv3 max advert interval 0 cs is invalid')
  return { version, vrid, priority, advertInterval, addresses }
}

/** Parse an IPv4 datagram as read from a raw socket (Linux delivers the header in network order). */
export function decodeIpv4(datagram: Buffer): Ipv4Packet {
  if (datagram.length < 20) {
    throw new VrrpDecodeError('bad-ip-header', `IPv4 datagram of ${datagram.length} bytes is shorter than the 20-byte header`)
  }
  const first = datagram[0] as number
  if (first >> 4 !== 4) throw new VrrpDecodeError('bad-ip-header', `IP version ${first >> 4} is not 4`)
  const headerLength = (first & 0x0f) * 4
  if (headerLength < 20 || headerLength > datagram.length) {
    throw new VrrpDecodeError('bad-ip-header', `IPv4 header length ${headerLength} is invalid for a ${datagram.length}-byte datagram`)
  }
  const totalLength = datagram.readUInt16BE(2)
  if (totalLength < headerLength || totalLength > datagram.length) {
    throw new VrrpDecodeError('bad-ip-header', `IPv4 total length ${totalLength} does not fit the ${datagram.length} bytes received`)
  }
  if (internetChecksum(datagram.subarray(0, headerLength)) !== 0) {
    throw new VrrpDecodeError('bad-ip-header', 'IPv4 header checksum does not match')
  }
  const flagsFragment = datagram.readUInt16BE(6)
  if ((flagsFragment & 0x2000) !== 0 || (flagsFragment & 0x1fff) !== 0) {
    throw new VrrpDecodeError('bad-ip-header', 'IPv4 fragment received; VRRP adverts are never fragmented')
  }
  return {
    src: bytesToIpv4(datagram, 12),
    dst: bytesToIpv4(datagram, 16),
    ttl: datagram[8] as number,
    protocol: datagram[9] as number,
    payload: datagram.subarray(headerLength, totalLength)
  }
}

/** Full 20-byte IPv4 header (no options) + payload, for IP_HDRINCL sockets. */
export function encodeIpv4(p: { src: string; dst: string; ttl: number; protocol: number; id?: number; payload: Buffer }): Buffer {
  requireIpv4('IP source', p.src)
  requireIpv4('IP destination', p.dst)
  requireInt('IP TTL', p.ttl, 0, 255)
  requireInt('IP protocol', p.protocol, 0, 255)
  requireInt('IP id', p.id ?? 0, 0, 0xffff)
  const total = 20 + p.payload.length
  requireInt('IP total length', total, 20, 0xffff)
  const b = Buffer.alloc(total)
  b[0] = 0x45 // version 4, IHL 5
  b[1] = 0xc0 // DSCP CS6 "network control", as keepalived sends VRRP
  b.writeUInt16BE(total, 2)
  b.writeUInt16BE(p.id ?? 0, 4)
  b.writeUInt16BE(0, 6) // no fragmentation flags, like keepalived
  b[8] = p.ttl
  b[9] = p.protocol
  ipv4ToBytes(p.src).copy(b, 12)
  ipv4ToBytes(p.dst).copy(b, 16)
  b.writeUInt16BE(internetChecksum(b.subarray(0, 20)), 10)
  p.payload.copy(b, 20)
  return b
}

/** IP datagram -> VRRP advert, with the receive checks of RFC 5798 §7.1 (protocol 112, TTL 255). */
export function decodeVrrpDatagram(datagram: Buffer): { ip: Ipv4Packet; advert: VrrpAdvert } {
  const ip = decodeIpv4(datagram)
  if (ip.protocol !== VRRP_PROTOCOL) {
    throw new VrrpDecodeError('bad-protocol', `IP protocol ${ip.protocol} is not VRRP (${VRRP_PROTOCOL})`)
  }
  if (ip.ttl !== VRRP_TTL) {
    throw new VrrpDecodeError('bad-ttl', `VRRP packet from ${ip.src} has TTL ${ip.ttl}, not 255: it crossed a router and is discarded (RFC 5798 §7.1)`)
  }
  return { ip, advert: decodeAdvert(ip.payload, ip) }
}
