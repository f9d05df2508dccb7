// The read side of clusters: Connect to Cluster (by any one node), clusters.get (read again),
// clusters.list / forget (this desktop's list) and clusters.export. The definition lives on
// the nodes, so every read goes to them: each node's cluster.json is read (cluster-reader.ts: /etc/havip on Linux, C:\ProgramData\HAVIP on Windows), the
// highest generation found is the one shown, and nodes holding another generation are flagged.
import type { ApiParsedInput, ConnectResult } from '../../api/contract'
import type { ClusterDefinition, ClusterNodeStatus, ClusterView, ExportFormat, KnownCluster } from '../../api/cluster'
import { ApiException, apiError, type ApiError } from '../../api/errors'
import { clip } from '../../api/limits'
import type { SshTarget } from '../../api/model'
import type { BackendLog } from '../log'
import type { SshSession } from '../ssh/session'
import { toApiError } from '../to-api-error'
import { agentConfigJson } from './agent-config'
import { readNodeCluster, type NodeClusterRead } from './cluster-reader'
import { clusterFileOf, layoutOfSession } from './node-layout'
import { redactDefinition } from './definition'
import { keepalivedConfFor } from './keepalived-export'
import { knownClusterFrom, type KnownClusters } from './known-clusters'
import { hostKeyError, NodeAccessor, reachOfError, refKey, type NodeAccessDeps, type NodeRef, type SharedCredentials } from './node-access'

export interface ClusterDirectoryDeps extends NodeAccessDeps {
  known: KnownClusters
  /** A saved connection's full target with its remembered secret; throws when it has none. */
  targetOf: (connectionId: string) => SshTarget
  now?: () => Date
}

/** One node as the survey found it. */
interface NodeFinding {
  ref: NodeRef
  connectionId?: string
  reach: ClusterNodeStatus['reach']
  read?: NodeClusterRead
  error?: ApiError
}

/** What the nodes say about one cluster: the definition of the highest generation, and each node's state. */
export interface ClusterReading {
  definition: ClusterDefinition
  nodes: ClusterNodeStatus[]
  /** The saved connection of each node this desktop reached, by node name (for the operations). */
  connectionIds: Record<string, string>
}

const MAX_ROUNDS = 3

export class ClusterDirectory {
  private readonly access: NodeAccessor
  private readonly now: () => Date

  constructor(private readonly deps: ClusterDirectoryDeps) {
    this.access = new NodeAccessor(deps)
    this.now = deps.now ?? (() => new Date())
  }

  list(): KnownCluster[] {
    return this.deps.known.list()
  }

  forget(clusterId: string): void {
    if (!this.deps.known.remove(clusterId)) throw this.unknown(clusterId)
    this.deps.log('info', `Forgot cluster ${clusterId} on this desktop (its nodes were not touched)`)
  }

  /** Connect to Cluster: reach the node, read its definition, reach every other node, remember the cluster. */
  async connect(input: ApiParsedInput<'clusters.connect'>): Promise<ClusterView> {
    const entry = await this.entryNode(input)
    let read: NodeClusterRead
    try {
      read = await readNodeCluster(entry.session, entry.ref.host)
    } catch (err) {
      throw new ApiException({ ...toApiError(err, 'clusters.connect', this.deps.log), node: entry.ref.host })
    }
    if (!read.definition) {
      throw new ApiException(
        apiError('not-found', `${entry.ref.host} is not a node of a HAVIP cluster: there is no ${layoutOfSession(entry.session).clusterFile} there.`, {
          hint: 'Connect to the cluster through the address of one of its nodes, or build a cluster with this node (Create Cluster).',
          node: entry.ref.host
        })
      )
    }
    const def = read.definition
    this.deps.log('info', `Connect to Cluster: ${entry.ref.host} holds cluster ${def.name} (${def.id}) generation ${def.generation}`, entry.ref.host)
    const first: NodeFinding = { ref: entry.ref, connectionId: entry.connectionId, reach: 'connected', read }
    const reading = await this.survey(def.id, def.nodes, first, this.shared(entry.connectionId, entry.target))
    this.remember(reading)
    return this.view(reading)
  }

  /** Reads the cluster from its nodes again (clusters.get). */
  async get(clusterId: string): Promise<ClusterView> {
    return this.view(await this.read(clusterId))
  }

