// Network: the interface the VIP goes on (exists, up, has IPv4), the VIP's place in its subnet
// on every node, the nodes on one subnet with one MTU, and the VIP not already in use on the
// segment (an ARP duplicate-address probe; answers from this cluster's own nodes are the
// current owner, not a conflict).
import { interfaceNameProblem } from '../../../api/interface-name'
import type { NetInterface } from '../../../api/model'
import { ipv4InSubnet, ipv4ToNumber, networkOf } from '../ipv4'
import type { ClusterContext, NodeContext, TestOutcome, ValidationTestDef } from '../test-module'
import { fail, meta, ok, programsOn, run, warn } from './remote'

const ipv4Of = (i: NetInterface | undefined): NetInterface['addresses'] => (i?.addresses ?? []).filter((a) => a.family === 'inet')

function noInterface(node: NodeContext): TestOutcome {
  const names = node.facts.interfaces.filter((i) => i.name !== 'lo').map((i) => i.name)
  const listed = `It has: ${names.join(', ') || 'no interfaces but lo'}.`
  const problem = node.requestedInterface ? interfaceNameProblem(node.platform.platform, node.requestedInterface) : undefined
  if (problem) return fail(`${node.label}: ${problem}. ${listed}`, 'Choose one of the node\'s interfaces (the one on the VIP\'s subnet) and validate again.')
  if (node.requestedInterface) {
    return fail(`${node.label} has no interface "${node.requestedInterface}". ${listed}`, 'Choose one of the node\'s interfaces (the one on the VIP\'s subnet) and validate again.')
  }
  return fail(`${node.label}: no interface was given and none holds the VIP's subnet or the default route. ${listed}`, 'Name the interface the VIP should go on (--interface / the wizard\'s interface field).')
}

const interfaceReady: ValidationTestDef = {
  meta: meta('network', 'interface', 'Interface exists, is up and has IPv4', 'The interface the VIP will go on exists on the node, is up, and has an IPv4 address (the VRRP adverts\' source).', 'node', false),
  // Reads only the facts, which Windows nodes have in the same shape.
  platforms: ['linux', 'windows'],
  async runNode(node) {
    const i = node.iface
    if (!i) return noInterface(node)
    const v4 = ipv4Of(i)
    const evidence = [
      { label: 'interface', value: i.name },
      { label: 'state', value: i.state },
      { label: 'IPv4', value: v4.map((a) => `${a.address}/${a.prefix}`).join(', ') || '(none)' }
    ]
    if (i.state === 'DOWN' || i.state === 'LOWERLAYERDOWN' || i.state === 'NOTPRESENT') {
      return fail(`${node.label}: ${i.name} is ${i.state}.`, `Bring it up (ip link set ${i.name} up, and check the cable or the virtual NIC), then validate again.`, evidence)
    }
    if (v4.length === 0) {
      return fail(`${node.label}: ${i.name} has no IPv4 address; VRRP adverts need one as their source.`, `Give ${i.name} the node's own IPv4 address on the VIP's subnet (in its network configuration).`, evidence)
    }
    if (i.state !== 'UP') {
      return warn(`${node.label}: ${i.name} reports state ${i.state} (not UP) with ${v4[0]!.address}/${v4[0]!.prefix}.`, `Check that ${i.name} carries traffic (ip link show ${i.name}); some virtual interfaces report UNKNOWN and work.`, evidence)
    }
    return ok(`${node.label}: ${i.name} is UP with ${v4.map((a) => `${a.address}/${a.prefix}`).join(', ')}.`, evidence)
  }
}

/** The node's own addresses, so the VIP is never one of them; secondary ones may be this cluster's VIP held now. */
function vipOnNode(node: NodeContext, vip: string): { iface: string; primary: boolean } | undefined {
  for (const i of node.facts.interfaces) {
    const v4 = ipv4Of(i)
    const idx = v4.findIndex((a) => a.address === vip)
    if (idx >= 0) return { iface: i.name, primary: idx === 0 && v4[0]!.prefix !== 32 }
  }
  return undefined
}

