/**
 * VRRP adverts carried in UDP datagrams, for hosts where raw sockets are unavailable
 * (no CAP_NET_RAW, some containers). The payload is the same VRRP message, but keepalived
 * only speaks IP protocol 112, so this transport is NOT interoperable with keepalived:
 * every node of the cluster must run havip-agent with "transport": "udp" and the same port.
 *
 * TTL: adverts are sent with TTL 255 and, as on the raw transport, a received advert with any
 * other TTL is dropped (RFC 5798 §5.1.1.3, §7.1): it did not come from this link. Node's dgram
 * cannot report a datagram's TTL, so where the agent may open raw sockets (root, as in a cloud
 * network that filters protocol 112) a raw IPv4 socket for protocol 17 taps the same datagrams
 * with their IP header and the adverts are taken from it; the bound UDP socket then only holds
 * the port. Without raw sockets the TTL cannot be read, and status says so.
 */
import dgram from 'node:dgram'
import { decodeAdvert, decodeIpv4, encodeAdvert, VrrpDecodeError, type VrrpAdvert } from '../vrrp/packet'
import { loadRawSocket, ResilientRawSocket } from './raw-socket-loader'
import {
  countBad, destinations, newCounters, VRRP_MULTICAST_GROUP, VRRP_TTL,
  type AdvertListener, type TransportCounters, type TransportOptions, type VrrpTransport
} from './transport'

export const UDP_INTEROP_NOTE = 'udp transport: not interoperable with keepalived (keepalived only speaks IP protocol 112)'
export const UDP_TTL_UNCHECKED_NOTE = 'the TTL of received adverts is not checked (reading it needs a raw socket: run the agent as root or with CAP_NET_RAW)'
const IPPROTO_UDP = 17

/**
 * One UDP socket per (address, port), shared by every instance using it: with SO_REUSEADDR a
 * unicast datagram reaches only one of several sockets, so separate sockets per instance would
 * starve all but one. Each instance filters by VRID itself.
 */
type DatagramListener = (msg: Buffer, src: string, ttl: number | undefined) => void

interface SharedSocket {
  sock: dgram.Socket
  listeners: Set<DatagramListener>
  memberships: Set<string>
  /** Raw protocol-17 socket that sees the same datagrams with their IP header (TTL); absent without CAP_NET_RAW. */
  ttlTap?: ResilientRawSocket
}

/** The UDP datagram for `address`:`port` inside a raw IPv4 packet, with its source and TTL; undefined if it is another one. */
function tapped(buf: Buffer, address: string, port: number): { msg: Buffer; src: string; ttl: number } | undefined {
  let ip: ReturnType<typeof decodeIpv4>
  try {
    ip = decodeIpv4(buf)
  } catch {
    return undefined
  }
  if (ip.protocol !== IPPROTO_UDP || ip.payload.length < 8) return undefined
  if (ip.payload.readUInt16BE(2) !== port) return undefined
  if (address !== '0.0.0.0' && ip.dst !== address) return undefined
  const udpLength = ip.payload.readUInt16BE(4)
  if (udpLength < 8 || udpLength > ip.payload.length) return undefined
  return { msg: ip.payload.subarray(8, udpLength), src: ip.src, ttl: ip.ttl }
}

async function openTtlTap(entry: SharedSocket, address: string, port: number): Promise<void> {
  try {
    const raw = await loadRawSocket()
    const tap = new ResilientRawSocket(raw, {
      protocol: IPPROTO_UDP,
      bufferSize: 2048,
      configure: () => {},
      onMessage: (buf) => {
        const d = tapped(buf, address, port)
        if (d) for (const l of entry.listeners) l(d.msg, d.src, d.ttl)
      },
      onReopen: () => {}
    })
    tap.open()
    entry.ttlTap = tap
  } catch {
    // No raw sockets here (no CAP_NET_RAW, or no native binding): adverts come from the UDP socket, TTL unchecked.
  }
}

const shared = new Map<string, SharedSocket>()

async function acquire(address: string, port: number): Promise<SharedSocket> {
  const key = `${address}:${port}`
  const have = shared.get(key)
  if (have) return have
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind({ port, address }, () => {
      sock.off('error', reject)
      resolve()
    })
  }).catch((err: Error) => {
    sock.close()
    throw new Error(`cannot bind UDP port ${address}:${port} for VRRP (${err.message}); choose another "udpPort"`)
  })
  const entry: SharedSocket = { sock, listeners: new Set(), memberships: new Set() }
  shared.set(key, entry)
  await openTtlTap(entry, address, port)
  sock.on('message', (msg, rinfo) => {
    if (entry.ttlTap) return // the tap delivers this datagram, with its TTL
    for (const l of entry.listeners) l(msg, rinfo.address, undefined)
  })
  return entry
}

