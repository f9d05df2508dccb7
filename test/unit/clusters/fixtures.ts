// Cluster definitions the cluster unit tests share: built through buildDefinition, so they are
// what the app itself would write.
import type { ClusterNode, Role } from '../../../electron/api/cluster'
import { buildDefinition } from '../../../electron/backend/clusters/definition'

export const NOW = new Date('2026-12-01T21:00:00.000Z')

export function node(i: number, over: Partial<ClusterNode> = {}): ClusterNode {
  return {
    name: `n${i}`,
    host: `198.51.100.${10 + i}`,
    port: 22,
    username: 'admin',
    platform: 'linux',
    interface: 'eth0',
    address: `198.51.100.${10 + i}`,
    priority: 100,
    ...over
  }
}

export function role(over: Partial<Role> = {}): Role {
  return {
    name: 'vip1',
    vip: '198.51.100.100/24',
    vrid: 51,
    version: 3,
    advertIntervalMs: 1000,
    mode: 'unicast',
    auth: { type: 'none' },
    preferredOwners: [],
    failback: { policy: 'never' },
    ...over
  }
}

export function definition(nodes: ClusterNode[], roles: Role[], generation = 1) {
  return buildDefinition({ id: 'cl-0123456789abcdef', name: 'web-vip', generation, appVersion: '0.1.0', now: NOW, nodes, roles })
}

/** A password made of the characters a shell would act on: it must travel verbatim. */
export const HOSTILE_PASSWORD = '$a;|`{}&'

/** The definitions every export/agent-config test runs over. */
export function sampleDefinitions() {
  return {
    'three nodes, unicast v3, preferred owners, failback window': definition(
      [node(1), node(2), node(3)],
      [role({ preferredOwners: ['n2', 'n1'], failback: { policy: 'window', startHour: 22, endHour: 6 }, advertIntervalMs: 250 })]
    ),
    'two nodes, unicast v2 with a hostile password, failback immediately': definition(
      [node(1), node(2)],
      [role({ version: 2, auth: { type: 'pass', password: HOSTILE_PASSWORD }, failback: { policy: 'immediately' }, preferredOwners: ['n1'] })]
    ),
    'two roles, each preferring another node, multicast second': definition(
      [node(1, { interface: 'ens3' }), node(2, { interface: 'ens3', priority: 120 }), node(3, { interface: 'ens3' })],
      [
        role({ name: 'web', preferredOwners: ['n1'] }),
        role({ name: 'db', vip: '198.51.100.101/32', vrid: 52, version: 2, advertIntervalMs: 2000, mode: 'multicast', preferredOwners: ['n3'], auth: { type: 'pass', password: 'p|w;x' } })
      ]
    ),
    'one node, v3 sub-second adverts, no preferred owner': definition([node(1)], [role({ advertIntervalMs: 30, failback: { policy: 'immediately' } })])
  }
}
