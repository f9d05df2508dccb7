// The wizard's pure logic: the interface proposal from a node's facts, the form check (with
// the API's own messages), the catalogue tree's tri-state groups and the live progress grid.
import { describe, expect, it } from 'vitest'
import type { NodeFacts } from '../../../electron/api/model'
import type { ValidationTest } from '../../../electron/api/validation'
import {
  applyProgress,
  blankSettings,
  checkInputs,
  closeGrid,
  emptyGrid,
  groupCatalogue,
  groupState,
  inSubnet,
  interfaceChoices,
  progressCounts,
  proposeInterface,
  reportNodeName,
  toggleGroup,
  type ChosenNode
} from '../../../renderer/src/stores/validation-model'

function facts(ifaces: { name: string; v4?: string; state?: string }[], dev = 'eth0'): NodeFacts {
  return {
    hostname: 'n1',
    os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian GNU/Linux 12' },
    kernel: '6.1.0',
    arch: 'x64',
    nodeVersion: 'v20.19.0',
    interfaces: ifaces.map((i) => ({
      name: i.name,
      mtu: 1500,
      state: i.state ?? 'UP',
      addresses: i.v4 ? [{ family: 'inet' as const, address: i.v4.split('/')[0]!, prefix: Number(i.v4.split('/')[1]) }] : []
    })),
    defaultRoute: { gateway: null, dev },
    platform: 'linux',
    collectedAt: '2026-12-01T00:00:00Z'
  }
}

const twoNics = facts([{ name: 'lo', v4: '127.0.0.1/8' }, { name: 'eth0', v4: '203.0.113.5/24' }, { name: 'eth1', v4: '198.51.100.11/24' }])

function node(id: string, f: NodeFacts | null, extra: Partial<ChosenNode> = {}): ChosenNode {
  return { connectionId: id, name: id, connected: true, facts: f, interface: '', ...extra }
}

describe('interfaces', () => {
  it('subnet arithmetic covers /32, /0 and the edges of a /24', () => {
    expect(inSubnet('198.51.100.255', '198.51.100.11', 24)).toBe(true)
    expect(inSubnet('198.51.101.0', '198.51.100.11', 24)).toBe(false)
    expect(inSubnet('198.51.100.11', '198.51.100.11', 32)).toBe(true)
    expect(inSubnet('198.51.100.12', '198.51.100.11', 32)).toBe(false)
    expect(inSubnet('192.0.2.1', '198.51.100.11', 0)).toBe(true)
  })

  it('proposes the interface whose subnet contains the VIP, not the default route', () => {
    const p = proposeInterface(twoNics, '198.51.100.50/24')
    expect(p).toEqual({ name: 'eth1', reason: '198.51.100.11/24 contains the VIP', containsVip: true })
  })

  it('falls back to the default route and says that no subnet contains the VIP', () => {
    const p = proposeInterface(twoNics, '192.0.2.50/24')
    expect(p?.name).toBe('eth0')
    expect(p?.containsVip).toBe(false)
    expect(p?.reason).toMatch(/no interface has a subnet that contains the VIP/)
    // Without a VIP yet, the default route is all there is to go on (and that is no warning).
    expect(proposeInterface(twoNics, '')?.reason).toBe("the default route's interface")
  })

  it('offers interfaces with an IPv4 address first and loopback last', () => {
    const f = facts([{ name: 'lo', v4: '127.0.0.1/8' }, { name: 'eth2', state: 'DOWN' }, { name: 'eth0', v4: '198.51.100.11/24' }])
    expect(interfaceChoices(f).map((i) => i.text)).toEqual(['eth0 (198.51.100.11/24)', 'eth2 [DOWN]', 'lo (127.0.0.1/8)'])
  })
})

describe('checkInputs', () => {
  const good = { ...blankSettings(), vip: '198.51.100.50/24' }

  it('builds the request with the proposed interface per node and the defaults', () => {
    const r = checkInputs(good, [node('c1', twoNics), node('c2', twoNics, { interface: 'eth0' })], undefined)
    expect(r.fields).toEqual({})
    expect(r.nodes).toEqual({})
    expect(r.request).toEqual({
      nodes: [
        { connectionId: 'c1', interface: 'eth1' },
        { connectionId: 'c2', interface: 'eth0' }
      ],
      vip: '198.51.100.50/24',
      advertIntervalMs: 1000,
      mode: 'unicast'
    })
  })

  it('uses the contract\'s messages for a bad VIP, VRID and advert interval', () => {
    const r = checkInputs({ vip: '198.51.100.300/24', vrid: '256', advertIntervalMs: '1005', mode: 'unicast' }, [node('c1', twoNics)], undefined)
    expect(r.request).toBeNull()
    expect(r.fields.vip).toMatch(/^not a VIP: write an IPv4 address with its prefix length/)
    expect(r.fields.vrid).toBe('vrid must be 1..255')
    expect(r.fields.advertIntervalMs).toMatch(/multiple of 10 ms/)
    expect(checkInputs({ ...good, vip: '' }, [node('c1', twoNics)], undefined).fields.vip).toMatch(/^enter the VIP/)
  })

  it('refuses an interface name with shell metacharacters, a node that is not connected, and no node at all', () => {
    const r = checkInputs(good, [node('c1', twoNics, { interface: 'eth0;reboot' }), node('c2', null, { connected: false })], undefined)
    expect(r.nodes.c1).toMatch(/^"eth0;reboot" is not a Linux interface name/)
    expect(r.nodes.c2).toBe('c2 is not connected: connect it, or untick it')
    expect(checkInputs(good, [], undefined).fields.nodes).toBe('choose at least one server to validate')
  })

  it('takes a Windows adapter name with spaces for a Windows node, and refuses it for a Linux one', () => {
    const win = { ...facts([{ name: 'Ethernet 2', v4: '198.51.100.21/24' }]), platform: 'windows' as const }
    expect(checkInputs(good, [node('w1', win, { interface: 'Ethernet 2' })], undefined).nodes.w1).toBeUndefined()
    expect(checkInputs(good, [node('w1', win, { interface: 'vEthernet (External)' })], undefined).nodes.w1).toBeUndefined()
    expect(checkInputs(good, [node('w1', win, { interface: 'Ethernet|2' })], undefined).nodes.w1).toMatch(/is not a Windows adapter name/)
    expect(checkInputs(good, [node('c1', twoNics, { interface: 'Ethernet 2' })], undefined).nodes.c1).toMatch(/"Ethernet 2" is not a Linux interface name/)
  })

  it('refuses a VIP that is a node\'s own address', () => {
    const r = checkInputs({ ...good, vip: '198.51.100.11/24' }, [node('c1', twoNics)], undefined)
    expect(r.nodes.c1).toBe("198.51.100.11 is c1's own address on eth1: a VIP must be a free address")
  })

  it('passes a chosen VRID and chosen tests on', () => {
    const r = checkInputs({ ...good, vrid: ' 42 ', mode: 'multicast' }, [node('c1', twoNics)], ['network.vip-in-subnet'])
    expect(r.request).toMatchObject({ vrid: 42, mode: 'multicast', tests: ['network.vip-in-subnet'] })
  })
})

