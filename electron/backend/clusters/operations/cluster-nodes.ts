// The nodes of an existing cluster, reached for an operation, and the desktop's record of the
// cluster (KnownCluster) kept in step with the definition the operation wrote.
import type { ClusterDefinition, KnownCluster } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import { settleBounded } from './bounded'
import type { OperationDeps } from './deps'
import { reachNode } from './node-access'
import { errorText } from './operation-run'
import type { NodeHandle } from './preflight'

export interface ReachResult {
  reached: NodeHandle[]
  unreachable: { name: string; why: string }[]
}

/** Reaches every node of `def` (connection ids from the desktop's record where it has them). */
export async function reachClusterNodes(deps: OperationDeps, def: ClusterDefinition, known?: KnownCluster): Promise<ReachResult> {
  const results = await settleBounded(def.nodes, (n) => reachNode(deps.access, n))
  const reached: NodeHandle[] = []
  const unreachable: ReachResult['unreachable'] = []
  results.forEach((r, i) => {
    const node = def.nodes[i]!
    if (r.status === 'fulfilled') reached.push({ node, ...r.value })
    else unreachable.push({ name: node.name, why: errorText(r.reason) })
  })
  return { reached, unreachable }
}

/** Every node reached, or an error naming those that are not (a change of the definition needs them all). */
export function requireAll(r: ReachResult, what: string): NodeHandle[] {
  if (r.unreachable.length === 0) return r.reached
  throw new ApiException({
    kind: 'disconnected',
    message: `${what} needs every node of the cluster, and ${r.unreachable.map((u) => `${u.name} (${u.why})`).join('; ')} cannot be reached. Nothing was changed.`,
    hint: 'Bring the node back or connect to it (check its address and credentials), then run the action again. A node that is gone for good can be evicted.'
  })
}

export function knownEntry(def: ClusterDefinition, connectionIds: Record<string, string>, now: Date): KnownCluster {
  return {
    id: def.id,
    name: def.name,
    generation: def.generation,
    nodes: def.nodes.map((n) => ({ name: n.name, host: n.host, port: n.port, username: n.username, ...(connectionIds[n.name] ? { connectionId: connectionIds[n.name]! } : {}) })),
    roles: def.roles.map((r) => ({ name: r.name, vip: r.vip })),
    lastSeenAt: now.toISOString()
  }
}

export function connectionIdsOf(handles: NodeHandle[]): Record<string, string> {
  return Object.fromEntries(handles.map((h) => [h.node.name, h.connectionId]))
}

/** The known cluster with this id, or 'not-found' saying how to make it known. */
export function knownOrNotFound(deps: OperationDeps, clusterId: string): KnownCluster {
  const k = deps.known.get(clusterId)
  if (!k) {
    throw new ApiException({
      kind: 'not-found',
      message: `This desktop knows no cluster ${clusterId}.`,
      hint: 'Connect to the cluster by one of its nodes (Connect to Cluster, havip cluster connect HOST), then try again.'
    })
  }
  return k
}