const vipInSubnet: ValidationTestDef = {
  meta: meta('network', 'vip-in-subnet', 'VIP lies in the interface\'s subnet', 'The VIP is an address of the interface\'s IPv4 subnet (so neighbours reach it by ARP), not its network or broadcast address, and not the node\'s own address.', 'node', false),
  // Reads only the facts, which Windows nodes have in the same shape.
  platforms: ['linux', 'windows'],
  async runNode(node, cluster) {
    const { vip, prefix } = cluster.settings
    if (!node.iface) return noInterface(node)
    const v4 = ipv4Of(node.iface)
    const evidence = [
      { label: 'VIP', value: `${vip}/${prefix}` },
      { label: node.iface.name, value: v4.map((a) => `${a.address}/${a.prefix}`).join(', ') || '(no IPv4)' }
    ]
    const held = vipOnNode(node, vip)
    if (held?.primary) {
      return fail(`${vip} is ${node.label}'s own address (on ${held.iface}); a VIP must be an address no node uses.`, 'Choose a free address of the subnet for the VIP.', evidence)
    }
    const home = v4.find((a) => a.address !== vip && ipv4InSubnet(vip, a.address, a.prefix))
    if (!home) {
      const nets = v4.map((a) => networkOf(a.address, a.prefix)).join(', ') || 'no IPv4 subnet'
      return fail(`${vip} is outside ${node.label}'s subnet on ${node.iface.name} (${nets}).`, `Choose a VIP inside ${nets}, or the interface that is on the VIP's subnet.`, evidence)
    }
    const net = networkOf(home.address, home.prefix)!
    const n = ipv4ToNumber(vip)!
    const size = 2 ** (32 - home.prefix)
    const offset = n - ipv4ToNumber(net.split('/')[0]!)!
    if (home.prefix < 31 && (offset === 0 || offset === size - 1)) {
      return fail(`${vip} is the ${offset === 0 ? 'network' : 'broadcast'} address of ${net}.`, `Choose a host address inside ${net}.`, evidence)
    }
    const notes: string[] = []
    let status: 'ok' | 'warn' = 'ok'
    if (held) notes.push(`${node.label} holds ${vip} now as an extra address on ${held.iface} (the current owner, if this cluster already runs)`)
    if (prefix !== home.prefix) {
      status = 'warn'
      notes.push(`the VIP's prefix /${prefix} differs from the subnet's /${home.prefix}`)
    }
    const details = `${vip} lies in ${net} on ${node.iface.name} (${node.label}'s address ${home.address})${notes.length ? `; ${notes.join('; ')}` : ''}.`
    return status === 'warn' ? warn(details, `Write the VIP with the subnet's prefix: ${vip}/${home.prefix}.`, evidence) : ok(details, evidence)
  }
}

function subnetOf(node: NodeContext, vip: string): string | undefined {
  const a = ipv4Of(node.iface).find((x) => x.address !== vip && ipv4InSubnet(vip, x.address, x.prefix)) ?? ipv4Of(node.iface)[0]
  return a ? networkOf(a.address, a.prefix) : undefined
}

/** Per node: Success when its value is the most common one, else `differs`. */
function compareAcross(cluster: ClusterContext, valueOf: (n: NodeContext) => string | undefined, judge: (n: NodeContext, value: string | undefined, majority: string | undefined, others: string) => TestOutcome): Record<string, TestOutcome> {
  const counts = new Map<string, number>()
  for (const n of cluster.nodes) {
    const v = valueOf(n)
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1)
  }
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]
  const others = cluster.nodes.map((n) => `${n.label}: ${valueOf(n) ?? '—'}`).join(', ')
  return Object.fromEntries(cluster.nodes.map((n) => [n.nodeId, judge(n, valueOf(n), majority, others)]))
}

const sameSubnet: ValidationTestDef = {
  meta: meta('network', 'same-subnet', 'All nodes share the subnet', 'Every node\'s interface is on the same IPv4 subnet: the VIP moves between them by ARP, which does not cross routers.', 'cluster', false),
  // Reads only the facts, which Windows nodes have in the same shape.
  platforms: ['linux', 'windows'],
  async runCluster(cluster) {
    return compareAcross(cluster, (n) => subnetOf(n, cluster.settings.vip), (n, v, majority, all) => {
      const evidence = [{ label: 'subnets', value: all }]
      if (!n.iface) return noInterface(n)
      if (!v) return fail(`${n.label}: ${n.iface.name} has no IPv4 subnet.`, `Give ${n.iface.name} an address on the cluster's subnet.`, evidence)
      if (v !== majority) return fail(`${n.label} is on ${v}, the other nodes on ${majority}.`, 'Put every node on one layer-2 segment and subnet (or choose the interface that is on it).', evidence)
      return ok(cluster.nodes.length > 1 ? `${n.label} is on ${v} with the other nodes.` : `${n.label} is on ${v} (the only node).`, evidence)
    })
  }
}

