/**
 * Simulate Failure in the agent (issue 12): the instance behaves exactly as when a tracked check
 * of weight 0 fails (same trace on the wire, the OS and the notify hooks, same transitions), for a
 * bounded time, then recovers by itself; the Agent refuses it where it would simulate nothing; the
 * control socket and `havip-agent ctl simulate-failure` carry it, and status says why the
 * instance is in Fault ("simulated failure until <time>").
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import type { AgentConfig } from '../../../agent/config/model'
import { request } from '../../../agent/control/client'
import { parseRequest } from '../../../agent/control/protocol'
import { ControlServer } from '../../../agent/control/server'
import { createLogger } from '../../../agent/log'
import { main } from '../../../agent/main'
import { durationProblem, SIMULATE_FAILURE_MAX_MS, SIMULATE_FAILURE_MIN_MS } from '../../../agent/track/simulated-failure'
import { baseConfig, makeWorld, RecordingOs, SELF, Trace, WireTransport, type World } from './conformance/world'
import { FakeScheduler } from './fake-scheduler'

const dir = mkdtempSync(join(tmpdir(), 'havip-simfail-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A started master (Master_Down_Interval at priority 100 is 360 ms on the fake clock). */
async function masterWorld(): Promise<World> {
  const w = makeWorld(baseConfig())
  w.inst.start()
  await w.clock.advance(360)
  expect(w.inst.state).toBe('master')
  return w
}

describe('Simulate Failure takes the tracked-check fault path', () => {
  it('a master in a simulated failure does what a failing weight-0 check makes it do, and its cause says until when', async () => {
    const real = await masterWorld()
    const sim = await masterWorld()
    const from = { real: real.trace.lines.length, sim: sim.trace.lines.length }
    real.inst.setHealth({ effectivePriority: 100, fault: true, reason: 'script chk failing' })
    const window = sim.inst.simulateFailure(3000)
    await real.clock.advance(0)
    await sim.clock.advance(0)
    expect(sim.trace.since(from.sim)).toEqual(real.trace.since(from.real))
    expect(sim.trace.since(from.sim)).toEqual(['360 advert 0', '360 state master->fault', '360 notify FAULT', '360 vip- 198.51.100.250'])
    expect(sim.transport.wire.at(-1)).toMatchObject({ priority: 0 })

    const transition = sim.events.filter((e) => e.type === 'transition').at(-1)!
    expect(transition).toMatchObject({ from: 'master', to: 'fault', reason: `fault: simulated failure until ${window.until}` })
    expect(Date.parse(window.until) - Date.parse(window.startedAt)).toBe(3000)
    expect(sim.events.map((e) => `${e.type} ${e.message ?? e.reason}`)).toContain(`admin simulate-failure for 3000 ms, until ${window.until}`)
    expect(sim.inst.status()).toMatchObject({ state: 'fault', fault: true, health: `simulated failure until ${window.until}`, simulatedFailure: { durationMs: 3000, until: window.until } })

    // Both recover the same way: the real one when its check passes, the simulated one when its time is up.
    const mid = { real: real.trace.lines.length, sim: sim.trace.lines.length }
    await real.clock.advance(3000)
    real.inst.setHealth({ effectivePriority: 100, fault: false, reason: 'all tracked checks ok' })
    await real.clock.advance(0)
    await sim.clock.advance(3000)
    expect(sim.trace.since(mid.sim)).toEqual(real.trace.since(mid.real))
    expect(sim.trace.since(mid.sim)).toEqual(['3360 state fault->backup', '3360 notify BACKUP'])
    expect(sim.inst.status().simulatedFailure).toBeUndefined()
    expect(sim.events.at(-1)).toMatchObject({ type: 'transition', from: 'fault', to: 'backup', reason: 'fault cleared: no tracked checks' })
    expect(sim.events.some((e) => e.type === 'admin' && e.message === 'simulated failure ended (its time ran out)')).toBe(true)
    await real.inst.stop()
    await sim.inst.stop()
  })

  it('a second simulate-failure restarts the window from now; a cancel ends it and its timer', async () => {
    const w = await masterWorld()
    w.inst.simulateFailure(2000)
    await w.clock.advance(1500)
    const second = w.inst.simulateFailure(2000) // now ends at 1860 + 2000
    const from = w.trace.lines.length
    await w.clock.advance(1999)
    expect(w.trace.since(from)).toEqual([])
    expect(w.inst.simulatedFailure).toEqual(second)
    expect(w.inst.cancelSimulatedFailure()).toBe(true)
    expect(w.inst.cancelSimulatedFailure()).toBe(false)
    await w.clock.advance(0)
    expect(w.trace.since(from)).toEqual(['3859 state fault->backup', '3859 notify BACKUP'])
    await w.inst.stop()
  })

  it('stopping the instance ends the window (it lives in memory: an agent restart ends it)', async () => {
    const w = await masterWorld()
    w.inst.simulateFailure(60_000)
    await w.inst.stop()
    expect(w.inst.simulatedFailure).toBeUndefined()
  })

  it('durations out of bounds are refused with what to give instead', () => {
    expect(durationProblem(SIMULATE_FAILURE_MIN_MS)).toBeNull()
    expect(durationProblem(SIMULATE_FAILURE_MAX_MS)).toBeNull()
    expect(durationProblem(999)).toMatch(/too short: give at least 1000 ms \(1 s\)/)
    expect(durationProblem(600_001)).toMatch(/too long: give at most 600000 ms \(10 min\); for longer maintenance pause the node/)
    expect(durationProblem(1.5)).toMatch(/whole number of milliseconds/)
    expect(durationProblem('30s')).toMatch(/whole number of milliseconds/)
  })
})

