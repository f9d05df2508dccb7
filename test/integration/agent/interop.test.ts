/**
 * Interop with Debian's keepalived 2.2.7: a mixed pair (agent + keepalived) in both roles
 * elects by priority and fails over both ways. This proves keepalived accepts what the agent
 * sends and the agent accepts what keepalived sends (v3 unicast and v2 multicast with auth).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  crash, deployBundle, instanceStatus, labState, logsOf, startAgent, startKeepalived, stopAll, stopClean,
  vipAnsweredBy, waitFor, waitForSoleHolder, type InstanceSpec
} from './lab-agents'

const state = labState()
const [n1, n2] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0]]
const VIP_A = state.vipPool[8]!
const VIP_B = state.vipPool[9]!

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await stopAll([VIP_A, VIP_B])
})

describe('agent <-> keepalived interop', () => {
  it('v3 unicast: agent master over keepalived backup; fails over to keepalived and back', async () => {
    const base: Omit<InstanceSpec, 'priority'> = { vrid: 81, version: 3, advertInt: 0.5, vips: [VIP_A] }
    const agentSpec = { ...base, priority: 150, src: n1.address, peers: [n2.address] }
    let agent = await startAgent(n1, 'i1', agentSpec)
    const ka = await startKeepalived(n2, 'i2', { ...base, priority: 100, src: n2.address, peers: [n1.address] })
    await waitForSoleHolder([n1, n2], VIP_A, n1, 10_000)
    // keepalived heard our adverts and stayed backup (it would take the VIP after 1.5 s otherwise).
    await new Promise((r) => setTimeout(r, 2000))
    await waitForSoleHolder([n1, n2], VIP_A, n1, 1000)
    expect(logsOf(ka)).toMatch(/Entering BACKUP STATE/)
    expect(logsOf(ka)).not.toMatch(/Entering MASTER STATE/)

    await crash(agent)
    await waitFor('keepalived on n2 to take the VIP after the agent crashed', async () => logsOf(ka).includes('Entering MASTER STATE'), 5000)
    await waitFor('client reaches the VIP on n2', async () => (await vipAnsweredBy([n1, n2], VIP_A)) === 'n2', 8000)
    // The crashed agent left the VIP on n1 (it could not clean up); a restart removes it first.
    agent = await startAgent(n1, 'i1b', agentSpec)
    await waitFor('keepalived to go back to backup when the agent (150) preempts', async () => (logsOf(ka).match(/Entering BACKUP STATE/g) ?? []).length >= 2, 10_000)
    await waitForSoleHolder([n1, n2], VIP_A, n1, 5000)
    expect((await instanceStatus(agent)).state).toBe('master')
    await stopClean(agent)
  })

  it('v2 multicast with auth: keepalived master over agent backup; clean stop of keepalived hands over, and back', async () => {
    const base: Omit<InstanceSpec, 'priority'> = { vrid: 82, version: 2, advertInt: 1, vips: [VIP_B], authPass: 'interop1' }
    const agent = await startAgent(n1, 'j1', { ...base, priority: 100 })
    let ka = await startKeepalived(n2, 'j2', { ...base, priority: 150 })
    await waitForSoleHolder([n1, n2], VIP_B, n2, 10_000)
    await waitFor('agent to see keepalived as master', async () => {
      const s = await instanceStatus(agent)
      return s.state === 'backup' && s.masterAddress === n2.address && s.masterPriority === 150
    }, 5000)
    const s = await instanceStatus(agent)
    expect(s.adverts.badTotal).toBe(0)

    const t0 = Date.now()
    await stopClean(ka) // keepalived sends priority 0 on shutdown
    await waitForSoleHolder([n1, n2], VIP_B, n1, 5000)
    expect(Date.now() - t0).toBeLessThan(3000) // master-down would be ~3.6 s
    await waitFor('client reaches the VIP on n1', async () => (await vipAnsweredBy([n1, n2], VIP_B)) === 'n1', 5000)

    ka = await startKeepalived(n2, 'j2b', { ...base, priority: 150 })
    await waitForSoleHolder([n1, n2], VIP_B, n2, 10_000)
    await waitFor('agent back to backup', async () => (await instanceStatus(agent)).state === 'backup', 5000)
    await stopClean(ka)
    await stopClean(agent)
  })
})
