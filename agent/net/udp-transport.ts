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

export class UdpVrrpTransport implements VrrpTransport {
  readonly kind = 'udp' as const
  readonly interoperable = false
  readonly note = UDP_INTEROP_NOTE
  private sock?: dgram.Socket
  private listeners: AdvertListener[] = []
  private readonly stats = newCounters()
  onError: (err: Error) => void = () => {}

  constructor(private readonly opts: TransportOptions & { port: number; bindAddress?: string }) {}

  private get multicast(): boolean {
    return this.opts.peers.length === 0
  }

  async start(): Promise<void> {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true })
    sock.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address))
    sock.on('error', (err) => this.onError(new Error(`UDP VRRP socket on port ${this.opts.port} failed: ${err.message}`)))
    // Multicast datagrams are delivered only to sockets bound to the wildcard (or the group).
    const address = this.opts.bindAddress ?? (this.multicast ? '0.0.0.0' : this.opts.sourceAddress)
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind({ port: this.opts.port, address }, () => {
        sock.off('error', reject)
        resolve()
      })
    }).catch((err: Error) => {
      sock.close()
      throw new Error(`cannot bind UDP port ${address}:${this.opts.port} for VRRP (${err.message}); choose another "udpPort"`)
    })
    if (this.multicast) {
      sock.addMembership(VRRP_MULTICAST_GROUP, this.opts.sourceAddress)
      sock.setMulticastInterface(this.opts.sourceAddress)
      sock.setMulticastLoopback(false)
      sock.setMulticastTTL(255)
    } else {
      sock.setTTL(255)
    }
    this.sock = sock
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
    const sock = this.sock
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
    const sock = this.sock
    this.sock = undefined
    if (sock) await new Promise<void>((resolve) => sock.close(() => resolve()))
  }
}
