// The VRRP and VIP group, the one no other tool has: a router id scan of the segment, protocol
// 112 proven with real packets between every pair of nodes, and the cloud guides' traps. The
// three packet tests share one probe per run (vrrp-probe.ts): the agent bundle goes to each
// node once, all nodes listen for ~3 advert intervals together, and the bundle is removed.
import type { TestOutcome, ValidationTestDef } from '../test-module'
import { judgeHeartbeatSource, judgeVipPerNic } from './vrrp-judge-node'
import { judgeProtocol112 } from './vrrp-judge-paths'
import { judgeScan } from './vrrp-judge-scan'
import { finishedProbe, scanWindowMs, sharedProbe } from './vrrp-probe'

/**
 * The packet tests' own bound: the longest window (3 x 255 s + margin) plus upload and SSH time.
 * Each remote command has its own, tighter timeout; this only backs them up.
 */
const PROBE_TEST_TIMEOUT_MS = scanWindowMs(255_000) + 90_000

/** A temp dir that could not be removed is said, on the scan's results: validation must leave nothing behind. */
function withCleanupProblems(outcomes: Record<string, TestOutcome>, problems: string[]): Record<string, TestOutcome> {
  if (problems.length === 0) return outcomes
  return Object.fromEntries(Object.entries(outcomes).map(([id, o]) => [id, {
    ...o,
    status: o.status === 'Success' ? 'Warning' : o.status,
    details: `${o.details} The diagnostic agent's temp dir could not be removed: ${problems.join('; ')}.`,
    remediation: o.remediation ?? 'Remove the havip-validate-* directory named above from /run/havip (or /run) on that node.'
  }]))
}

const judgeNodes = (nodes: { nodeId: string; label: string }[]) => nodes.map((n) => ({ nodeId: n.nodeId, label: n.label }))

export const vrrpTests: ValidationTestDef[] = [
  {
    meta: {
      id: 'vrrp.router-id-scan',
      group: 'vrrp',
      title: 'Router id (VRID) scan of the segment',
      checks:
        'Listens for VRRP adverts (IP protocol 112) on every node for at least three advert intervals and lists every VRID in use with its senders (address, priority, version, interval). ' +
        'Fails when the chosen VRID is already in use (one router id per VRID domain) and proposes a free one.',
      scope: 'cluster',
      needsRoot: true
    },
    timeoutMs: PROBE_TEST_TIMEOUT_MS,
    async runCluster(cluster) {
      const probe = await sharedProbe(cluster)
      return withCleanupProblems(judgeScan(judgeNodes(cluster.nodes), cluster.settings, probe).outcomes, probe.cleanup)
    },
    proposals(cluster) {
      const probe = finishedProbe(cluster)
      const vrid = probe && judgeScan(judgeNodes(cluster.nodes), cluster.settings, probe).proposedVrid
      return vrid === undefined ? undefined : { vrid }
    }
  },
  {
    meta: {
      id: 'vrrp.protocol-112',
      group: 'vrrp',
      title: 'VRRP (IP protocol 112) passes between every pair of nodes',
      checks:
        'Every node sends marked test adverts (VRRPv3, priority 1, on a VRID nobody uses, so no VRRP router on the segment reacts) to every other node, unicast and to 224.0.0.18, ' +
        'and counts what arrives from each, in the mode the cluster will use. Multicast that a cloud VPC does not deliver is a warning to use unicast.',
      scope: 'cluster',
      needsRoot: true
    },
    timeoutMs: PROBE_TEST_TIMEOUT_MS,
    async runCluster(cluster) {
      const probe = await sharedProbe(cluster)
      return judgeProtocol112(judgeNodes(cluster.nodes), cluster.settings.mode, probe)
    }
  },
  {
    meta: {
      id: 'vrrp.heartbeat-source',
      group: 'vrrp',
      title: 'Heartbeat source is the node\'s own address, never the VIP',
      checks:
        'VRRP adverts must leave from the node\'s own fixed address on the VIP\'s interface (unicast_src_ip), never from the VIP, which moves on failover. ' +
        'Checks the interface\'s addresses and which source the other nodes saw the test adverts come from.',
      scope: 'cluster',
      needsRoot: false
    },
    timeoutMs: PROBE_TEST_TIMEOUT_MS,
    async runCluster(cluster) {
      // Judged on the interface alone when the probe could not run (no Node.js, no sudo).
      const probe = await sharedProbe(cluster)
      const nodes = judgeNodes(cluster.nodes)
      return Object.fromEntries(cluster.nodes.map((n) => [n.nodeId, judgeHeartbeatSource({ ...nodes.find((x) => x.nodeId === n.nodeId)!, iface: n.iface }, nodes, cluster.settings, probe)]))
    }
  },
  {
    meta: {
      id: 'vrrp.vip-per-nic',
      group: 'vrrp',
      title: 'Room for the VIP on the NIC (cloud per-NIC address limit)',
      checks:
        'Counts the secondary IPv4 addresses the VIP\'s interface already carries and recognises the cloud from the node\'s DMI data: clouds cap addresses per NIC by instance type ' +
        'and route a VIP only when the cloud assigns it, so on a cloud this is a warning to check.',
      scope: 'node',
      needsRoot: false
    },
    async runNode(node, cluster) {
      // World-readable DMI strings; absent in containers and on some hypervisors (then: no cloud recognised).
      const dmi = node.facts.platform === 'linux'
        ? (await node.session.exec(['cat', '/sys/class/dmi/id/sys_vendor', '/sys/class/dmi/id/product_name', '/sys/class/dmi/id/chassis_asset_tag'], { timeoutMs: 10_000 })).stdout
        : ''
      return judgeVipPerNic({ nodeId: node.nodeId, label: node.label, iface: node.iface }, cluster.settings, dmi)
    }
  }
]
