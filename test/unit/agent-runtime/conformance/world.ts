/**
 * The world around one real Instance in the conformance tests: a fake clock, a transport that
 * puts every advert through the real codec (an IPv4 datagram with TTL 255, decoded again as a
 * receiver would), an OS layer that records VIP and gratuitous-ARP calls, and a notify sink.
 * Everything the instance does lands in one trace of lines "<ms> <what>", in the order it did it:
 *   <ms> state FROM->TO      a transition (the event the control socket streams)
 *   <ms> advert PRIORITY     an advert on the wire
 *   <ms> vip+ ADDR / vip- ADDR   the VIP added / removed
 *   <ms> garp ADDR           one gratuitous ARP
 *   <ms> notify STATE        a notify hook run (MASTER, BACKUP, FAULT, STOP)
 */
import type { InstanceConfig, VipConfig } from '../../../../agent/config/model'
import { Instance, type AgentEvent, type NotifySink } from '../../../../agent/instance'
import { createLogger } from '../../../../agent/log'
import { newCounters, VRRP_MULTICAST_GROUP, type AdvertListener, type VrrpTransport } from '../../../../agent/net/transport'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from '../../../../agent/os/os-adapter'
import { decodeVrrpDatagram, encodeAdvert, encodeIpv4, type VrrpAdvert } from '../../../../agent/vrrp/packet'
import type { NotifyState } from '../../../../agent/track/notify'
import { FakeScheduler } from '../fake-scheduler'

export const SELF = '198.51.100.12'
export const VIP = '198.51.100.250'

export class Trace {
  readonly lines: string[] = []
  constructor(private readonly clock: FakeScheduler) {}
  add(what: string): void {
    this.lines.push(`${this.clock.now()} ${what}`)
  }
  /** Lines added since `from` (an earlier length). */
  since(from: number): string[] {
    return this.lines.slice(from)
  }
}

/** Sends through the real codec: what a receiver on the wire would decode is what the trace shows. */
export class WireTransport implements VrrpTransport {
  readonly kind = 'raw' as const
  readonly interoperable = true
  readonly wire: VrrpAdvert[] = []
  private listener?: AdvertListener
  constructor(private readonly trace: Trace, private readonly src: string, private readonly peers: string[]) {}
  async start(): Promise<void> {}
  async send(a: VrrpAdvert): Promise<void> {
    for (const dst of this.peers.length > 0 ? this.peers : [VRRP_MULTICAST_GROUP]) {
      const datagram = encodeIpv4({ src: this.src, dst, ttl: 255, protocol: 112, payload: encodeAdvert(a, { src: this.src, dst }) })
      const { advert } = decodeVrrpDatagram(datagram)
      this.wire.push(advert)
    }
    this.trace.add(`advert ${a.priority}`)
  }
  /** An advert arriving from `src`, as the real transports deliver one after decoding. */
  deliver(src: string, a: VrrpAdvert): void {
    const dst = this.peers.length > 0 ? this.src : VRRP_MULTICAST_GROUP
    const { ip, advert } = decodeVrrpDatagram(encodeIpv4({ src, dst, ttl: 255, protocol: 112, payload: encodeAdvert(a, { src, dst }) }))
    this.listener?.({ src: ip.src, dst: ip.dst, advert })
  }
  onAdvert(l: AdvertListener): void {
    this.listener = l
  }
  counters() {
    return newCounters()
  }
  async close(): Promise<void> {}
}

export class RecordingOs implements OsAdapter {
  readonly held = new Set<string>()
  constructor(private readonly trace: Trace) {}
  async addVip(v: VipConfig): Promise<void> {
    this.trace.add(`vip+ ${v.address}`)
    this.held.add(v.address)
  }
  async removeVip(v: VipConfig): Promise<void> {
    this.trace.add(`vip- ${v.address}`)
    this.held.delete(v.address)
  }
  async listAddresses(): Promise<HeldAddress[]> {
    return []
  }
  async interfaceState(): Promise<InterfaceState> {
    return { exists: true, up: true, index: 1, addresses: [SELF] }
  }
  async sendGarp(address: string): Promise<void> {
    this.trace.add(`garp ${address}`)
  }
  async garpSupport(): Promise<GarpSupport> {
    return { ok: true, detail: 'recording' }
  }
}

export class RecordingNotifier implements NotifySink {
  constructor(private readonly trace: Trace) {}
  notify(state: NotifyState): void {
    this.trace.add(`notify ${state}`)
  }
  async drain(): Promise<void> {}
}

/** v3 every 100 ms, priority 100, multicast, two gratuitous ARPs per burst and a second burst after 1 s. */
export function baseConfig(over: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    name: 'VI_1', interface: 'eth0', vrid: 51, version: 3, priority: 100, advertIntervalMs: 100, preempt: true, preemptDelayMs: 0,
    unicastPeers: [], vips: [{ address: VIP, prefix: 24 }], trackInterfaces: [], trackScripts: [], notify: {},
    garp: { masterDelayMs: 1000, masterRepeat: 2, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 },
    ...over
  }
}

export interface World {
  clock: FakeScheduler
  trace: Trace
  transport: WireTransport
  os: RecordingOs
  inst: Instance
  events: AgentEvent[]
  /** The node's local hour the instance reads (failback window); tests set it. */
  hour: number
}

export function makeWorld(cfg: InstanceConfig, hour = 12): World {
  const clock = new FakeScheduler()
  const trace = new Trace(clock)
  const transport = new WireTransport(trace, cfg.unicastSrcIp ?? SELF, cfg.unicastPeers)
  const os = new RecordingOs(trace)
  const inst = new Instance(cfg, {
    transport, os, logger: createLogger({ stderr: false }), primaryAddress: cfg.unicastSrcIp ?? SELF,
    scheduler: clock, notifier: new RecordingNotifier(trace), localHour: () => world.hour
  })
  const events: AgentEvent[] = []
  inst.on('event', (e: AgentEvent) => {
    events.push(e)
    if (e.type === 'transition') trace.add(`state ${e.from}->${e.to}`)
  })
  const world: World = { clock, trace, transport, os, inst, events, hour }
  return world
}
