/**
 * Bench "console-move" (issue 12): a Move by the API, measured by the lab client's pings. A
 * 3-node lab cluster made through the API (the console lab test's setup: cluster-lab.ts), then
 * Moves (clusters.move to a chosen node, round the nodes: n1 → n2 → n3 → n1 ...) while the lab
 * client pings the VIP every 5 ms: the outage is from the first probe without a reply to the
 * first reply after the last one lost (ping-outage.ts), and after each Move the client's
 * neighbour entry must point at the new owner's MAC (so the replies after the gap came from it).
 * The API's own outageMs (the agents' transition times) is reported next to it. Aim: < 50 ms.
 * The cluster is destroyed at the end, also on failure.
 */
import type { ClusterState } from '../../electron/api/console'
import { cleanupNodes, createCluster, makeClusterEnv, type ClusterEnv } from '../integration/clusters/cluster-lab'
import { pingsDuring } from '../lab/ping-outage'
import { waitFor } from '../support/wait-for'
import { clientMacFor, nextNode, nodeMac } from './console-lab'
import { distributionRows, type Bench } from './registry'

const NODES = ['n1', 'n2', 'n3']
// Outside state.vipPool and every other lab test's VIP/VRID.
const VIP = '198.51.100.227'
const VRID = 227
const ROLE = 'vip1'
const PING_MS = 5

export const consoleMoveBench: Bench = {
  name: 'console-move',
  description: `Move by the API (clusters.move), the outage measured by the lab client's pings every ${PING_MS} ms; aim < 50 ms`,
  async run(ctx) {
    const moves = ctx.quick ? 3 : 12
    let env: ClusterEnv | undefined
    try {
      env = await makeClusterEnv(3)
      const e = env
      const clusterId = await createCluster(e, NODES, 'bench-move', { vip: `${VIP}/24`, vrid: VRID, preferredOwners: ['n1'], failback: { policy: 'never' } }, 'bench of Move')
      const state = (): Promise<ClusterState> => e.call('clusters.state', { clusterId })
      const settled = (s: ClusterState, owner?: string): boolean => s.roles[0]?.state === 'Online' && (!owner || s.roles[0]?.owner === owner) && s.nodes.every((n) => n.state === 'Up')
      let owner = ''
      await waitFor('the role Online and every node Up', async () => {
        const s = await state()
        owner = s.roles[0]?.owner ?? ''
        return settled(s)
      }, 60_000, 250)
      const macs = new Map<string, string>()
      for (const n of NODES) macs.set(n, await nodeMac(e.lab, n))

      const byPings: (number | null)[] = []
      const byAgents: (number | null)[] = []
      const lostPings: number[] = []
      const wrongMac: string[] = []
      for (let i = 0; i < moves; i++) {
        const from = owner
        const to = nextNode(NODES, from)
        const m = await pingsDuring(VIP, () => e.call('clusters.move', { clusterId, role: ROLE, to }), { intervalMs: PING_MS, settleReplies: 40 })
        if (m.result.owner !== to) throw new Error(`move ${i + 1}: ${ROLE} went to ${m.result.owner}, not ${to}`)
        const mac = await clientMacFor(VIP)
        if (mac !== macs.get(to)) wrongMac.push(`move ${i + 1} (${from} -> ${to}): client sends to ${mac ?? 'no entry'}`)
        byPings.push(m.outageMs)
        byAgents.push(m.result.outageMs)
        lostPings.push(m.lost)
        ctx.log(`move ${i + 1}/${moves} ${from} -> ${to}: ${m.lost} of ${m.sent} pings lost, outage by pings ${m.outageMs ?? 'not ended'} ms; API outageMs ${m.result.outageMs ?? 'n/a'} (${m.result.measuredBy})`)
        owner = to
        await waitFor(`move ${i + 1}: the cluster settled on ${to}`, async () => settled(await state(), to), 20_000, 100)
      }
      if (wrongMac.length > 0) ctx.log(`the client did not follow the new owner after: ${wrongMac.join('; ')}`)
      const subject = `3 nodes, ${moves} Moves round the nodes`
      return [
        ...distributionRows(`Move outage by client pings every ${PING_MS} ms`, subject, byPings, 'ms', `aim < 50 ms; first lost probe to the first reply after the last lost one; the client's neighbour entry on the new owner's MAC after ${moves - wrongMac.length} of ${moves} moves`),
        ...distributionRows('Move outage by the API (outageMs, agents\' times)', subject, byAgents, 'ms', '0 when the new master held the VIP before the old one let go'),
        ...distributionRows('pings lost per Move', subject, lostPings, 'probes')
      ]
    } finally {
      if (env) {
        await cleanupNodes(env, NODES, [`${VIP}/24`]).catch((err) => ctx.log(`bench-move clean-up: ${(err as Error).message}`))
        await env.dispose()
      }
    }
  }
}
