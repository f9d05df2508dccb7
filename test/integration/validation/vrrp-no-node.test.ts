// A node without Node.js: the VRRP group's packet tests are Not run there, saying it needs
// Node.js 18+ (Create Cluster uploads a runtime); the other nodes still test each other, and
// the facts-only test still runs on it.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hideNodeJs } from '../../lab/shapes'
import { clusterOf, openVrrpLab, tempDirsByNode, runGroup, statuses, type VrrpLab } from './vrrp-lab'

let lab: VrrpLab | undefined
let undo: (() => Promise<void>) | undefined
beforeAll(async () => {
  const { readLabState } = await import('../../lab/lab')
  undo = await hideNodeJs(readLabState()!.nodes[2]!)
  lab = await openVrrpLab(3) // facts collected with n3's Node.js hidden
})
afterAll(async () => {
  await undo?.()
  await lab?.dispose()
})

it('n3 without Node.js: NotRun there with the reason, n1 and n2 still prove protocol 112 between them', async () => {

  const dirsBefore = await tempDirsByNode(lab!.nodes)
  const [n1, n2, n3] = lab!.contexts.map((c) => c.nodeId) as [string, string, string]
  expect(lab!.contexts[2]!.facts.nodeVersion).toBeNull()
  const { results } = await runGroup(clusterOf(lab!.contexts, { vip: '198.51.100.212', vrid: 80 }))
  const reason = 'Not run: n3 has no Node.js: this test needs Node.js 18+ on the node; Create Cluster uploads a runtime.'
  for (const id of ['vrrp.router-id-scan', 'vrrp.protocol-112']) expect(results[id]![n3]).toEqual({ status: 'NotRun', details: reason })
  expect(statuses(results['vrrp.protocol-112']!)).toEqual({ [n1]: 'Success', [n2]: 'Success', [n3]: 'NotRun' })
  expect(results['vrrp.protocol-112']![n1]!.details).toBe('Unicast VRRP (protocol 112) passes both ways between n1 and n2. Multicast passes too (not used). Not tested with n3 (no scan there; see their results).')
  // Judged on the interface alone where no packets could be sent.
  expect(results['vrrp.heartbeat-source']![n3]!.status).toBe('Success')
  expect(results['vrrp.vip-per-nic']![n3]!.status).toBe('Success')
  expect(await tempDirsByNode(lab!.nodes)).toEqual(dirsBefore)
})