describe('catalogue tree', () => {
  const t = (id: string): ValidationTest => ({
    id,
    group: id.split('.')[0] as ValidationTest['group'],
    title: id,
    checks: 'checks it',
    scope: 'node',
    needsRoot: false
  })
  const catalogue = [t('vrrp.vrid-scan'), t('inventory.os'), t('network.mtu'), t('inventory.arch')]

  it('groups in the contract\'s order with FCM\'s titles', () => {
    expect(groupCatalogue(catalogue).map((g) => [g.title, g.tests.map((x) => x.id)])).toEqual([
      ['Inventory', ['inventory.os', 'inventory.arch']],
      ['Network', ['network.mtu']],
      ['VRRP and VIP', ['vrrp.vrid-scan']]
    ])
  })

  it('a group box is all, some or none, and ticking it fills or clears the group', () => {
    const inventory = groupCatalogue(catalogue)[0]!
    const some = new Set(['inventory.os', 'network.mtu'])
    expect(groupState(inventory, some)).toBe('some')
    const all = toggleGroup(inventory, some)
    expect([...all].sort()).toEqual(['inventory.arch', 'inventory.os', 'network.mtu'])
    expect(groupState(inventory, all)).toBe('all')
    const none = toggleGroup(inventory, all)
    expect([...none]).toEqual(['network.mtu'])
    expect(groupState(inventory, none)).toBe('none')
  })
})

describe('progress grid', () => {
  const ev = (testId: string, nodeId: string, status: 'Running' | 'Success' | 'Failed', message?: string) => ({
    runId: 'r1',
    testId,
    nodeId,
    status,
    ...(message ? { message } : {})
  })

  it('counts cells as they run and finish; a late Running does not undo a result', () => {
    let g = emptyGrid(['a.x', 'a.y'], ['n1', 'n2'])
    expect(progressCounts(g)).toMatchObject({ total: 4, done: 0, running: 0 })
    g = applyProgress(g, ev('a.x', 'n1', 'Running'))
    g = applyProgress(g, ev('a.x', 'n2', 'Failed', 'eth0 is DOWN'))
    g = applyProgress(g, ev('a.x', 'n2', 'Running'))
    expect(g['a.x']!['n2']).toEqual({ status: 'Failed', message: 'eth0 is DOWN' })
    g = applyProgress(g, ev('a.x', 'n1', 'Success'))
    expect(progressCounts(g)).toMatchObject({ total: 4, done: 2, running: 0, Success: 1, Failed: 1 })
  })

  it('closing the grid (cancel) turns what did not finish into Not run', () => {
    let g = emptyGrid(['a.x'], ['n1', 'n2', 'n3'])
    g = applyProgress(g, ev('a.x', 'n1', 'Success'))
    g = applyProgress(g, ev('a.x', 'n2', 'Running'))
    const closed = closeGrid(g)
    expect(Object.values(closed['a.x']!).map((c) => c.status)).toEqual(['Success', 'NotRun', 'NotRun'])
    expect(progressCounts(closed)).toMatchObject({ done: 3, NotRun: 2 })
  })
})

describe('report node names', () => {
  const base = { id: 'c1', host: '198.51.100.11', port: 22, username: 'root' }
  const facts = { hostname: 'n1', osPrettyName: 'Debian', kernel: '6.1', arch: 'x64', nodeVersion: null, platform: 'linux' as const }
  it('prefers a label the admin chose, then the hostname over the default user@host label', () => {
    expect(reportNodeName({ ...base, label: 'web-a', facts })).toBe('web-a')
    expect(reportNodeName({ ...base, label: 'root@198.51.100.11', facts })).toBe('n1')
    expect(reportNodeName({ ...base, label: 'root@198.51.100.11', facts: null })).toBe('root@198.51.100.11')
  })
})
