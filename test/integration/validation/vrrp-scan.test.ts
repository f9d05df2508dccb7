// The VRRP and VIP group on real lab nodes over real SSH: a healthy 3-node lab passes; a
// keepalived pair on the segment is listed by the router id scan with its master, fails the
// scan when the request picks its VRID, gets a free VRID proposed, and never changes state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationResult } from '../../../electron/api/validation'
import { vrrpTests } from '../../../electron/backend/validation/groups/vrrp'
import { runTests } from '../../../electron/backend/validation/runner'
import { startKeepalivedPair, type KeepalivedPair } from '../../lab/keepalived-pair'
import { waitFor } from '../../support/wait-for'
import { clusterOf, openVrrpLab, tempDirsByNode, runGroup, statuses, type VrrpLab } from './vrrp-lab'

const VIP = '198.51.100.210'
const PAIR_VRID = 51
const PAIR_VIP = '198.51.100.219'

let lab: VrrpLab
beforeAll(async () => {
  lab = await openVrrpLab(3)
})
afterAll(async () => {
  await lab?.dispose()
})

const ids = () => lab.contexts.map((c) => c.nodeId)
const allAre = (status: string) => Object.fromEntries(ids().map((id) => [id, status]))

describe('VRRP group on a healthy lab', () => {
  it('passes every test on every node, and leaves nothing on the nodes', async () => {
    const dirsBefore = await tempDirsByNode(lab.nodes)
    const cluster = clusterOf(lab.contexts, { vip: VIP, vrid: 77, mode: 'unicast' })
    const started = Date.now()
    const { results, proposedVrid } = await runGroup(cluster)
    console.log(`VRRP group, 3 nodes, 1 s adverts: ${Date.now() - started} ms`)
    for (const [id, byNode] of Object.entries(results)) expect(statuses(byNode), `${id}: ${JSON.stringify(byNode, null, 1)}`).toEqual(allAre('Success'))
    expect(proposedVrid).toBeUndefined() // 77 is free: nothing to propose

    const n1 = lab.contexts[0]!.nodeId
    expect(results['vrrp.router-id-scan']![n1]!.details).toMatch(/VRID 77 is free/)
    expect(results['vrrp.router-id-scan']![n1]!.details).toMatch(/3\.5 s \(3 advert intervals of 1000 ms\)/)
    expect(results['vrrp.protocol-112']![n1]!.details).toBe('Unicast VRRP (protocol 112) passes both ways between n1 and n2, n3. Multicast passes too (not used).')
    expect(results['vrrp.protocol-112']![n1]!.evidence).toContainEqual({ label: 'n3 → n1 unicast', value: '3 of 3 received' })
    expect(results['vrrp.heartbeat-source']![n1]!.details).toBe(`VRRP adverts leave from ${lab.nodes[0]!.address}, eth0's own address, not from the VIP ${VIP}. n2, n3 received this node's test adverts from ${lab.nodes[0]!.address}.`)
    // The bundle went to a private dir per node (progress says so) and is gone again.
    expect(cluster.log.some((l) => l.includes('uploading the diagnostic agent'))).toBe(true)
    expect(await tempDirsByNode(lab.nodes)).toEqual(dirsBefore)
  })

  it('proposes the VIP\'s last octet as the VRID when none is chosen and it is free', async () => {
    const { results, proposedVrid } = await runGroup(clusterOf(lab.contexts.slice(0, 2), { vip: VIP, mode: 'multicast', advertIntervalMs: 300 }))
    expect(proposedVrid).toBe(210)
    expect(statuses(results['vrrp.router-id-scan']!)).toEqual(Object.fromEntries(ids().slice(0, 2).map((id) => [id, 'Success'])))
    expect(results['vrrp.router-id-scan']![lab.contexts[0]!.nodeId]!.details).toMatch(/VRID 210 is free on every node that scanned and is proposed/)
    expect(results['vrrp.protocol-112']![lab.contexts[0]!.nodeId]!.details).toBe('Multicast VRRP (224.0.0.18) passes both ways between n1 and n2.')
  })

  it('cancelled mid-scan: the tests are Not run and the temp dirs are removed once the scan ends', async () => {

    const dirsBefore = await tempDirsByNode(lab.nodes)
    const ac = new AbortController()
    const cluster = clusterOf(lab.contexts, { vip: VIP, vrid: 78 }, ac.signal)
    const run = runGroup(cluster)
    await waitFor('the scan to start on every node', () => lab.contexts.every((c) => cluster.log.some((l) => l.startsWith(`${c.nodeId}: listening`))), 20_000)
    ac.abort()
    const { results } = await run
    expect(statuses(results['vrrp.router-id-scan']!)).toEqual(allAre('NotRun'))
    expect(results['vrrp.protocol-112']![lab.contexts[1]!.nodeId]!.details).toMatch(/cancelled/)
    await waitFor('no validation temp dirs of this run left on any node', async () => JSON.stringify(await tempDirsByNode(lab.nodes)) === JSON.stringify(dirsBefore), 15_000, 200)
  })
})

