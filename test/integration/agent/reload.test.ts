/**
 * Config reload in the lab: an agent that is master of VI_A gets VI_B added by `ctl reload`.
 * VI_A is not disturbed at all (no transition in `ctl watch`, its VIP present in every sample
 * taken through the reload); VI_B comes up and takes its VIP. An invalid file is refused with
 * the issue named and changes nothing; SIGHUP reloads too (VI_B removed, its VIP released).
 * The failback window on real nodes: outside it a returning higher priority stays backup; a
 * reload to failback "immediately" is applied to the running instance, which then fails back.
 */
import type { ChildProcess } from 'node:child_process'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killSpawned, nodeExec, nodeSpawn } from '../../lab/lab'
import { ctl, deployBundle, holdsVip, instanceStatus, labState, NODE_AGENT, NODE_BIN, startAgent, stopAll, waitFor, writeNodeFile } from './lab-agents'

const state = labState()
const n1 = state.nodes[0]!
const n2 = state.nodes[1]!
const VIP_A = state.vipPool[18]!
const VIP_B = state.vipPool[10]!
const TAG = 'reload'
const CONFIG = `/etc/havip/agent-${TAG}.json` // where startAgent writes a { json } config

const instanceA = {
  name: 'VI_A', interface: 'eth0', vrid: 122, version: 3, priority: 150, advertIntervalMs: 200,
  unicastSrcIp: n1.address, unicastPeers: [n2.address], vips: [`${VIP_A}/24`]
}
const instanceB = { ...instanceA, name: 'VI_B', vrid: 123, vips: [`${VIP_B}/24`] }

beforeAll(() => deployBundle([n1, n2]), 120_000)

let watcher: ChildProcess | undefined
afterEach(async () => {
  if (watcher) await killSpawned(watcher, 'SIGKILL', 1000)
  watcher = undefined
  await stopAll([VIP_A, VIP_B])
})

