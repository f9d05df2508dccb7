/**
 * VRRP adverts carried in UDP datagrams, for hosts where raw sockets are unavailable
 * (no CAP_NET_RAW, some containers). The payload is the same VRRP message, but keepalived
 * only speaks IP protocol 112, so this transport is NOT interoperable with keepalived:
 * every node of the cluster must run havip-agent with "transport": "udp" and the same port.
 */
import dgram from 'node:dgram'
import { decodeAdvert, encodeAdvert, VrrpDecodeError, type VrrpAdvert } from '../vrrp/packet'
import {
  countBad, destinations, newCounters, VRRP_MULTICAST_GROUP,
  type AdvertListener, type TransportCounters, type TransportOptions, type VrrpTransport
} from './transport'

export const UDP_INTEROP_NOTE = 'udp transport: not interoperable with keepalived (keepalived only speaks IP protocol 112)'

/**
 * One UDP socket per (address, port), shared by every instance using it: with SO_REUSEADDR a
 * unicast datagram reaches only one of several sockets, so separate sockets per instance would
 * starve all but one. Each instance filters by VRID itself.
 */
interface SharedSocket {
  sock: dgram.Socket
  listeners: Set<(msg: Buffer, src: string) => void>
  memberships: Set<string>
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
  sock.on('message', (msg, rinfo) => {
    for (const l of entry.listeners) l(msg, rinfo.address)
  })
  shared.set(key, entry)
  return entry
}

function release(address: string, port: number, listener: (msg: Buffer, src: string) => void): Promise<void> {
  const key = `${address}:${port}`
  const entry = shared.get(key)
  if (!entry) return Promise.resolve()
  entry.listeners.delete(listener)
  if (entry.listeners.size > 0) return Promise.resolve()
  shared.delete(key)
  return new Promise((resolve) => entry.sock.close(() => resolve()))
}

export class UdpVrrpTransport implements VrrpTransport {
  readonly kind = 'udp' as const
  readonly interoperable = false
  readonly note = UDP_INTEROP_NOTE
  private entry?: SharedSocket
  private bound?: string
  private listeners: AdvertListener[] = []
  private readonly stats = newCounters()
  private readonly onMessage = (msg: Buffer, src: string): void => this.onDatagram(msg, src)
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

  private onDatagram(msg: Buffer, src: string): void {
    if (src === this.opts.sourceAddress) {
      this.stats.ownDropped++
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
