/**
 * One interface for every way the agent exchanges VRRP adverts. The instance driver
 * neither knows nor cares whether adverts travel as IP protocol 112 (interoperable with
 * keepalived) or inside UDP datagrams (for hosts where raw sockets are unavailable).
 */
import type { VrrpAdvert, VrrpDecodeErrorCode } from '../vrrp/packet'

/** 224.0.0.18, the VRRP multicast group (RFC 5798 §5.1.1.2). */
export const VRRP_MULTICAST_GROUP = '224.0.0.18'
/** IP protocol number assigned to VRRP (RFC 5798 §5.1.1.4). */
export const VRRP_IP_PROTOCOL = 112
/** Adverts are sent with TTL 255 and receivers drop anything else (RFC 5798 §5.1.1.3). */
export const VRRP_TTL = 255

export interface ReceivedAdvert {
  /** Source address from the IP header: the sender's primary (or unicast_src_ip) address. */
  src: string
  dst: string
  advert: VrrpAdvert
}

export interface TransportCounters {
  sent: number
  received: number
  /** Datagrams that failed to decode, by decode error code (plus 'auth-mismatch' etc. added by the driver). */
  bad: Record<string, number>
  sendErrors: number
  /** Our own adverts seen again (multicast loopback) and dropped. */
  ownDropped: number
  /** Times the socket was reopened after a socket error (raw transport). */
  socketReopens: number
}

export interface TransportOptions {
  /** Interface the adverts leave from and arrive on. */
  interface: string
  /** Source address of sent adverts (unicast_src_ip or the interface's primary address). */
  sourceAddress: string
  /** Unicast peers; empty means multicast to 224.0.0.18. */
  peers: string[]
}

export type AdvertListener = (r: ReceivedAdvert) => void

export interface VrrpTransport {
  readonly kind: 'raw' | 'udp'
  /** false when keepalived cannot hear us (udp). */
  readonly interoperable: boolean
  /** Human note shown in status, e.g. the interop warning for udp. */
  readonly note?: string
  start(): Promise<void>
  /** Sends the advert to every peer (or the multicast group); resolves when all were handed to the kernel. */
  send(advert: VrrpAdvert): Promise<void>
  onAdvert(listener: AdvertListener): void
  /** Where socket errors that fail no particular send are reported (a reopened raw socket, a failed UDP socket). */
  onError?: (err: Error) => void
  counters(): TransportCounters
  close(): Promise<void>
}

export function newCounters(): TransportCounters {
  return { sent: 0, received: 0, bad: {}, sendErrors: 0, ownDropped: 0, socketReopens: 0 }
}

export function countBad(c: TransportCounters, code: VrrpDecodeErrorCode | string): void {
  c.bad[code] = (c.bad[code] ?? 0) + 1
}

/** Where adverts go: each unicast peer, or the multicast group. */
export function destinations(o: TransportOptions): string[] {
  return o.peers.length > 0 ? [...o.peers] : [VRRP_MULTICAST_GROUP]
}
