/**
 * Lab tests: agents (the built bundle, run from /opt/havip inside lab nodes) elect one
 * master, the VIP answers pings from the client namespace, a crashed master's VIP moves,
 * and a clean stop hands over at once (priority 0 advert, RFC 5798 §6.4.3 / §6.4.2).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  clientPing, crash, sleep, deployBundle, logsOf, instanceStatus, labState, startAgent, stopAll, stopClean,
  vipAnsweredBy, vipHolders, waitFor, waitForSoleHolder
} from './lab-agents'

const state = labState()
const [n1, n2, n3] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0], typeof state.nodes[0]]
const VIP_A = state.vipPool[0]!
const VIP_B = state.vipPool[1]!
const VIP_C = state.vipPool[2]!

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await stopAll([VIP_A, VIP_B, VIP_C])
})

describe('agent election in the lab', () => {
  it('two agents (unicast, v3) elect the higher priority; the VIP answers ping; kill -9 moves it', async () => {
    const spec = { vrid: 61, version: 3 as const, advertInt: 0.2, vips: [VIP_A] }
    const a1 = await startAgent(n1, 'e1', { ...spec, priority: 150, src: n1.address, peers: [n2.address] })
    const a2 = await startAgent(n2, 'e2', { ...spec, priority: 100, src: n2.address, peers: [n1.address] })
    await waitForSoleHolder([n1, n2], VIP_A, n1, 10_000)
    await waitFor('client ping to the VIP answered by n1', async () => (await vipAnsweredBy([n1, n2], VIP_A)) === 'n1', 5000)
    const s1 = await instanceStatus(a1)
    const s2 = await instanceStatus(a2)
    expect(s1.state).toBe('master')
    expect(s2.state).toBe('backup')
    expect(s2.masterAddress).toBe(n1.address)
    expect(s1.adverts.sent).toBeGreaterThan(0)
    expect(s2.adverts.received).toBeGreaterThan(0)
    expect(s2.adverts.badTotal).toBe(0)
    expect(s2.peers.map((p: { address: string }) => p.address)).toEqual([n1.address])

    await crash(a1)
    // The crashed agent cannot remove its VIP; n2 must take it over and announce it (GARP).
    await waitFor('n2 to hold the VIP after n1 crashed', async () => (await vipHolders([n2], VIP_A)).length === 1, 5000)
    expect((await instanceStatus(a2)).state).toBe('master')
    await waitFor('client ping to the VIP answered by n2', async () => (await vipAnsweredBy([n1, n2], VIP_A)) === 'n2', 5000)

    // The crash left the VIP on n1. A restarted agent removes it before anything else, even as a backup.
    expect(await vipHolders([n1, n2], VIP_A)).toEqual(['n1', 'n2'])
    const again = await startAgent(n1, 'e1b', { ...spec, priority: 50, src: n1.address, peers: [n2.address] })
    await waitForSoleHolder([n1, n2], VIP_A, n2, 5000)
    expect(logsOf(again)).toContain(`removing VIP ${VIP_A}/24 from eth0, left behind by a previous run`)
    expect((await instanceStatus(again)).state).toBe('backup')
  })

  it('three agents (multicast, v2 with auth) with equal priority elect exactly one master', async () => {
    const spec = { vrid: 62, version: 2 as const, advertInt: 1, vips: [VIP_B], authPass: 'labpass1', priority: 100 }
    // Started together: whoever's master-down timer fires first wins, the others must then stay backup.
    const agents = await Promise.all([startAgent(n1, 'm1', spec), startAgent(n2, 'm2', spec), startAgent(n3, 'm3', spec)])
    const nodes = [n1, n2, n3]
    const holders = await waitFor('one VIP holder', async () => {
      const h = await vipHolders(nodes, VIP_B)
      return h.length === 1 ? h : undefined
    }, 15_000)
    await sleep(2500) // two more advert intervals: still exactly one holder, no flapping
    expect(await vipHolders(nodes, VIP_B)).toEqual(holders)
    const master = nodes.find((n) => n.name === holders[0])!
    const states = await Promise.all(agents.map((a) => instanceStatus(a)))
    for (const [i, s] of states.entries()) {
      if (nodes[i] === master) expect(s.state).toBe('master')
      else expect(s).toMatchObject({ state: 'backup', masterAddress: master.address })
      expect(s.adverts.badTotal).toBe(0) // the v2 password matched everywhere
    }
    expect(await clientPing(VIP_B)).toBe(true)
  })

  it('a clean stop (SIGTERM) hands over much faster than the master-down interval', async () => {
    // advert 1 s (v3): master-down = 3 s + skew; a priority-0 advert lets the backup take over after skew (~0.6 s).
    const spec = { vrid: 63, version: 3 as const, advertInt: 1, vips: [VIP_C] }
    const a1 = await startAgent(n1, 'c1', { ...spec, priority: 200, src: n1.address, peers: [n2.address, n3.address] })
    const a2 = await startAgent(n2, 'c2', { ...spec, priority: 100, src: n2.address, peers: [n1.address, n3.address] })
    const a3 = await startAgent(n3, 'c3', { ...spec, priority: 50, src: n3.address, peers: [n1.address, n2.address] })
    await waitForSoleHolder([n1, n2, n3], VIP_C, n1, 10_000)
    await waitFor('backups to settle', async () => (await instanceStatus(a3)).masterAddress === n1.address, 5000)
    const t0 = Date.now()
    await stopClean(a1)
    // n1 removed its VIP on the way out (stop removes every VIP).
    expect(await vipHolders([n1], VIP_C)).toEqual([])
    await waitForSoleHolder([n1, n2, n3], VIP_C, n2, 5000)
    const handover = Date.now() - t0
    expect(handover).toBeLessThan(2500) // far below master-down (3.6 s): the priority-0 advert worked
    expect((await instanceStatus(a3)).state).toBe('backup')
    expect((await instanceStatus(a2)).lastTransition.reason).toMatch(/priority 0|down/i)
    await stopClean(a2)
    await stopClean(a3)
  })
})
