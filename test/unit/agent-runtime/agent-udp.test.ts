/**
 * Two real Agents in this process exchanging real adverts over the UDP transport on loopback,
 * with the real state machine and control socket. Only the OS layer is an in-memory stand-in
 * (adding addresses needs root and a namespace: that part is proven by the lab tests).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import type { AgentConfig, InstanceConfig } from '../../../agent/config/model'
import { request, watch } from '../../../agent/control/client'
import { ControlServer } from '../../../agent/control/server'
import { createLogger } from '../../../agent/log'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from '../../../agent/os/os-adapter'
import type { VipConfig } from '../../../agent/config/model'
import { waitFor } from '../../support/wait-for'

class MemoryOs implements OsAdapter {
  readonly held = new Map<string, HeldAddress>()
  readonly garps: string[] = []
  constructor(private readonly own: string) {}
  async addVip(v: VipConfig, dev: string): Promise<void> { this.held.set(v.address, { address: v.address, prefix: v.prefix, dev }) }
  async removeVip(v: VipConfig): Promise<void> { this.held.delete(v.address) }
  async listAddresses(): Promise<HeldAddress[]> { return [...this.held.values()] }
  async interfaceState(): Promise<InterfaceState> { return { exists: true, up: true, index: 1, addresses: [this.own, ...this.held.keys()] } }
  async sendGarp(a: string): Promise<void> { this.garps.push(a) }
  async garpSupport(): Promise<GarpSupport> { return { ok: true, detail: 'memory' } }
}

const dir = mkdtempSync(join(tmpdir(), 'havip-agent-udp-'))
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function instance(over: Partial<InstanceConfig>): InstanceConfig {
  return {
    name: 'VI_1', interface: 'lo', vrid: 51, version: 3, priority: 100, advertIntervalMs: 50, preempt: true, preemptDelayMs: 0,
    unicastPeers: [], vips: [{ address: '198.51.100.250', prefix: 24 }], trackInterfaces: [], trackScripts: [], notify: {},
    garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 },
    ...over
  }
}

async function startAgent(own: string, peer: string, port: number, over: Partial<InstanceConfig>, extra: Partial<AgentConfig> = {}) {
  const os = new MemoryOs(own)
  const config: AgentConfig = {
    instances: [instance({ unicastSrcIp: own, unicastPeers: [peer], ...over })], scripts: [], transport: 'udp', udpPort: port,
    controlSocket: join(dir, `${own}.sock`), ...extra
  }
  const agent = new Agent(config, { os, logger: createLogger({ stderr: false }) })
  const server = new ControlServer(agent, config.controlSocket)
  await server.start()
  await agent.start()
  cleanups.push(async () => { await agent.stop(); await server.close() })
  return { agent, os, socket: config.controlSocket }
}

/** Real sockets, real timers: wait for what the agents do, bounded. */
async function until(what: string, fn: () => boolean, ms = 3000): Promise<void> {
  await waitFor(what, fn, ms, 10)
}

