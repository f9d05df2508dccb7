// One node's havip-agent config (/etc/havip/agent.json), derived from the cluster definition:
// one VRRP instance per role, named after the role. The format is the agent's own JSON
// (agent/config/json-config.ts); what it means is agent/config/model.ts.
import type { ClusterDefinition, ClusterNode, Role } from '../../api/cluster'
import { apiError, ApiException } from '../../api/errors'
import { effectivePriority } from './definition'

export const AGENT_CONTROL_SOCKET = '/run/havip/agent.sock'
export const AGENT_LOG_FILE = '/var/log/havip/agent.log'

/** The agent's instance entry as written to agent.json (a subset of its JSON fields). */
export interface AgentInstanceJson {
  name: string
  interface: string
  vrid: number
  version: 2 | 3
  priority: number
  advertIntervalMs: number
  preempt: boolean
  /** Failback window (node local time): preempt only between these hours. */
  preemptWindow?: { startHour: number; endHour: number }
  unicastSrcIp?: string
  unicastPeers?: string[]
  auth?: { type: 'PASS'; password: string }
  vips: { address: string; prefix: number }[]
}

export interface AgentConfigJson {
  /** Read by no one: says where the file comes from (the agent's JSON reader skips `comment`). */
  comment: string
  instances: AgentInstanceJson[]
  controlSocket: string
  logFile: string
}

export function nodeOf(def: ClusterDefinition, nodeName: string): ClusterNode {
  const node = def.nodes.find((n) => n.name === nodeName)
  if (!node) throw new ApiException(apiError('not-found', `cluster ${def.name} has no node ${nodeName}`, { field: 'node' }))
  return node
}

/** The addresses of every other node (unicast peers), in the definition's order. */
export function peersOf(def: ClusterDefinition, node: ClusterNode): string[] {
  return def.nodes.filter((n) => n.name !== node.name).map((n) => n.address)
}

function instanceFor(def: ClusterDefinition, node: ClusterNode, role: Role): AgentInstanceJson {
  const [address = '', prefix = '32'] = role.vip.split('/')
  const inst: AgentInstanceJson = {
    name: role.name,
    interface: node.interface,
    vrid: role.vrid,
    version: role.version,
    priority: effectivePriority(def, role.name, node.name),
    advertIntervalMs: role.advertIntervalMs,
    // never: a returning preferred owner stays backup (nopreempt); immediately: it takes the
    // role back at once; window: the agent preempts only inside the hours (preemptWindow).
    preempt: role.failback.policy !== 'never',
    vips: [{ address, prefix: Number(prefix) }]
  }
  if (role.failback.policy === 'window') inst.preemptWindow = { startHour: role.failback.startHour, endHour: role.failback.endHour }
  // The node's own address is the advert source in both modes: an interface may carry several
  // addresses, and the one in the definition is the one its peers list.
  inst.unicastSrcIp = node.address
  // A lone node has no peer: its adverts then go to the multicast group, which no one else
  // hears either; the peers appear with the second node.
  const peers = peersOf(def, node)
  if (role.mode === 'unicast' && peers.length > 0) inst.unicastPeers = peers
  if (role.auth.type === 'pass') inst.auth = { type: 'PASS', password: role.auth.password }
  return inst
}

/** The agent config of `nodeName` (an object, as agent.json holds it). */
export function agentConfigFor(def: ClusterDefinition, nodeName: string): AgentConfigJson {
  const node = nodeOf(def, nodeName)
  return {
    comment: `havip cluster ${def.name} (${def.id}) generation ${def.generation}, node ${node.name}: derived from /etc/havip/cluster.json by HAVIP Manager; changes here are overwritten`,
    instances: def.roles.map((r) => instanceFor(def, node, r)),
    controlSocket: AGENT_CONTROL_SOCKET,
    logFile: AGENT_LOG_FILE
  }
}

/** agent.json's text for `nodeName`. */
export function agentConfigJson(def: ClusterDefinition, nodeName: string): string {
  return `${JSON.stringify(agentConfigFor(def, nodeName), null, 2)}\n`
}