describe('VRRP group with a keepalived pair on the segment', () => {
  let pair: KeepalivedPair
  beforeAll(async () => {
    pair = await startKeepalivedPair({ vrid: PAIR_VRID, vip: PAIR_VIP })
  })
  afterAll(async () => {
    await pair?.stop()
  })

  it('lists the pair\'s VRID with its master, fails when the request chooses it, proposes a free VRID, and the pair never changes state', async () => {
    const before = pair.transitions()
    expect(await pair.holder()).toBe('havip-kp-a')

    const { results, proposedVrid } = await runGroup(clusterOf(lab.contexts, { vip: VIP, vrid: PAIR_VRID, mode: 'unicast' }))
    const scan = results['vrrp.router-id-scan']!
    expect(statuses(scan)).toEqual(allAre('Failed'))
    for (const o of Object.values(scan)) {
      expect(o.details).toMatch(/^VRID 51 is already in use on this segment by 198\.51\.100\.31 \(priority 150, VRRPv3, every 1 s, multicast, VIPs 198\.51\.100\.219\), heard by n1, n2, n3\./)
      expect(o.evidence).toContainEqual({ label: 'VRID 51', value: '198.51.100.31 (priority 150, VRRPv3, every 1 s, multicast, VIPs 198.51.100.219)' })
      expect(o.remediation).toMatch(/^Choose another VRID: 210 was heard on no node/)
    }
    expect(proposedVrid).toBe(210)
    // The test adverts went out on a VRID nobody used and disturbed nothing.
    expect(statuses(results['vrrp.protocol-112']!)).toEqual(allAre('Success'))
    expect(pair.transitions()).toEqual(before)
    expect(await pair.holder()).toBe('havip-kp-a')

    // The proposed VRID passes.
    const again = await runGroup(clusterOf(lab.contexts, { vip: VIP, vrid: proposedVrid, mode: 'unicast' }))
    expect(statuses(again.results['vrrp.router-id-scan']!)).toEqual(allAre('Success'))
    expect(again.results['vrrp.router-id-scan']![lab.contexts[2]!.nodeId]!.details).toMatch(/^VRID 210 is free: no adverts on it\. Heard on eth0 in 3\.\d s \(3 advert intervals of 1000 ms\): VRID 51 from 198\.51\.100\.31\./)
    expect(pair.transitions()).toEqual(before)
    expect(await pair.holder()).toBe('havip-kp-a')
  })

  it('through the validation runner: one probe for the group, the pair listed, the free VRID proposed in the report', async () => {

    const dirsBefore = await tempDirsByNode(lab.nodes)
    const before = pair.transitions()
    const results: ValidationResult[] = []
    const progress: string[] = []
    const out = await runTests({
      tests: vrrpTests, nodes: lab.contexts, unreachable: [], signal: new AbortController().signal,
      settings: { vip: VIP, prefix: 24, advertIntervalMs: 1000, mode: 'unicast' },
      onProgress: (p) => void progress.push(`${p.testId} ${p.nodeId} ${p.message ?? p.status}`),
      onResult: (r) => void results.push(r)
    })
    expect(out.proposedVrid).toBe(210)
    expect(results).toHaveLength(vrrpTests.length * lab.contexts.length)
    expect(results.filter((r) => r.status !== 'Success').map((r) => `${r.testId} ${r.nodeId}: ${r.details}`)).toEqual([])
    const scan = results.find((r) => r.testId === 'vrrp.router-id-scan' && r.nodeId === lab.contexts[0]!.nodeId)!
    expect(scan.details).toMatch(/VRID 51 from 198\.51\.100\.31\..*No VRID was chosen: VRID 210 is free on every node that scanned and is proposed\./)
    // Three tests share the probe: each node got the bundle once.
    expect(progress.filter((l) => l.includes('uploading the diagnostic agent')).length).toBe(lab.contexts.length)
    expect(pair.transitions()).toEqual(before)
    expect(await tempDirsByNode(lab.nodes)).toEqual(dirsBefore)
  })
})
