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
  /** v2 simple password, up to 8 bytes */
  authData?: string
}
export interface Ipv4Pair { src: string; dst: string }
export type VrrpDecodeErrorCode = 'too-short' | 'bad-version' | 'bad-type' | 'bad-checksum' | 'bad-address-count' | 'bad-length' | 'bad-ttl' | 'bad-protocol' | 'bad-ip-header' | 'bad-auth' | 'bad-vrid' | 'bad-interval'
export class VrrpDecodeError extends Error {
  constructor(readonly code: VrrpDecodeErrorCode, message: string) {
    super(message)
    this.name = 'VrrpDecodeError'
  }
}
export interface Ipv4Packet { src: string; dst: string; ttl: number; protocol: number; payload: Buffer }
export function encodeAdvert(_a: VrrpAdvert, _ip: Ipv4Pair): Buffer { throw new Error('not implemented yet') }
export function decodeAdvert(_payload: Buffer, _ip: Ipv4Pair): VrrpAdvert { throw new Error('not implemented yet') }
export function decodeIpv4(_datagram: Buffer): Ipv4Packet { throw new Error('not implemented yet') }
export function encodeIpv4(_p: { src: string; dst: string; ttl: number; protocol: number; id?: number; payload: Buffer }): Buffer { throw new Error('not implemented yet') }
export function decodeVrrpDatagram(_datagram: Buffer): { ip: Ipv4Packet; advert: VrrpAdvert } { throw new Error('not implemented yet') }
