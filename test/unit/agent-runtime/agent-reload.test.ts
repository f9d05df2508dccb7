/**
 * Config reload on a real Agent with real Instances and state machines, on a fake clock
 * (transports put adverts through the real codec, the OS layer records): an instance kept across
 * a reload is not touched at all (same state, no transition, its VIP stays, adverts keep their
 * exact interval), added ones start, removed ones resign (priority 0, VIP released), changed ones
 * restart alone; an invalid file changes nothing and says why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import type { AgentConfig, InstanceConfig } from '../../../agent/config/model'
import type { AgentEvent } from '../../../agent/instance'
import { createLogger } from '../../../agent/log'
import { loadConfig } from '../../../agent/config/load'
import { request } from '../../../agent/control/client'
import { ControlServer } from '../../../agent/control/server'
import { main } from '../../../agent/main'
import { makeReloader } from '../../../agent/reload/from-file'
import { FakeScheduler } from './fake-scheduler'
import { baseConfig, RecordingOs, Trace, WireTransport, SELF } from './conformance/world'

const dir = mkdtempSync(join(tmpdir(), 'havip-reload-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const A = baseConfig({ name: 'VI_A', vrid: 51, vips: [{ address: '198.51.100.250', prefix: 24 }] })
const B = baseConfig({ name: 'VI_B', vrid: 52, vips: [{ address: '198.51.100.251', prefix: 24 }] })

function config(instances: InstanceConfig[], over: Partial<AgentConfig> = {}): AgentConfig {
  return { instances, scripts: [], transport: 'raw', udpPort: 11112, controlSocket: join(dir, 'agent.sock'), ...over }
}

async function world(initial: AgentConfig) {
  const clock = new FakeScheduler()
  const osTrace = new Trace(clock)
  const os = new RecordingOs(osTrace)
  /** One trace per instance name: every advert it sent, across restarts. */
  const wire = new Map<string, Trace>()
  /** The newest transport of each instance: adverts from peers are delivered through it. */
  const transports = new Map<string, WireTransport>()
  const agent = new Agent(initial, {
    os, logger: createLogger({ stderr: false }), scheduler: clock,
    makeTransport: (cfg) => {
      const t = wire.get(cfg.name) ?? new Trace(clock)
      wire.set(cfg.name, t)
      const transport = new WireTransport(t, SELF, cfg.unicastPeers)
      transports.set(cfg.name, transport)
      return transport
    }
  })
  const events: AgentEvent[] = []
  agent.on('event', (e: AgentEvent) => events.push(e))
  await agent.start()
  await clock.advance(0)
  return { clock, os, osTrace, wire, transports, agent, events }
}

const statusOf = (agent: Agent, name: string) => agent.status().instances.find((i) => i.name === name)