describe('Agent over UDP on loopback', () => {
  it('elects the higher priority, hands over on clean stop, and answers the control socket', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const a = await startAgent('127.0.0.1', '127.0.0.2', port, { priority: 150 })
    const b = await startAgent('127.0.0.2', '127.0.0.1', port, { priority: 100 })
    await until('a master with the VIP', () => a.agent.status().instances[0]!.state === 'master' && a.os.held.has('198.51.100.250'))
    await until('b backup following a', () => b.agent.status().instances[0]!.masterAddress === '127.0.0.1')
    expect(b.os.held.size).toBe(0)
    expect(a.os.garps).toContain('198.51.100.250')

    const res = await request(b.socket, { cmd: 'status' })
    expect(res.ok).toBe(true)
    const st = (res as { result: { instances: { state: string; transport: { note: string }; peers: { address: string; priority: number }[] }[]; warnings: string[] } }).result
    expect(st.instances[0]!.state).toBe('backup')
    expect(st.instances[0]!.peers).toMatchObject([{ address: '127.0.0.1', priority: 150 }])
    expect(st.instances[0]!.transport.note).toMatch(/not interoperable with keepalived/)
    expect(st.warnings.join()).toMatch(/udp transport/)
    expect(statSync(b.socket).mode & 0o777).toBe(0o600)

    // Watch b while a stops cleanly: b must become master well before master-down (3 x 50 ms + skew).
    const events: Record<string, unknown>[] = []
    const ac = new AbortController()
    const watching = watch(b.socket, (m) => events.push(m), ac.signal)
    await until('watch ack', () => events.length > 0)
    await a.agent.stop()
    expect(a.os.held.size).toBe(0) // stop removes every VIP
    await until('b master', () => b.agent.status().instances[0]!.state === 'master')
    expect(b.os.held.has('198.51.100.250')).toBe(true)
    await until('transition event', () => events.some((e) => (e.event as { to?: string } | undefined)?.to === 'master'))
    ac.abort()
    await watching
  })

  it('takeover moves mastership to a lower-priority node and release gives it back; pause drains', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const a = await startAgent('127.0.0.1', '127.0.0.2', port, { priority: 150 })
    const b = await startAgent('127.0.0.2', '127.0.0.1', port, { priority: 100 })
    await until('a master', () => a.agent.status().instances[0]!.state === 'master')
    await until('b backup', () => b.agent.status().instances[0]!.state === 'backup')

    const r = await request(b.socket, { cmd: 'takeover', instance: 'VI_1' })
    expect(r.ok).toBe(true)
    await until('b master by takeover, a backup', () => b.agent.status().instances[0]!.state === 'master' && a.agent.status().instances[0]!.state === 'backup')
    // a (150) must not preempt while b holds on at 254: let b send 8 more adverts (8 intervals) and a hear them.
    const sentBefore = b.agent.status().instances[0]!.adverts.sent
    await until('8 more adverts from b heard by a', () => b.agent.status().instances[0]!.adverts.sent >= sentBefore + 8 && a.agent.status().instances[0]!.adverts.received >= 8)
    expect(b.agent.status().instances[0]).toMatchObject({ state: 'master', takeover: true })
    expect(a.agent.status().instances[0]!.state).toBe('backup')
    expect(a.os.held.size).toBe(0)

    expect((await request(b.socket, { cmd: 'release', instance: 'VI_1' })).ok).toBe(true)
    await until('a master again after release', () => a.agent.status().instances[0]!.state === 'master' && b.agent.status().instances[0]!.state === 'backup')

    expect((await request(a.socket, { cmd: 'pause' })).ok).toBe(true)
    await until('a drained', () => a.agent.status().instances[0]!.state === 'maintenance' && a.os.held.size === 0 && b.agent.status().instances[0]!.state === 'master')
    const refused = await request(a.socket, { cmd: 'takeover', instance: 'VI_1' })
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/cannot take over VI_1: it is in state maintenance \(paused: run "ctl resume" first\)/) })
    expect((await request(a.socket, { cmd: 'resume' })).ok).toBe(true)
    await until('a back as master (preempt)', () => a.agent.status().instances[0]!.state === 'master')

    const bad = await request(a.socket, { cmd: 'takeover', instance: 'nope' })
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/no instance named "nope"; instances here: VI_1/) })
  })

  it('counts adverts with a different VRRPv2 interval as bad (RFC 3768 §7.1) and ignores them', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    // a: v2 every 1 s with priority 200 becomes master after ~3.2 s; b expects 2 s adverts.
    const a = await startAgent('127.0.0.1', '127.0.0.2', port, { version: 2, advertIntervalMs: 1000, priority: 200 })
    const b = await startAgent('127.0.0.2', '127.0.0.1', port, { version: 2, advertIntervalMs: 2000, priority: 100 })
    await until('a master', () => a.agent.status().instances[0]!.state === 'master', 6000)
    await until('b counted a bad advert', () => (b.agent.status().instances[0]!.adverts.bad['interval-mismatch'] ?? 0) > 0, 4000)
    const st = b.agent.status().instances[0]!
    expect(st.peers).toEqual([]) // ignored adverts do not make a peer
    expect(st.masterAddress).toBeUndefined()
  })

  it('two instances on one UDP port both hear their peer (one shared socket per port)', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const second = (own: string, peer: string, priority: number): InstanceConfig =>
      instance({ name: 'VI_2', vrid: 52, priority, unicastSrcIp: own, unicastPeers: [peer], vips: [{ address: '198.51.100.251', prefix: 24 }] })
    const mk = async (own: string, peer: string, p1: number, p2: number) => {
      const os = new MemoryOs(own)
      const config: AgentConfig = {
        instances: [instance({ unicastSrcIp: own, unicastPeers: [peer], priority: p1 }), second(own, peer, p2)],
        scripts: [], transport: 'udp', udpPort: port, controlSocket: join(dir, `${own}-2.sock`)
      }
      const agent = new Agent(config, { os, logger: createLogger({ stderr: false }) })
      await agent.start()
      cleanups.push(() => agent.stop())
      return agent
    }
    const x = await mk('127.0.0.1', '127.0.0.2', 150, 100)
    const y = await mk('127.0.0.2', '127.0.0.1', 100, 150)
    await until('VI_1 on x and VI_2 on y are master; the others follow them', () => {
      const xs = x.status().instances
      const ys = y.status().instances
      return xs[0]!.state === 'master' && ys[1]!.state === 'master' && ys[0]!.masterAddress === '127.0.0.1' && xs[1]!.masterAddress === '127.0.0.2'
    })
  })

  it('refuses to start a second agent on a live control socket', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const a = await startAgent('127.0.0.1', '127.0.0.2', port, {})
    const other = new ControlServer(a.agent, a.socket)
    await expect(other.start()).rejects.toThrow(/is in use: another havip-agent is running/)
  })
})

process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