  /**
   * The full definition (with the VRRP password: for the backend only, never the renderer) as
   * the nodes hold it now, each node's state, and the connections reached. Updates the list entry.
   */
  async read(clusterId: string): Promise<ClusterReading> {
    const k = this.deps.known.get(clusterId)
    if (!k) throw this.unknown(clusterId)
    let shared: SharedCredentials | undefined
    for (const n of k.nodes) {
      const saved = this.access.savedFor(n)
      shared = saved ? this.shared(saved.id) : undefined
      if (shared) break
    }
    const reading = await this.survey(clusterId, k.nodes, undefined, shared)
    this.remember(reading)
    return reading
  }

  /** The files of an export: each node's keepalived.conf, or the definition as JSON (with its password: the admin's own export). */
  async export(clusterId: string, format: ExportFormat): Promise<{ files: { node?: string; fileName: string; content: string }[] }> {
    const { definition: def } = await this.read(clusterId)
    if (format === 'json') return { files: [{ fileName: `${def.name}.json`, content: `${JSON.stringify(def, null, 2)}\n` }] }
    return { files: def.nodes.map((n) => ({ node: n.name, fileName: `keepalived-${n.name}.conf`, content: keepalivedConfFor(def, n.name) })) }
  }

  /** agent.json of one node as the definition read now derives it (for diagnostics and the operations). */
  async agentConfigOf(clusterId: string, nodeName: string): Promise<string> {
    return agentConfigJson((await this.read(clusterId)).definition, nodeName)
  }

  // -------------------------------------------------------------------------

  private unknown(clusterId: string): ApiException {
    return new ApiException(
      apiError('not-found', `This desktop does not know the cluster ${clusterId}.`, { hint: 'Refresh the cluster list, or connect to the cluster again (Connect to Cluster, by any node).' })
    )
  }

  /** The node the admin named: connected (a saved connection, or the SSH target given, saved as the Connect dialog does). */
  private async entryNode(input: ApiParsedInput<'clusters.connect'>): Promise<{ ref: NodeRef; connectionId: string; session: SshSession; target?: SshTarget }> {
    if ('connectionId' in input) {
      const saved = this.deps.sessions.savedOf(input.connectionId)
      const ref = { host: saved.host, port: saved.port, username: saved.username }
      const access = await this.access.reach(ref, undefined)
      if (access.reach === 'connected') return { ref, connectionId: access.connectionId, session: access.session }
      throw new ApiException(access.error)
    }
    const target = input.target
    const ref = { host: target.host, port: target.port, username: target.username }
    let result: ConnectResult
    try {
      // No `remember`: a secret given here is used, not stored (the Connect dialog asks that).
      result = await this.deps.connect(target)
    } catch (err) {
      throw new ApiException(toApiError(err, 'clusters.connect', this.deps.log))
    }
    if (result.status !== 'connected') throw new ApiException(hostKeyError(result, ref))
    return { ref, connectionId: result.connection.id, session: this.deps.sessions.sessionOf(result.connection.id), target }
  }

  /** The admin's credentials of a saved connection (or the target just given), for nodes with no saved connection. */
  private shared(connectionId: string, given?: SshTarget): SharedCredentials | undefined {
    if (given) return { target: given }
    const remembered = this.deps.listConnections().find((c) => c.id === connectionId)?.remembered === true
    try {
      return { target: this.deps.targetOf(connectionId), remember: remembered }
    } catch {
      return undefined // a password that was not remembered: each node needs the admin
    }
  }

  /**
   * Reaches and reads the nodes, starting from `refs` (and `first`, already read), then the
   * nodes of the highest generation found that were not tried yet (a node added from another
   * desktop), a few rounds at most.
   */
  private async survey(clusterId: string, refs: readonly NodeRef[], first: NodeFinding | undefined, shared: SharedCredentials | undefined): Promise<ClusterReading> {
    const found = new Map<string, NodeFinding>()
    if (first) found.set(refKey(first.ref), first)
    let pending = refs.filter((r) => !found.has(refKey(r)))
    for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
      const batch = [...new Map(pending.map((r) => [refKey(r), r])).values()]
      const results = await Promise.all(batch.map((r) => this.findNode({ host: r.host, port: r.port, username: r.username }, shared)))
      for (const f of results) found.set(refKey(f.ref), f)
      const best = highest(clusterId, [...found.values()])
      pending = best ? best.nodes.filter((n) => !found.has(refKey(n))) : []
    }
    const def = highest(clusterId, [...found.values()])
    if (!def) throw noneRead(clusterId, [...found.values()])
    const connectionIds: Record<string, string> = {}
    const nodes = def.nodes.map((n): ClusterNodeStatus => {
      const f = found.get(refKey(n)) ?? matchByAddress(found, n)
      if (f?.connectionId) connectionIds[n.name] = f.connectionId
      return statusOf(n, f, def, clusterId)
    })
    return { definition: def, nodes, connectionIds }
  }

  private async findNode(ref: NodeRef, shared: SharedCredentials | undefined): Promise<NodeFinding> {
    const access = await this.access.reach(ref, shared)
    if (access.reach !== 'connected') return { ref, ...(access.connectionId ? { connectionId: access.connectionId } : {}), reach: access.reach, error: access.error }
    try {
      const read = await readNodeCluster(access.session, ref.host)
      return { ref, connectionId: access.connectionId, reach: 'connected', read }
    } catch (err) {
      const error = { ...toApiError(err, 'clusters.get', this.deps.log), node: ref.host }
      // A damaged file is the node's state, not its reach; sudo or a dropped link is.
      const reach = error.kind === 'invalid-input' || error.kind === 'command-failed' ? 'connected' : reachOfError(error)
      return { ref, connectionId: access.connectionId, reach, error }
    }
  }

  private remember(r: ClusterReading): void {
    this.deps.known.upsert(knownClusterFrom(r.definition, this.now(), r.connectionIds))
  }

  private view(r: ClusterReading): ClusterView {
    return { definition: redactDefinition(r.definition), nodes: r.nodes }
  }
}