describe('havip-agent config reload in the lab', () => {
  it('adds VI_B beside a running master VI_A without disturbing it; refuses an invalid file; SIGHUP removes VI_B', async () => {
    const agent = await startAgent(n1, TAG, { json: { instances: [instanceA] } })
    await waitFor('VI_A master with its VIP', async () => (await instanceStatus(agent, 'VI_A'))?.state === 'master' && holdsVip(n1, VIP_A), 10_000, 100)
    const before = await instanceStatus(agent, 'VI_A')

    // Everything VI_A does from now on, as the app would see it.
    watcher = nodeSpawn(n1, [NODE_BIN, NODE_AGENT, 'ctl', 'watch', '--json', '--socket', agent.socket])
    let streamed = ''
    watcher.stdout!.on('data', (d: Buffer) => (streamed += d.toString()))
    await waitFor('the watch stream to start', () => streamed.includes('"watching":true'), 10_000)
    // Sample the VIP on the interface all through the reload.
    let sampling = true
    const samples: boolean[] = []
    const sampler = (async () => {
      while (sampling && samples.length < 2000) samples.push(await holdsVip(n1, VIP_A))
    })()

    try {
      await writeNodeFile(n1, CONFIG, JSON.stringify({ instances: [instanceA, instanceB] }, null, 2))
      const r = await ctl(agent, ['reload'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.json).toMatchObject({ ok: true, result: { kept: ['VI_A'], added: ['VI_B'], removed: [], restarted: [], notApplied: [] } })
      await waitFor('VI_B master with its VIP', async () => (await instanceStatus(agent, 'VI_B'))?.state === 'master' && holdsVip(n1, VIP_B), 10_000, 100)
      await waitFor('the reload event in the watch stream', () => streamed.includes('"type":"reload"'), 5000)
    } finally {
      sampling = false
      await sampler
    }
    expect(samples.length).toBeGreaterThan(3)
    expect(samples.every(Boolean), `VI_A's VIP missing in ${samples.filter((s) => !s).length} of ${samples.length} samples`).toBe(true)
    const events = streamed.trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.event).map((m) => m.event)
    expect(events.filter((e) => e.instance === 'VI_A')).toEqual([])
    expect(events.some((e) => e.instance === 'VI_B' && e.type === 'transition' && e.to === 'master')).toBe(true)
    const after = await instanceStatus(agent, 'VI_A')
    expect(after).toMatchObject({ state: 'master', transitions: before.transitions, lastTransition: { reason: before.lastTransition.reason } })
    expect(after.adverts.sent).toBeGreaterThan(before.adverts.sent)

    // An invalid file: refused, with the issue named; both instances run on.
    await writeNodeFile(n1, CONFIG, JSON.stringify({ instances: [instanceA, { ...instanceB, vrid: 122 }] }))
    const bad = await ctl(agent, ['reload'])
    expect(bad.code).toBe(1)
    expect(bad.json.ok).toBe(false)
    expect(bad.json.error).toMatch(/config not reloaded: .* router id 122 is already used by instance "VI_A".*the running config stays in force/)
    expect(await instanceStatus(agent, 'VI_B')).toMatchObject({ state: 'master', vrid: 123 })

    // SIGHUP reloads too: VI_B removed, its VIP released; VI_A still untouched.
    await writeNodeFile(n1, CONFIG, JSON.stringify({ instances: [instanceA] }))
    const pid = (await ctl(agent, ['status'])).json.result.pid
    expect((await nodeExec(n1, ['kill', '-HUP', String(pid)])).code).toBe(0)
    await waitFor('VI_B gone and its VIP released', async () => (await instanceStatus(agent, 'VI_B')) === undefined && !(await holdsVip(n1, VIP_B)), 10_000, 100)
    expect(await holdsVip(n1, VIP_A)).toBe(true)
    expect(await instanceStatus(agent, 'VI_A')).toMatchObject({ state: 'master', transitions: before.transitions })
  })

  it('failback window: a returning higher priority stays backup outside it; a reload to "immediately" fails back live, without a restart', async () => {
    // The nodes' local hour, as the agent reads it (TZ of the node).
    const hour = Number((await nodeExec(n1, ['date', '+%H'])).stdout.trim())
    const closed = { startHour: (hour + 2) % 24, endHour: (hour + 3) % 24 }
    const role = { name: 'VI_W', interface: 'eth0', vrid: 124, version: 3, advertIntervalMs: 200, vips: [`${VIP_A}/24`] }
    const low = await startAgent(n2, 'w2', { json: { instances: [{ ...role, priority: 100, unicastSrcIp: n2.address, unicastPeers: [n1.address] }] } })
    await waitFor('n2 master', async () => (await instanceStatus(low, 'VI_W'))?.state === 'master' && holdsVip(n2, VIP_A), 10_000, 100)

    const preferred = { ...role, priority: 150, unicastSrcIp: n1.address, unicastPeers: [n2.address], preemptWindow: closed }
    const high = await startAgent(n1, 'w1', { json: { instances: [preferred] } })
    await waitFor('n1 backup following n2', async () => (await instanceStatus(high, 'VI_W'))?.masterAddress === n2.address, 10_000, 100)
    // Several Master_Down_Intervals (~0.8 s each): outside the window n1 must not take the role back.
    const until = Date.now() + 3000
    while (Date.now() < until) {
      expect(await instanceStatus(high, 'VI_W')).toMatchObject({ state: 'backup', preemptWindow: { ...closed, open: false } })
      expect(await holdsVip(n2, VIP_A)).toBe(true)
    }

    const { preemptWindow: _, ...immediately } = preferred
    await writeNodeFile(n1, '/etc/havip/agent-w1.json', JSON.stringify({ instances: [immediately] }))
    const r = await ctl(high, ['reload'])
    expect(r.json).toMatchObject({ ok: true, result: { updated: ['VI_W'], restarted: [], kept: [] } })
    await waitFor('n1 to fail back and hold the VIP', async () => (await instanceStatus(high, 'VI_W'))?.state === 'master' && holdsVip(n1, VIP_A), 10_000, 100)
    // Updated in place: initialize -> backup -> master, no stop and start in between.
    expect(await instanceStatus(high, 'VI_W')).toMatchObject({ transitions: 2 })
    expect(await instanceStatus(high, 'VI_W')).not.toHaveProperty('preemptWindow')
    await waitFor('n2 to give the VIP up', async () => !(await holdsVip(n2, VIP_A)), 5000, 100)
  })
})
