/**
 * VRRP over IP protocol 112 on a raw IPv4 socket: the transport keepalived speaks.
 *
 * - Receive: a raw IPv4 socket hands us the whole datagram including the IP header, so
 *   decodeVrrpDatagram can check TTL 255 and protocol 112 (RFC 5798 §7.1) before the payload.
 * - Send: IP_HDRINCL, so we write the IP header ourselves: the source address is exactly
 *   unicast_src_ip (or the interface's primary address, RFC 5798 §5.1.1.1) and TTL is 255
 *   (§5.1.1.3). Unicast adverts go to each peer; otherwise to 224.0.0.18 (§5.1.1.2).
 * - The socket is bound to the interface (SO_BINDTODEVICE) so adverts seen on other
 *   interfaces are never mistaken for ours; for multicast we join 224.0.0.18 on it.
 * - On Windows the same socket with Windows' option numbers and structs, the interface named by
 *   its address, and received adverts filtered by destination instead of SO_BINDTODEVICE
 *   (raw-socket-options.ts; untested on a real Windows node).
 */
import { readFileSync } from 'node:fs'
import { decodeVrrpDatagram, encodeAdvert, encodeIpv4, VrrpDecodeError, type VrrpAdvert } from '../vrrp/packet'
import { loadRawSocket, ResilientRawSocket, setOptionBuffer, type RawSocket } from './raw-socket-loader'
import { acceptsDestination, rawVrrpOptions, type RawPlatform } from './raw-socket-options'
import {
  countBad, destinations, newCounters, VRRP_IP_PROTOCOL, VRRP_MULTICAST_GROUP, VRRP_TTL,
  type AdvertListener, type TransportCounters, type TransportOptions, type VrrpTransport
} from './transport'

export function readIfIndex(dev: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8').trim())
  } catch {
    throw new Error(`interface "${dev}" does not exist on this host (no /sys/class/net/${dev}); check the instance's "interface" setting`)
  }
}


export class RawVrrpTransport implements VrrpTransport {
  readonly kind = 'raw' as const
  readonly interoperable = true
  private sock?: ResilientRawSocket
  private listeners: AdvertListener[] = []
  private readonly stats = newCounters()
  private ipId = Math.floor(Math.random() * 0xffff)
  private lastReopenReport = 0
  onError: (err: Error) => void = () => {}

  private readonly platform: RawPlatform

  constructor(private readonly opts: TransportOptions, platform: NodeJS.Platform = process.platform) {
    this.platform = platform === 'win32' ? 'win32' : 'linux'
  }

  async start(): Promise<void> {
    const raw = await loadRawSocket()
    const multicastGroup = this.opts.peers.length === 0 ? VRRP_MULTICAST_GROUP : undefined
    const options = rawVrrpOptions(this.platform, {
      interface: this.opts.interface,
      // Linux names the interface by index (/sys); Windows by its address.
      ifIndex: this.platform === 'linux' ? readIfIndex(this.opts.interface) : undefined,
      ifAddress: this.opts.sourceAddress,
      multicastGroup
    })
    const configure = (sock: RawSocket): void => {
      for (const o of options) {
        if (typeof o.value === 'number') sock.setOption(o.level, o.option, o.value)
        else setOptionBuffer(sock, o.level, o.option, o.value)
      }
    }
    const sock = new ResilientRawSocket(raw, {
      protocol: VRRP_IP_PROTOCOL,
      bufferSize: 2048,
      configure,
      onMessage: (buf) => this.onDatagram(buf),
      onReopen: (err) => {
        this.stats.socketReopens = sock.reopens
        // A stopped unicast peer answers every advert with an ICMP error: report once per 30 s, not each time.
        const now = Date.now()
        if (now - this.lastReopenReport < 30_000) return
        this.lastReopenReport = now
        this.onError(new Error(`raw VRRP socket on ${this.opts.interface} reported "${err.message}" (usually an ICMP error from a peer not running VRRP); reopened it`))
      }
    })
    try {
      sock.open()
    } catch (err) {
      throw new Error(`cannot open a raw IP socket for VRRP on ${this.opts.interface} (${(err as Error).message}); ${this.platform === 'win32' ? 'the agent must run elevated (as the HAVIP service, LocalSystem)' : 'the agent needs root or CAP_NET_RAW'}`)
    }
    this.sock = sock
  }

  private onDatagram(buf: Buffer): void {
    let decoded: ReturnType<typeof decodeVrrpDatagram>
    try {
      decoded = decodeVrrpDatagram(buf)
    } catch (err) {
      if (err instanceof VrrpDecodeError) countBad(this.stats, err.code)
      else countBad(this.stats, 'internal')
      return
    }
    if (!acceptsDestination(this.platform, decoded.ip.dst, this.opts.sourceAddress, this.opts.peers.length === 0 ? VRRP_MULTICAST_GROUP : undefined)) return
    if (decoded.ip.src === this.opts.sourceAddress) {
      this.stats.ownDropped++
      return
    }
    this.stats.received++
    const r = { src: decoded.ip.src, dst: decoded.ip.dst, advert: decoded.advert }
    for (const l of this.listeners) l(r)
  }

  async send(advert: VrrpAdvert): Promise<void> {
    const sock = this.sock
    if (!sock) throw new Error('raw VRRP transport is not started')
    const failures: string[] = []
    for (const dst of destinations(this.opts)) {
      // The v3 checksum covers a pseudo-header with src and dst (RFC 5798 §5.2.8): one encode per destination.
      const payload = encodeAdvert(advert, { src: this.opts.sourceAddress, dst })
      this.ipId = (this.ipId + 1) & 0xffff
      const datagram = encodeIpv4({ src: this.opts.sourceAddress, dst, ttl: VRRP_TTL, protocol: VRRP_IP_PROTOCOL, id: this.ipId, payload })
      try {
        await sock.send(datagram, dst)
        this.stats.sent++
      } catch (err) {
        this.stats.sendErrors++
        failures.push(`${dst}: ${(err as Error).message}`)
      }
    }
    if (failures.length > 0) throw new Error(`sending VRRP advert from ${this.opts.sourceAddress} failed for ${failures.join('; ')}`)
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
    if (sock) sock.close()
  }
}