/** The definition of the highest generation of this cluster among the nodes read. */
function highest(clusterId: string, found: NodeFinding[]): ClusterDefinition | undefined {
  let best: ClusterDefinition | undefined
  for (const f of found) {
    const d = f.read?.definition
    if (d && d.id === clusterId && (!best || d.generation > best.generation)) best = d
  }
  return best
}

/** The node reached through another name for it (the entry given by address, the definition by host name). */
function matchByAddress(found: Map<string, NodeFinding>, n: ClusterDefinition['nodes'][number]): NodeFinding | undefined {
  for (const f of found.values()) {
    if (f.ref.port === n.port && f.ref.username === n.username && f.ref.host.toLowerCase() === n.address) return f
  }
  return undefined
}

function statusOf(n: ClusterDefinition['nodes'][number], f: NodeFinding | undefined, def: ClusterDefinition, clusterId: string): ClusterNodeStatus {
  const base = { name: n.name, host: n.host, port: n.port, username: n.username, ...(f?.connectionId ? { connectionId: f.connectionId } : {}) }
  if (!f) {
    return { ...base, reach: 'unreachable', generation: null, generationMismatch: false, agentVersion: null, serviceKind: null, error: { kind: 'unreachable', message: `${n.name} was not tried.`, node: n.host } }
  }
  const info = { agentVersion: f.read?.agentVersion ?? null, serviceKind: f.read?.serviceKind ?? null }
  if (f.reach !== 'connected' || !f.read) {
    return { ...base, reach: f.reach, generation: null, generationMismatch: f.reach === 'connected', ...info, ...(f.error ? { error: f.error } : {}) }
  }
  const d = f.read.definition
  if (!d) {
    return {
      ...base, reach: 'connected', generation: null, generationMismatch: true, ...info,
      error: { kind: 'not-found', message: `${n.name} has no ${clusterFileOf(n.platform)}, though the cluster lists it.`, hint: 'Add the node again (Add Node) or evict it; the nodes disagree about who is in the cluster.', node: n.host }
    }
  }
  if (d.id !== clusterId) {
    return {
      ...base, reach: 'connected', generation: null, generationMismatch: true, ...info,
      error: { kind: 'conflict', message: `${n.name} holds another cluster, ${d.name} (${d.id}), in ${clusterFileOf(n.platform)}.`, hint: 'A node belongs to one cluster: evict it from one of them.', node: n.host }
    }
  }
  const mismatch = d.generation !== def.generation
  return {
    ...base, reach: 'connected', generation: d.generation, generationMismatch: mismatch, ...info,
    ...(mismatch
      ? { error: { kind: 'conflict', message: `${n.name} holds generation ${d.generation} of the cluster; the newest found is ${def.generation}.`, hint: 'A change did not reach every node: run the change again, or roll back.', node: n.host } }
      : {})
  }
}

function noneRead(clusterId: string, found: NodeFinding[]): ApiException {
  const why = found.map((f) => `${f.ref.host}: ${f.error?.message ?? (f.read?.definition ? `holds another cluster (${f.read.definition.id})` : 'no cluster.json')}`)
  const first = found.find((f) => f.error)?.error
  return new ApiException({
    kind: first?.kind ?? 'not-found',
    message: clip(`No node of cluster ${clusterId} could be read: ${why.join('; ')}`, 'message'),
    hint: first?.hint ?? 'Check that the nodes are up and reachable over SSH, then refresh.'
  })
}
