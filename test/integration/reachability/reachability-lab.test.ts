// The live reachability graph against the lab (issue 12): a 3-node cluster made through the
// API, its role's VIP probed from two nodes (the agent's ICMP prober over SSH, as root) and
// from this computer (TCP connect to port 22 over the host's link to the lab segment);
// stopping the master's agent service gives a transition with a measured outage from every
// source (the figures are printed; speed is the bench's business); stopping the probe session
// and forgetting the cluster leave no probe process on the nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEventPayload } from '../../../electron/api/contract'
import { nodeExec } from '../../lab/lab'
import { waitFor } from '../../support/wait-for'
import { cleanupNodes, makeClusterEnv, type ClusterEnv } from '../clusters/cluster-lab'

const NODES = ['n1', 'n2', 'n3']
// Outside state.vipPool (as the lab's self-test keeps .229/254), so no other test's cluster shares it.
const VIP = '198.51.100.223/24'
const TARGET = VIP.split('/')[0]!
const VRID = 233
let env: ClusterEnv
let clusterId = ''
let master = ''

/** The probe processes for our VIP on the lab's nodes (they share one process table). */
async function probeProcesses(): Promise<string[]> {
  const r = await nodeExec(env.node('n1'), ['pgrep', '-af', `havip-agent.cjs probe ${TARGET} `])
  return r.stdout.split('\n').filter((l) => l.includes(' probe ') && !l.includes('pgrep'))
}

beforeAll(async () => {
  env = await makeClusterEnv(3)
  const ids = await env.connect(NODES)
  const report = await env.run(async () => {
    const r = await env.call('clusters.create', {
      name: 'it-reach',
      nodes: ids.map((connectionId) => ({ connectionId })),
      role: { vip: VIP, vrid: VRID, version: 3, advertIntervalMs: 100 },
      validation: { skipReason: 'lab test of the reachability graph' }
    })
    clusterId = r.clusterId
    return r
  })
  expect(report.error?.message ?? '').toBe('')
  master = report.masters[0]?.node ?? ''
  expect(master).not.toBe('')
}, 180_000)

afterAll(async () => {
  if (!env) return
  await env.backend.dispose().catch(() => undefined)
  await cleanupNodes(env, NODES, [VIP])
  await env.dispose()
}, 180_000)

describe('reachability graph on the lab', () => {
  it('samples from two nodes and this computer; stopping the master gives a transition with a measured outage; stop leaves no probe process', async () => {
    const samples = new Map<string, { answered: number; lost: number }>()
    const transitions: ApiEventPayload<'reachability.transition'>[] = []
    const errors: ApiEventPayload<'reachability.sourceError'>[] = []
    const offs = [
      env.backend.events.on('reachability.samples', (e) => {
        for (const b of e.batches) {
          const s = samples.get(b.sourceId) ?? { answered: 0, lost: 0 }
          for (const r of b.rtt) r === null ? s.lost++ : s.answered++
          samples.set(b.sourceId, s)
        }
      }),
      env.backend.events.on('reachability.transition', (e) => transitions.push(e)),
      env.backend.events.on('reachability.sourceError', (e) => errors.push(e))
    ]
    try {
      const probers = NODES.filter((n) => n !== master).slice(0, 2)
      const session = await env.call('reachability.start', { clusterId, role: 'vip1', nodes: probers, local: { kind: 'tcp', port: 22 }, intervalMs: 100 })
      expect(session.sources.map((s) => s.id)).toEqual([...probers.map((n) => `node:${n}`), 'local'])
      expect(session.owner).toBe(master)
      await waitFor('answered probes from every source', () => session.sources.every((s) => (samples.get(s.id)?.answered ?? 0) >= 10), 20_000, 100)
      expect(errors).toEqual([])
      expect((await probeProcesses()).length).toBeGreaterThanOrEqual(2) // one per probing node (plus a shell wrapper, if any)

      // Stop the master's agent (the supervised service): a backup takes the VIP over.
      await env.call('clusters.nodeService', { clusterId, node: master, action: 'stop' })
      await waitFor(
        'a transition away from the master with every source measured',
        () => transitions.some((t) => t.from === master && t.to !== null && t.outages.every((o) => o.status === 'measured')),
        30_000,
        100
      )
      const t = transitions.filter((x) => x.from === master && x.outages.every((o) => o.status === 'measured')).pop()!
      console.log(`reachability: ${master} -> ${t.to}, measured outage ${t.outages.map((o) => `${o.sourceId} ${o.outageMs} ms (${o.lostProbes} lost)`).join(', ')}`)
      expect(t.outages.map((o) => o.sourceId).sort()).toEqual(session.sources.map((s) => s.id).sort())
      for (const o of t.outages) expect(o.outageMs).not.toBeNull()

      await env.call('reachability.stop', { sessionId: session.sessionId })
      await waitFor('no probe process left on the nodes after stop', async () => (await probeProcesses()).length === 0, 10_000, 100)
      const after = samples.get('local')!.answered
      await new Promise((r) => setTimeout(r, 400)) // two batch periods: nothing more may arrive
      expect(samples.get('local')!.answered).toBe(after)

      // Forgetting the cluster stops a session probing it.
      await env.call('clusters.nodeService', { clusterId, node: master, action: 'start' })
      await env.call('reachability.start', { clusterId, role: 'vip1', nodes: [probers[0]!], intervalMs: 100 })
      await waitFor('the second session probing', async () => (await probeProcesses()).length > 0, 10_000, 100)
      await env.call('clusters.forget', { clusterId })
      await waitFor('no probe process left after forget', async () => (await probeProcesses()).length === 0, 10_000, 100)
    } finally {
      for (const off of offs) off()
    }
  }, 120_000)
})