function release(address: string, port: number, listener: DatagramListener): Promise<void> {
  const key = `${address}:${port}`
  const entry = shared.get(key)
  if (!entry) return Promise.resolve()
  entry.listeners.delete(listener)
  if (entry.listeners.size > 0) return Promise.resolve()
  shared.delete(key)
  entry.ttlTap?.close()
  return new Promise((resolve) => entry.sock.close(() => resolve()))
}

export class UdpVrrpTransport implements VrrpTransport {
  readonly kind = 'udp' as const
  readonly interoperable = false
  get note(): string {
    return this.entry && !this.entry.ttlTap ? `${UDP_INTEROP_NOTE}; ${UDP_TTL_UNCHECKED_NOTE}` : UDP_INTEROP_NOTE
  }
  private entry?: SharedSocket
  private bound?: string
  private listeners: AdvertListener[] = []
  private readonly stats = newCounters()
  private readonly onMessage: DatagramListener = (msg, src, ttl) => this.onDatagram(msg, src, ttl)
  onError: (err: Error) => void = () => {}

  constructor(private readonly opts: TransportOptions & { port: number; bindAddress?: string }) {}

  private get multicast(): boolean {
    return this.opts.peers.length === 0
  }

  async start(): Promise<void> {
    // Multicast datagrams are delivered only to sockets bound to the wildcard (or the group).
    const address = this.opts.bindAddress ?? (this.multicast ? '0.0.0.0' : this.opts.sourceAddress)
    const entry = await acquire(address, this.opts.port)
    entry.listeners.add(this.onMessage)
    this.entry = entry
    this.bound = address
    if (!entry.sock.listenerCount('error')) {
      entry.sock.on('error', (err) => this.onError(new Error(`UDP VRRP socket on port ${this.opts.port} failed: ${err.message}`)))
    }
    if (this.multicast) {
      if (!entry.memberships.has(this.opts.sourceAddress)) {
        entry.sock.addMembership(VRRP_MULTICAST_GROUP, this.opts.sourceAddress)
        entry.memberships.add(this.opts.sourceAddress)
      }
      entry.sock.setMulticastInterface(this.opts.sourceAddress)
      entry.sock.setMulticastLoopback(false)
      entry.sock.setMulticastTTL(255)
    } else {
      entry.sock.setTTL(255)
    }
  }

  private onDatagram(msg: Buffer, src: string, ttl: number | undefined): void {
    if (src === this.opts.sourceAddress) {
      this.stats.ownDropped++
      return
    }
    // RFC 5798 §5.1.1.3 / §7.1: an advert that crossed a router (TTL below 255) is not from this link.
    if (ttl !== undefined && ttl !== VRRP_TTL) {
      countBad(this.stats, 'bad-ttl')
      return
    }
    const dst = this.multicast ? VRRP_MULTICAST_GROUP : this.opts.sourceAddress
    let advert: VrrpAdvert
    try {
      advert = decodeAdvert(msg, { src, dst })
    } catch (err) {
      countBad(this.stats, err instanceof VrrpDecodeError ? err.code : 'internal')
      return
    }
    this.stats.received++
    for (const l of this.listeners) l({ src, dst, advert })
  }

  async send(advert: VrrpAdvert): Promise<void> {
    const sock = this.entry?.sock
    if (!sock) throw new Error('UDP VRRP transport is not started')
    const failures: string[] = []
    for (const dst of destinations(this.opts)) {
      const payload = encodeAdvert(advert, { src: this.opts.sourceAddress, dst })
      try {
        await new Promise<void>((resolve, reject) => sock.send(payload, this.opts.port, dst, (err) => (err ? reject(err) : resolve())))
        this.stats.sent++
      } catch (err) {
        this.stats.sendErrors++
        failures.push(`${dst}: ${(err as Error).message}`)
      }
    }
    if (failures.length > 0) throw new Error(`sending VRRP advert over UDP failed for ${failures.join('; ')}`)
  }

  onAdvert(listener: AdvertListener): void {
    this.listeners.push(listener)
  }

  counters(): TransportCounters {
    return { ...this.stats, bad: { ...this.stats.bad } }
  }

  async close(): Promise<void> {
    if (!this.entry || !this.bound) return
    this.entry = undefined
    await release(this.bound, this.opts.port, this.onMessage)
  }
}
