// Protocol 112 on real lab nodes with a firewall in the way: an nftables rule in n3's namespace
// that drops VRRP fails the test on every node, naming the pairs into n3; a rule that drops only
// multicast VRRP (as a cloud VPC does) makes multicast mode a warning to use unicast.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { dropVrrpWithNft, vrrpDropped } from '../../lab/shapes'
import { clusterOf, openVrrpLab, tempDirsByNode, runGroup, statuses, type VrrpLab } from './vrrp-lab'

const VIP = '198.51.100.211'

let lab: VrrpLab
let undo: (() => Promise<void>) | undefined
beforeAll(async () => {
  lab = await openVrrpLab(3)
})
afterEach(async () => {
  await undo?.()
  undo = undefined
})
afterAll(async () => {
  await undo?.()
  await lab?.dispose()
})

describe('protocol 112 through a firewall', () => {
  it('n3 drops VRRP: Failed on every node, naming n1 → n3 and n2 → n3 and the firewall fix', async () => {
    const dirsBefore = await tempDirsByNode(lab.nodes)
    const [n1, n2, n3] = lab.contexts.map((c) => c.nodeId) as [string, string, string]
    undo = await dropVrrpWithNft(lab.nodes[2]!)
    const { results } = await runGroup(clusterOf(lab.contexts, { vip: VIP, vrid: 79, mode: 'unicast' }))
    const p112 = results['vrrp.protocol-112']!
    expect(statuses(p112)).toEqual({ [n1]: 'Failed', [n2]: 'Failed', [n3]: 'Failed' })
    expect(p112[n1]!.details).toBe('Unicast VRRP (protocol 112) is blocked: n1 → n3: 0 of 3 test adverts arrived.')
    expect(p112[n2]!.details).toBe('Unicast VRRP (protocol 112) is blocked: n2 → n3: 0 of 3 test adverts arrived.')
    expect(p112[n3]!.details).toBe('Unicast VRRP (protocol 112) is blocked: n1 → n3: 0 of 3 test adverts arrived; n2 → n3: 0 of 3 test adverts arrived.')
    expect(p112[n3]!.remediation).toMatch(/^Allow IP protocol 112 \(VRRP\) into n3 from n1, n2: in the node's firewall \(nft add rule inet filter input ip protocol vrrp accept/)
    // n3's own adverts still leave: n3 → n1 passed.
    expect(p112[n1]!.evidence).toContainEqual({ label: 'n3 → n1 unicast', value: '3 of 3 received' })
    // The rule, not something else, stopped them: 2 peers x 3 rounds x (unicast + multicast) at least.
    expect(await vrrpDropped(lab.nodes[2]!)).toBeGreaterThanOrEqual(12)
    // The scan itself still worked everywhere, and cleaned up.
    expect(statuses(results['vrrp.router-id-scan']!)).toEqual({ [n1]: 'Success', [n2]: 'Success', [n3]: 'Success' })
    expect(await tempDirsByNode(lab.nodes)).toEqual(dirsBefore)
  })

  it('n2 drops only multicast VRRP: multicast mode is a Warning to use unicast; unicast mode passes', async () => {
    const [n1, n2] = lab.contexts.map((c) => c.nodeId) as [string, string]
    const two = lab.contexts.slice(0, 2)
    undo = await dropVrrpWithNft(lab.nodes[1]!, { multicastOnly: true })
    const multicast = (await runGroup(clusterOf(two, { vip: VIP, vrid: 79, mode: 'multicast' }))).results['vrrp.protocol-112']!
    expect(statuses(multicast)).toEqual({ [n1]: 'Warning', [n2]: 'Warning' })
    expect(multicast[n1]!.details).toBe('Multicast VRRP is not delivered: n1 → n2: 0 of 3 test adverts arrived. Unicast passes both ways, as in a cloud VPC, which does not deliver multicast.')
    expect(multicast[n1]!.remediation).toMatch(/^Use unicast mode/)

    const unicast = (await runGroup(clusterOf(two, { vip: VIP, vrid: 79, mode: 'unicast' }))).results['vrrp.protocol-112']!
    expect(statuses(unicast)).toEqual({ [n1]: 'Success', [n2]: 'Success' })
    expect(unicast[n2]!.details).toBe('Unicast VRRP (protocol 112) passes both ways between n2 and n1. Multicast (not used) did not pass on n1 → n2.')
  })
})
