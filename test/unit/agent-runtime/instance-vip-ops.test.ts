/**
 * The instance driver's VIP and gratuitous-ARP ordering on becoming master, with the real
 * Instance and state machine on a fake clock. The transport and the OS layer are in-memory
 * stand-ins (the OS one lets the test hold `addVip` open to act while the add is in flight);
 * the real `ip` and `arping` are exercised by the lab tests.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { InstanceConfig, VipConfig } from '../../../agent/config/model'
import { Instance } from '../../../agent/instance'
import { createLogger } from '../../../agent/log'
import { newCounters, type AdvertListener, type VrrpTransport } from '../../../agent/net/transport'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from '../../../agent/os/os-adapter'
import type { VrrpAdvert } from '../../../agent/vrrp/packet'
import { FakeScheduler, settle } from './fake-scheduler'

const VIP = '198.51.100.250'

class MemoryTransport implements VrrpTransport {
  readonly kind = 'udp' as const
  readonly interoperable = false
  readonly sent: VrrpAdvert[] = []
  listener?: AdvertListener
  async start(): Promise<void> {}
  async send(a: VrrpAdvert): Promise<void> { this.sent.push(a) }
  onAdvert(l: AdvertListener): void { this.listener = l }
  counters() { return newCounters() }
  async close(): Promise<void> {}
}

/** addVip stays pending until release() so a test can act while the add is in flight. */
class GatedOs implements OsAdapter {
  readonly held = new Set<string>()
  readonly garps: string[] = []
  addCalls = 0
  private releases: (() => void)[] = []
  addVip(v: VipConfig): Promise<void> {
    this.addCalls++
    return new Promise((resolve) => this.releases.push(() => {
      this.held.add(v.address)
      resolve()
    }))
  }
  release(): void {
    for (const r of this.releases.splice(0)) r()
  }
  async removeVip(v: VipConfig): Promise<void> { this.held.delete(v.address) }
  async listAddresses(): Promise<HeldAddress[]> { return [] }
  async interfaceState(): Promise<InterfaceState> { return { exists: true, up: true, index: 1, addresses: [] } }
  async sendGarp(a: string): Promise<void> { this.garps.push(a) }
  async garpSupport(): Promise<GarpSupport> { return { ok: true, detail: 'memory' } }
}

function config(over: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    // v3 at 10 ms, priority 100: Master_Down_Interval is 30 ms, so the test becomes master quickly.
    name: 'VI_1', interface: 'eth0', vrid: 51, version: 3, priority: 100, advertIntervalMs: 10, preempt: true, preemptDelayMs: 0,
    unicastPeers: [], vips: [{ address: VIP, prefix: 24 }], trackInterfaces: [], trackScripts: [], notify: {},
    garp: { masterDelayMs: 0, masterRepeat: 3, masterRefreshMs: 20, masterRefreshRepeat: 1, intervalMs: 0 },
    ...over
  }
}

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s()
})

function newInstance(): { inst: Instance; os: GatedOs; transport: MemoryTransport; clock: FakeScheduler } {
  const os = new GatedOs()
  const transport = new MemoryTransport()
  const clock = new FakeScheduler()
  const inst = new Instance(config(), { transport, os, logger: createLogger({ stderr: false }), primaryAddress: '198.51.100.12', scheduler: clock })
  stops.push(async () => {
    os.release()
    await inst.stop()
  })
  return { inst, os, transport, clock }
}

/** Master_Down_Interval at 10 ms and priority 100: 3 x 10 ms + Skew_Time floor(156 x 1 / 256) cs = 30 ms. */
const MASTER_DOWN_MS = 30

describe('Instance: VIP add and gratuitous ARP on becoming master', () => {
  it('sends the first gratuitous ARP as soon as the add finishes, before any timer turn; the rest of the burst follows', async () => {
    const { inst, os, clock } = newInstance()
    inst.start()
    await clock.advance(MASTER_DOWN_MS)
    expect(os.addCalls).toBe(1)
    expect(inst.state).toBe('master')
    expect(os.garps).toEqual([]) // not before the address is there: arping cannot bind to it yet

    os.release()
    await settle() // promise callbacks only: the fake clock does not move, so no timer fires
    expect(os.held.has(VIP)).toBe(true)
    expect(os.garps).toEqual([VIP])

    await clock.advance(0) // the rest of the first burst (garp_interval 0)
    expect(os.garps).toEqual([VIP, VIP, VIP])
  })

  it('a demotion while the add is in flight ends with no VIP and no gratuitous ARP, now or later', async () => {
    const { inst, os, transport, clock } = newInstance()
    inst.start()
    await clock.advance(MASTER_DOWN_MS)
    expect(os.addCalls).toBe(1)

    // A higher-priority master appears (RFC 5798 §6.4.3): we go back to Backup while `ip addr add` still runs.
    transport.listener!({ src: '198.51.100.11', dst: '224.0.0.18', advert: { version: 3, vrid: 51, priority: 200, advertInterval: 1, addresses: [VIP] } })
    expect(inst.state).toBe('backup')

    os.release()
    await settle()
    expect(os.held.has(VIP)).toBe(false) // the queued removal ran after the add
    // Longer than the burst and several refresh periods: no GARP timer may have been left running.
    await clock.advance(100)
    expect(os.garps).toEqual([])
    expect(os.held.size).toBe(0)
  })

  it('a stop while the add is in flight ends with no VIP and no gratuitous ARP', async () => {
    const { inst, os, clock } = newInstance()
    inst.start()
    await clock.advance(MASTER_DOWN_MS)
    expect(os.addCalls).toBe(1)
    const stopped = inst.stop()
    os.release()
    await stopped
    await clock.advance(100)
    expect(os.garps).toEqual([])
    expect(clock.pending).toBe(0) // nothing left armed
    expect(os.held.size).toBe(0)
  })
})
