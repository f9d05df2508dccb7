/**
 * Lab tests of the control socket through `havip-agent ctl`: planned takeover and release,
 * pause (drain) and resume, status fields, and the watch event stream.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { nodeExec, nodeSpawn, killSpawned } from '../../lab/lab'
import {
  ctl, deployBundle, instanceStatus, labState, NODE_AGENT, NODE_BIN, sleep, startAgent, stopAll,
  vipAnsweredBy, vipHolders, waitFor, waitForSoleHolder
} from './lab-agents'

const state = labState()
const [n1, n2, n3] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0], typeof state.nodes[0]]
const VIP = state.vipPool[4]!

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await stopAll([VIP])
})

async function trio(vrid: number) {
  const spec = { vrid, version: 3 as const, advertInt: 0.5, vips: [VIP] }
  const a1 = await startAgent(n1, `t1-${vrid}`, { ...spec, priority: 150, src: n1.address, peers: [n2.address, n3.address] })
  const a2 = await startAgent(n2, `t2-${vrid}`, { ...spec, priority: 100, src: n2.address, peers: [n1.address, n3.address] })
  const a3 = await startAgent(n3, `t3-${vrid}`, { ...spec, priority: 50, src: n3.address, peers: [n1.address, n2.address] })
  await waitForSoleHolder([n1, n2, n3], VIP, n1, 10_000)
  return [a1, a2, a3] as const
}

describe('havip-agent ctl in the lab', () => {
  it('status shows state, priorities, master, VIPs, counters, peers and transport', async () => {
    const [a1, a2] = await trio(71)
    await waitFor('n2 to see both peers', async () => (await instanceStatus(a2)).peers.length >= 1, 5000)
    const s = await ctl(a2, ['status'])
    expect(s.code).toBe(0)
    const i = s.json.result.instances[0]
    expect(i).toMatchObject({
      name: 'VI_T', vrid: 71, state: 'backup', basePriority: 100, effectivePriority: 100, masterAddress: n1.address,
      vipsHeld: [], transport: { kind: 'raw', interoperable: true, mode: 'unicast' }
    })
    expect(i.lastTransition.to).toBe('backup')
    expect(typeof i.lastTransition.reason).toBe('string')
    expect(i.peers.find((p: { address: string }) => p.address === n1.address).priority).toBe(150)
    const m = await instanceStatus(a1)
    expect(m.vipsHeld).toEqual([`${VIP}/24`])
    // Human output names the same things.
    const human = await nodeExec(n2, [NODE_BIN, NODE_AGENT, 'ctl', 'status', '--socket', a2.socket])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/VI_T\s+71\s+BACKUP\s+100\/100\s+198\.51\.100\.11 \(150\)/)
    expect(human.stdout).toContain(`peer ${n1.address} priority 150`)
  })

  it('takeover moves the VIP to the chosen node and it stays; release returns to election by priority', async () => {
    const [, , a3] = await trio(72)
    const r = await ctl(a3, ['takeover', 'VI_T'])
    expect(r.code).toBe(0)
    await waitForSoleHolder([n1, n2, n3], VIP, n3, 5000)
    await waitFor('client ping answered by n3', async () => (await vipAnsweredBy([n1, n2, n3], VIP)) === 'n3', 5000)
    await sleep(3000) // several advert intervals: n1 (base 150) must not preempt a takeover
    expect(await vipHolders([n1, n2, n3], VIP)).toEqual(['n3'])
    expect(await instanceStatus(a3)).toMatchObject({ state: 'master', takeover: true })
    const rel = await ctl(a3, ['release', 'VI_T'])
    expect(rel.code).toBe(0)
    // After release n3 advertises 50 again; n1 (150, preempt on) takes the VIP back.
    await waitForSoleHolder([n1, n2, n3], VIP, n1, 10_000)
    expect((await instanceStatus(a3)).takeover).toBe(false)
  })

  it('pause drains the master at once and keeps it out of elections; resume brings it back', async () => {
    const [a1, a2] = await trio(73)
    const t0 = Date.now()
    expect((await ctl(a1, ['pause'])).code).toBe(0)
    await waitForSoleHolder([n1, n2, n3], VIP, n2, 5000)
    expect(Date.now() - t0).toBeLessThan(3000)
    await sleep(2000)
    expect(await instanceStatus(a1)).toMatchObject({ state: 'maintenance', paused: true, vipsHeld: [] })
    expect(await vipHolders([n1, n2, n3], VIP)).toEqual(['n2'])
    expect((await ctl(a1, ['resume'])).code).toBe(0)
    // Back in the election with priority 150 and preempt on: it takes the VIP back.
    await waitForSoleHolder([n1, n2, n3], VIP, n1, 10_000)
    expect((await instanceStatus(a2)).state).toBe('backup')
  })

  it('watch streams transitions as JSON lines; bad commands give actionable errors', async () => {
    const [a1, a2] = await trio(74)
    const watcher = nodeSpawn(n2, [NODE_BIN, NODE_AGENT, 'ctl', 'watch', '--json', '--socket', a2.socket])
    let out = ''
    watcher.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    try {
      await waitFor('watch ack', async () => out.includes('"watching":true'), 5000)
      await ctl(a1, ['pause'])
      await waitFor('a transition event on n2', async () => out.includes('"to":"master"'), 5000)
      const events = out.trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.event)
      const t = events.find((m) => m.event.type === 'transition' && m.event.to === 'master').event
      expect(t).toMatchObject({ instance: 'VI_T', from: 'backup' })
      expect(t.reason.length).toBeGreaterThan(5)
    } finally {
      await killSpawned(watcher, 'SIGTERM', 2000)
    }
    const bad = await ctl(a1, ['takeover', 'NOPE'])
    expect(bad.code).toBe(1)
    expect(bad.json.error).toMatch(/no instance named "NOPE"; instances here: VI_T/)
    const usage = await nodeExec(n1, [NODE_BIN, NODE_AGENT, 'ctl', 'frobnicate'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/unknown ctl command "frobnicate"/)
    const nosock = await nodeExec(n1, [NODE_BIN, NODE_AGENT, 'ctl', 'status', '--socket', '/run/havip/none.sock'])
    expect(nosock.code).toBe(1)
    expect(nosock.stderr).toMatch(/no havip-agent is listening on \/run\/havip\/none.sock/)
    // Owner-only socket.
    const mode = await nodeExec(n1, ['stat', '-c', '%a', a1.socket])
    expect(mode.stdout.trim()).toBe('600')
    // Another user is kept out, and told how to get in.
    const other = await nodeExec(n1, ['setpriv', '--reuid', 'havipadm', '--regid', 'havipadm', '--clear-groups', NODE_BIN, NODE_AGENT, 'ctl', 'status', '--socket', a1.socket])
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/permission denied on .*: the control socket is owner-only; run ctl as the agent's user/)
  })
})