const mtuConsistent: ValidationTestDef = {
  meta: meta('network', 'mtu', 'MTU consistent', 'The VIP\'s interface has the same MTU on every node, so traffic that follows the VIP to another node is not fragmented or dropped.', 'cluster', false),
  // Reads only the facts, which Windows nodes have in the same shape.
  platforms: ['linux', 'windows'],
  async runCluster(cluster) {
    return compareAcross(cluster, (n) => (n.iface ? String(n.iface.mtu) : undefined), (n, v, majority, all) => {
      const evidence = [{ label: 'MTU', value: all }]
      if (!n.iface) return noInterface(n)
      if (v !== majority) return warn(`${n.label}: ${n.iface.name} has MTU ${v}, the other nodes ${majority}.`, `Set the same MTU on every node (ip link set ${n.iface.name} mtu ${majority}, and in its network configuration).`, evidence)
      return ok(`${n.label}: ${n.iface.name} has MTU ${v}${cluster.nodes.length > 1 ? ', as the other nodes' : ''}.`, evidence)
    })
  }
}

/** "Unicast reply from 198.51.100.13 [C2:52:4B:77:CE:97]" lines of iputils arping → MACs (lower case). */
export function parseArpingReplies(text: string): string[] {
  return [...text.matchAll(/reply from \S+ \[([0-9A-Fa-f:]{17})\]/g)].map((m) => m[1]!.toLowerCase())
}

const vipFree: ValidationTestDef = {
  meta: meta('network', 'vip-free', 'VIP not already in use on the segment', 'Nobody answers ARP for the VIP on the segment (a duplicate-address probe), except this cluster\'s own current owner.', 'node', true),
  async runNode(node, cluster) {
    const { vip } = cluster.settings
    if (!node.iface) return noInterface(node)
    const ifname = node.iface.name
    const held = vipOnNode(node, vip)
    if (held) return ok(`${node.label} holds ${vip} itself (on ${held.iface}); the other nodes' probes tell whether anyone else answers.`)
    const ownMacs = new Map(cluster.nodes.flatMap((n) => n.facts.interfaces.filter((i) => i.mac).map((i) => [i.mac!.toLowerCase(), n.label] as const)))
    const tools = await programsOn(node, ['arping', 'ping', 'ip'])
    let macs: string[]
    let how: string
    if (tools.has('arping')) {
      // -D: duplicate address detection (source 0.0.0.0), so the probe leaves no ARP entry anywhere.
      const r = await run(node, ['arping', '-D', '-c', '2', '-w', '2', '-I', ifname, vip], { sudo: true })
      if (r.code !== 0 && r.code !== 1) {
        return warn(`${node.label}: arping could not probe ${vip} on ${ifname}: ${r.stderr.trim() || `exit ${r.code}`}.`, 'Check that arping (iputils-arping) works on the node, then validate again.')
      }
      macs = parseArpingReplies(r.stdout)
      how = 'arping -D'
    } else {
      // No arping: one ping, then read what the neighbour table learnt about the VIP.
      await run(node, ['ping', '-c', '1', '-W', '1', '-I', ifname, vip])
      const r = await run(node, ['ip', '-j', 'neigh', 'show', 'to', vip, 'dev', ifname])
      macs = parseNeighMacs(r.stdout)
      how = 'ping + ip neigh (arping is not installed)'
    }
    const strangers = [...new Set(macs)].filter((m) => !ownMacs.has(m))
    const owners = [...new Set(macs)].filter((m) => ownMacs.has(m)).map((m) => ownMacs.get(m)!)
    const evidence = [
      { label: 'probe', value: `${how} on ${ifname}` },
      { label: 'answered by', value: [...new Set(macs)].map((m) => `${m}${ownMacs.has(m) ? ` (${ownMacs.get(m)})` : ''}`).join(', ') || 'nobody' }
    ]
    if (strangers.length > 0) {
      return fail(
        `${vip} is already in use on the segment: ${strangers.join(', ')} answered ARP for it (seen from ${node.label} on ${ifname}).`,
        `Choose a free address for the VIP, or find the host with MAC ${strangers[0]} (e.g. in the switch's MAC table) and remove ${vip} from it.`,
        evidence
      )
    }
    if (owners.length > 0) return ok(`${vip} answers from ${owners.join(', ')}, a node of this cluster (its current owner); no one else answers.`, evidence)
    return ok(`Nobody answers ARP for ${vip} on ${node.label}'s segment (${ifname}).`, evidence)
  }
}

/** `ip -j neigh` entries with a link-layer address (a reachable, stale or delayed neighbour). */
export function parseNeighMacs(text: string): string[] {
  try {
    const data = JSON.parse(text) as Array<{ lladdr?: unknown; state?: unknown }>
    return data.flatMap((e) => (typeof e.lladdr === 'string' && !(Array.isArray(e.state) && e.state.includes('FAILED')) ? [e.lladdr.toLowerCase()] : []))
  } catch {
    return []
  }
}

export const networkTests: ValidationTestDef[] = [interfaceReady, vipInSubnet, sameSubnet, mtuConsistent, vipFree]