function config(over: Partial<AgentConfig> = {}): AgentConfig {
  return {
    instances: [baseConfig({ name: 'vip1', vrid: 51 }), baseConfig({ name: 'vip2', vrid: 52, vips: [{ address: '198.51.100.251', prefix: 24 }] })],
    scripts: [], transport: 'raw', udpPort: 11112, controlSocket: join(dir, `agent-${Math.random().toString(36).slice(2)}.sock`), ...over
  }
}

/** A real Agent on a fake clock; `downInterfaces` are what its tracked interfaces see as down. */
async function agentWorld(cfg: AgentConfig = config(), downInterfaces: string[] = []) {
  const clock = new FakeScheduler()
  const trace = new Trace(clock)
  const os = Object.assign(new RecordingOs(trace), { interfaceUpSync: (dev: string) => !downInterfaces.includes(dev) })
  const agent = new Agent(cfg, { os, logger: createLogger({ stderr: false }), scheduler: clock, makeTransport: (c) => new WireTransport(trace, SELF, c.unicastPeers) })
  await agent.start()
  await clock.advance(400)
  return { clock, agent, trace }
}

const stateOf = (agent: Agent, name: string) => agent.status().instances.find((i) => i.name === name)!

describe('Agent.simulateFailure', () => {
  it('acts on the named instance only, and refuses what would simulate nothing, saying what to do', async () => {
    const { agent, clock } = await agentWorld()
    expect(() => agent.simulateFailure(undefined, { durationMs: 5000 })).toThrow(/simulate-failure needs an instance name: one of vip1, vip2/)
    expect(() => agent.simulateFailure('nope', { durationMs: 5000 })).toThrow(/no instance named "nope"; instances here: vip1, vip2/)
    expect(() => agent.simulateFailure('vip1', {})).toThrow(/needs a duration in milliseconds \(1000 to 600000\), or cancel/)
    expect(() => agent.simulateFailure('vip1', { durationMs: 10 })).toThrow(/too short/)
    expect(() => agent.simulateFailure('vip1', { cancel: true })).toThrow(/no simulated failure is running on vip1; nothing to cancel/)

    const [st] = agent.simulateFailure('vip1', { durationMs: 5000 })
    expect(st).toMatchObject({ name: 'vip1', state: 'fault', simulatedFailure: { durationMs: 5000 }, health: expect.stringMatching(/^simulated failure until /) })
    expect(stateOf(agent, 'vip2')).toMatchObject({ state: 'master', fault: false })
    await clock.advance(0)

    agent.command('pause', 'vip2')
    expect(() => agent.simulateFailure('vip2', { durationMs: 5000 })).toThrow(/vip2: it is paused \(maintenance\); run "ctl resume" first/)
    expect(agent.simulateFailure('vip1', { cancel: true })[0]).toMatchObject({ state: 'backup', fault: false })
    await agent.stop()
  })

  it('refuses an instance already in Fault for a real reason, naming it', async () => {
    const { agent } = await agentWorld(config({ instances: [baseConfig({ name: 'vip1', trackInterfaces: [{ name: 'eth9', weight: 0 }] })] }), ['eth9'])
    expect(stateOf(agent, 'vip1')).toMatchObject({ state: 'fault', health: 'interface eth9 failing' })
    // A single instance needs no name.
    expect(() => agent.simulateFailure(undefined, { durationMs: 5000 })).toThrow(/vip1: it is already in fault for a real reason \(interface eth9 failing\); fix that first/)
    await agent.stop()
  })
})