describe('Agent config reload', () => {
  it('adds an instance beside a running master without touching it: same state, no advert gap, VIP stays', async () => {
    const w = await world(config([A]))
    await w.clock.advance(400) // Master_Down_Interval 360 ms at priority 100: VI_A is master
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'master', vipsHeld: ['198.51.100.250/24'], holdsVips: true })
    expect(w.agent.status()).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), instances: [{ name: 'VI_A', vrid: 51, effectivePriority: 100 }] })
    const before = statusOf(w.agent, 'VI_A')!
    const eventsBefore = w.events.length
    const osBefore = w.osTrace.lines.length
    const advertsBefore = w.wire.get('VI_A')!.lines.length

    // A re-read copy of the same settings (a new object), plus VI_B.
    const result = await w.agent.reload(config([structuredClone(A), B]))
    expect(result).toEqual({ kept: ['VI_A'], added: ['VI_B'], removed: [], restarted: [], updated: [], notApplied: [] })
    await w.clock.advance(1000)

    const a = statusOf(w.agent, 'VI_A')!
    expect(a.state).toBe('master')
    expect(a.transitions).toBe(2) // initialize -> backup -> master, nothing since
    // (its `at` is wall time derived from the fake clock, so only the transition itself is compared)
    expect({ ...a.lastTransition, at: 0 }).toEqual({ ...before.lastTransition, at: 0 })
    expect(a.vipsHeld).toEqual(['198.51.100.250/24'])
    expect(w.events.slice(eventsBefore).filter((e) => e.instance === 'VI_A')).toEqual([])
    // Never removed, never re-added (the gratuitous ARP burst due 1 s after it became master still comes).
    expect(w.osTrace.since(osBefore).filter((l) => / vip[+-] 198\.51\.100\.250$/.test(l))).toEqual([])
    expect(w.osTrace.since(osBefore)).toContain('1360 garp 198.51.100.250')
    // Adverts every 100 ms straight through the reload, at priority 100, none at 0.
    const times = w.wire.get('VI_A')!.lines.slice(advertsBefore - 1).map((l) => Number(l.split(' ')[0]))
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(Array(times.length - 1).fill(100))
    expect(w.wire.get('VI_A')!.lines.every((l) => l.endsWith(' advert 100'))).toBe(true)

    expect(statusOf(w.agent, 'VI_B')).toMatchObject({ state: 'master', vipsHeld: ['198.51.100.251/24'] })
    expect(w.agent.status().instances.map((i) => i.name)).toEqual(['VI_A', 'VI_B'])
    expect(w.events.find((e) => e.type === 'reload')?.message).toContain('kept VI_A; added VI_B; removed -; restarted -')
    await w.agent.stop()
  })

  it('removes an instance as on shutdown and restarts only the changed one', async () => {
    const w = await world(config([A, B]))
    await w.clock.advance(400)
    const osBefore = w.osTrace.lines.length
    const result = await w.agent.reload(config([{ ...A, priority: 120 }]))
    expect(result).toEqual({ kept: [], added: [], removed: ['VI_B'], restarted: ['VI_A'], updated: [], notApplied: [] })
    await w.clock.advance(0)
    // Both resigned with a priority-0 advert and released their VIP; VI_A comes back at 120.
    expect(w.wire.get('VI_B')!.lines.at(-1)).toMatch(/ advert 0$/)
    expect(w.osTrace.since(osBefore)).toContain('400 vip- 198.51.100.251')
    expect(w.osTrace.since(osBefore)).toContain('400 vip- 198.51.100.250')
    expect(w.agent.status().instances.map((i) => i.name)).toEqual(['VI_A'])
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'backup', basePriority: 120, holdsVips: false, transitions: 1 })
    await w.clock.advance(400)
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'master', vipsHeld: ['198.51.100.250/24'] })
    await w.agent.stop()
  })

  it('an invalid file changes nothing: the issues are named, the old config keeps running', async () => {
    const w = await world(config([A]))
    await w.clock.advance(400)
    const file = join(dir, 'agent.json')
    const lines: string[] = []
    const logger = { log: (level: string, msg: string) => void lines.push(`${level} ${msg}`), child: () => logger }
    const reload = makeReloader({ configPath: file, overrides: { controlSocket: join(dir, 'agent.sock') } }, w.agent, logger)

    writeFileSync(file, JSON.stringify({ instances: [{ name: 'VI_A', interface: 'eth0', vrid: 300, vips: ['198.51.100.250/24'] }] }))
    await expect(reload()).rejects.toThrow(/config not reloaded: .*agent\.json has 1 error\(s\): instances\[0\]\.vrid: 300 is out of range 1\.\.255.*the running config stays in force/)
    expect(lines.at(-1)).toMatch(/^error config not reloaded/)
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'master', vrid: 51 })

    // Valid, with a socket path the command line overrides (not a change) and a transport that cannot change live.
    writeFileSync(file, JSON.stringify({
      transport: 'udp', controlSocket: '/elsewhere.sock',
      instances: [{ name: 'VI_A', interface: 'eth0', vrid: 51, version: 3, advertIntervalMs: 100, vips: ['198.51.100.250/24'], garp: A.garp }]
    }))
    const r = await reload()
    expect(r).toEqual({ kept: ['VI_A'], added: [], removed: [], restarted: [], updated: [], notApplied: ['transport: "udp" needs an agent restart; still "raw"'] })
    expect(w.agent.config.transport).toBe('raw')
    await w.agent.stop()
  })

  it('a change of failback policy only is applied live: no restart, no transition; preempting starts or stops at once', async () => {
    // VI_A at priority 100 with nopreempt follows a lower master (50): failback "never".
    const w = await world(config([{ ...A, preempt: false }]))
    const advert = { version: 3 as const, vrid: 51, priority: 50, advertInterval: 10, addresses: ['198.51.100.250'] }
    const peerAdverts = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 100) {
        w.transports.get('VI_A')!.deliver('198.51.100.11', advert)
        await w.clock.advance(100)
      }
    }
    await peerAdverts(1000)
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'backup', masterAddress: '198.51.100.11', transitions: 1 })

    // Failback "within 08-18", at a local hour outside it: still backup, nothing restarted.
    const hour = new Date().getHours()
    const closed = { startHour: (hour + 1) % 24, endHour: (hour + 2) % 24 }
    expect(await w.agent.reload(config([{ ...A, preemptWindow: closed }]))).toMatchObject({ kept: [], restarted: [], updated: ['VI_A'] })
    await peerAdverts(1000)
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'backup', transitions: 1, preemptWindow: { ...closed, open: false } })

    // Failback "immediately": the lower master's adverts are discarded from now on; it preempts.
    expect(await w.agent.reload(config([A]))).toMatchObject({ updated: ['VI_A'] })
    await peerAdverts(500)
    expect(statusOf(w.agent, 'VI_A')).toMatchObject({ state: 'master', transitions: 2, holdsVips: true })
    expect(statusOf(w.agent, 'VI_A')).not.toHaveProperty('preemptWindow')
    expect(w.wire.get('VI_A')!.lines.some((l) => l.endsWith(' advert 0'))).toBe(false) // never resigned on the way
    await w.agent.stop()
  })

  it('reloads a keepalived.conf (--keepalived-conf) the same way', async () => {
    const file = join(dir, 'keepalived.conf')
    const block = (name: string, vrid: number, vip: string): string =>
      `vrrp_instance ${name} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    ${vip}/24 dev eth0\n  }\n}\n`
    writeFileSync(file, block('VI_1', 61, '198.51.100.240'))
    const loaded = loadConfig({ keepalivedConfPath: file })
    expect(loaded.config).toBeDefined()
    const w = await world({ ...loaded.config!, controlSocket: join(dir, 'agent.sock') })
    const reload = makeReloader({ keepalivedConfPath: file, overrides: { controlSocket: join(dir, 'agent.sock') } }, w.agent, createLogger({ stderr: false }))
    writeFileSync(file, block('VI_1', 61, '198.51.100.240') + block('VI_2', 62, '198.51.100.241'))
    expect(await reload()).toEqual({ kept: ['VI_1'], added: ['VI_2'], removed: [], restarted: [], updated: [], notApplied: [] })
    writeFileSync(file, block('VI_2', 62, '198.51.100.241').replace('priority 100', 'priority 100\n  nopreempt'))
    expect(await reload()).toEqual({ kept: [], added: [], removed: ['VI_1'], restarted: [], updated: ['VI_2'], notApplied: [] })
    await w.agent.stop()
  })

  it('through the control socket: ctl reload answers the result, or ok:false naming the issues; human output lists each group', async () => {
    const w = await world(config([A]))
    await w.clock.advance(400)
    const file = join(dir, 'ctl.json')
    const sock = join(dir, 'ctl.sock')
    const json = (instances: unknown[]): string => JSON.stringify({ instances })
    const a = { name: 'VI_A', interface: 'eth0', vrid: 51, version: 3, advertIntervalMs: 100, vips: ['198.51.100.250/24'], garp: A.garp }
    const server = new ControlServer(w.agent, sock, { reload: makeReloader({ configPath: file, overrides: { controlSocket: join(dir, 'agent.sock') } }, w.agent, createLogger({ stderr: false })) })
    await server.start()
    try {
      writeFileSync(file, json([a, { ...a, name: 'VI_B', vrid: 52, vips: ['198.51.100.251/24'] }]))
      expect(await request(sock, { cmd: 'reload' })).toMatchObject({ ok: true, result: { kept: ['VI_A'], added: ['VI_B'], removed: [], restarted: [], updated: [], notApplied: [] } })
      writeFileSync(file, '{ "instances": [ ')
      const bad = await request(sock, { cmd: 'reload' })
      expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^config not reloaded: .*ctl\.json has 1 error\(s\): the file is not valid JSON/) })
      expect(await request(sock, { cmd: 'reload', instance: 'VI_A' })).toMatchObject({ ok: false, error: expect.stringContaining('reload takes no instance name') })

      writeFileSync(file, json([{ ...a, preempt: false }]))
      let out = ''
      const code = await main(['ctl', 'reload', '--socket', sock], { out: (l) => (out += l + '\n'), err: (l) => (out += l + '\n') })
      expect(code).toBe(0)
      expect(out).toBe('reload: done\nkept: -\nadded: -\nremoved: VI_B\nrestarted: -\nfailback updated: VI_A\n')
    } finally {
      await server.close()
      await w.agent.stop()
    }
  })
})