describe('the control socket and ctl simulate-failure', () => {
  it('parses durationMs and cancel only for simulate-failure', () => {
    expect(parseRequest('{"cmd":"simulate-failure","instance":"vip1","durationMs":30000}')).toEqual({ cmd: 'simulate-failure', instance: 'vip1', durationMs: 30000, id: undefined })
    expect(parseRequest('{"cmd":"simulate-failure","cancel":true}')).toMatchObject({ cancel: true })
    expect(() => parseRequest('{"cmd":"simulate-failure","durationMs":"30s"}')).toThrow(/"durationMs" must be a number of milliseconds/)
    expect(() => parseRequest('{"cmd":"takeover","durationMs":3000}')).toThrow(/belong to simulate-failure, not takeover/)
  })

  it('ctl simulate-failure over the socket: the status shows the simulated fault and its end; --cancel ends it', async () => {
    const cfg = config()
    const { agent } = await agentWorld(cfg)
    const server = new ControlServer(agent, cfg.controlSocket)
    await server.start()
    try {
      let out = ''
      let err = ''
      const io = { out: (s: string) => (out += s + '\n'), err: (s: string) => (err += s + '\n') }
      expect(await main(['ctl', 'simulate-failure', 'vip1', '--duration-ms', '4000', '--socket', cfg.controlSocket], io)).toBe(0)
      expect(out).toMatch(/simulate-failure: done/)
      expect(out).toMatch(/vip1\s+51\s+FAULT \(simulated\)/)
      expect(out).toMatch(/vip1: health: simulated failure until \d{4}-\d\d-\d\dT/)
      const res = await request(cfg.controlSocket, { cmd: 'status' })
      expect(res).toMatchObject({ ok: true, result: { instances: [{ name: 'vip1', state: 'fault', simulatedFailure: { durationMs: 4000 } }, { name: 'vip2', state: 'master' }] } })
      const refused = await request(cfg.controlSocket, { cmd: 'simulate-failure', instance: 'vip1', durationMs: 700_000 })
      expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/too long/) })
      out = ''
      expect(await main(['ctl', 'simulate-failure', 'vip1', '--cancel', '--json', '--socket', cfg.controlSocket], io)).toBe(0)
      expect(JSON.parse(out)).toMatchObject({ ok: true, result: [{ name: 'vip1', state: 'backup', fault: false }] })
      expect(err).toBe('')
    } finally {
      await agent.stop()
      await server.close()
    }
  })

  it('ctl usage errors say what to give (exit 2)', async () => {
    const run = async (...argv: string[]) => {
      let err = ''
      const code = await main(argv, { out: () => undefined, err: (s) => (err += s + '\n') })
      return { code, err }
    }
    expect(await run('ctl', 'simulate-failure', 'vip1')).toMatchObject({ code: 2, err: expect.stringMatching(/needs --duration-ms N \(1000 to 600000\), or --cancel/) })
    expect(await run('ctl', 'simulate-failure', 'vip1', '--duration-ms', '30s')).toMatchObject({ code: 2, err: expect.stringMatching(/--duration-ms 30s: the duration must be a whole number/) })
    expect(await run('ctl', 'simulate-failure', 'vip1', '--duration-ms', '5000', '--cancel')).toMatchObject({ code: 2, err: expect.stringMatching(/either --duration-ms N or --cancel, not both/) })
    expect(await run('ctl', 'takeover', 'vip1', '--cancel')).toMatchObject({ code: 2, err: expect.stringMatching(/belong to "ctl simulate-failure", not "ctl takeover"/) })
  })
})
