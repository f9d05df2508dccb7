// The `havip cluster` commands that change an existing cluster: add-node, evict, destroy,
// role add|set|remove, rollback. The cluster is named as this desktop knows it (clusters.list);
// its nodes are reached through their saved connections (credentials remembered when they were
// connected), so only a new node needs node options.
import type { Failback, KnownCluster } from '../api/cluster'
import { ClusterNodeNameSchema, OperationIdSchema, RoleNameSchema } from '../api/cluster'
import { AdvertIntervalMsSchema, VipCidrSchema } from '../api/validation'
import { intOption, optionValue, UsageError, type Parsed } from './args'
import { connectAll, skipReasonOf } from './cluster-create-command'
import { clusterNamed } from './cluster-command'
import { finishOperation, followOperation } from './cluster-operation'
import { EXIT_FAILED } from './output'
import { checkWith, validateWithProgress, type CommandEnv } from './validate-command'
import { formatReport } from './validate-format'

/** The cluster's nodes connected (reconnected with remembered credentials): their connection ids. */
async function connectClusterNodes(env: CommandEnv, known: KnownCluster): Promise<string[]> {
  const list = await env.call('connections.list', {})
  const ids: string[] = []
  for (const n of known.nodes) {
    const c = list.find((x) => x.id === n.connectionId) ?? list.find((x) => x.host.toLowerCase() === n.host.toLowerCase() && x.port === n.port && x.username === n.username)
    if (!c) throw new UsageError(`${known.name}: node ${n.name} (${n.username}@${n.host}:${n.port}) has no saved connection here; connect to it first (havip cluster connect ${n.host} with credentials).`)
    if (c.state !== 'connected') {
      env.out.progress(`connecting to ${n.name} (${c.username}@${c.host}:${c.port}, saved connection)`)
      const r = await env.call('connections.reconnect', { id: c.id })
      if (r.status !== 'connected') throw new UsageError(`${n.name}: its host key ${r.status === 'host-key-changed' ? 'CHANGED' : 'is not trusted'} (${r.hostKey.fingerprint}); check it and connect again.`)
    }
    ids.push(c.id)
  }
  return ids
}

export async function runAddNode(env: CommandEnv, clusterName: string): Promise<number> {
  const known = await clusterNamed(env.call, clusterName)
  const skipReason = skipReasonOf(env)
  const added = await connectAll(env, 'havip cluster add-node')
  if (added.length !== 1) throw new UsageError('havip cluster add-node: give exactly one --node (add nodes one at a time).')
  const node = added[0]!
  const existing = await connectClusterNodes(env, known)
  let validation: { runId: string } | { skipReason: string }
  if (skipReason !== undefined) validation = { skipReason }
  else {
    const vip = known.roles[0]?.vip
    if (!vip) throw new UsageError(`${known.name} has no role, so there is no VIP to validate the new node for: add with --skip-validation REASON, or add a role first.`)
    env.out.progress(`validating ${node.host} with the ${existing.length} node(s) of ${known.name} (VIP ${vip})`)
    const report = await validateWithProgress(env, { nodes: [...existing, node.connectionId].map((connectionId) => ({ connectionId })), vip }, (id) => (id === node.connectionId ? node.host : (known.nodes.find((n) => n.connectionId === id)?.name ?? id)))
    if (report.summary.failed > 0) {
      if (env.out.json) env.out.resultJson({ added: false, validation: report })
      else env.out.result(`${formatReport(report)}\n\n${node.host} was not added to ${known.name}: fix the Failed tests above and run the command again.`)
      return EXIT_FAILED
    }
    validation = { runId: report.runId }
  }
  const iface = optionValue(env.parsed, '--interface')
  const r = await followOperation(env.backend, env.call, env.out, () => env.call('clusters.addNode', { clusterId: known.id, node: { connectionId: node.connectionId, ...(iface ? { interface: iface } : {}) }, validation }))
  return finishOperation(env.out, r)
}

export async function runEvict(env: CommandEnv, clusterName: string, nodeName: string): Promise<number> {
  checkWith(ClusterNodeNameSchema, nodeName, 'node name')
  const known = await clusterNamed(env.call, clusterName)
  await connectClusterNodes(env, { ...known, nodes: known.nodes.filter((n) => n.name !== nodeName) })
  const r = await followOperation(env.backend, env.call, env.out, () => env.call('clusters.evictNode', { clusterId: known.id, node: nodeName }))
  return finishOperation(env.out, r)
}

export async function runDestroy(env: CommandEnv, clusterName: string): Promise<number> {
  const known = await clusterNamed(env.call, clusterName)
  if (!env.parsed.flags.has('--yes')) throw new UsageError(`havip cluster destroy ${known.name}: destroying stops every agent and removes everything on ${known.nodes.map((n) => n.name).join(', ')}; it cannot be undone. Add --yes to confirm.`)
  const r = await followOperation(env.backend, env.call, env.out, () => env.call('clusters.destroy', { clusterId: known.id, confirmName: known.name }))
  return finishOperation(env.out, r)
}

/** --failback never | immediately | START-END (hours, node local time, e.g. 22-6). */
export function failbackOption(p: Parsed): Failback | undefined {
  const v = optionValue(p, '--failback')
  if (v === undefined) return undefined
  if (v === 'never' || v === 'immediately') return { policy: v }
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(v)
  if (m && Number(m[1]) <= 23 && Number(m[2]) <= 23 && m[1] !== m[2]) return { policy: 'window', startHour: Number(m[1]), endHour: Number(m[2]) }
  throw new UsageError(`--failback ${v}: use never, immediately, or a window of hours START-END (0..23, e.g. 22-6).`)
}

function roleOptions(p: Parsed): { vip?: string; vrid?: number; advertIntervalMs?: number; preferredOwners?: string[]; failback?: Failback } {
  const vip = optionValue(p, '--vip')
  if (vip !== undefined) checkWith(VipCidrSchema, vip, '--vip')
  const vrid = intOption(p, '--vrid', 1, 255)
  const advertIntervalMs = intOption(p, '--advert-ms', 10, 255_000)
  if (advertIntervalMs !== undefined) checkWith(AdvertIntervalMsSchema, advertIntervalMs, '--advert-ms')
  const owners = p.options['--preferred-owner']
  for (const o of owners ?? []) checkWith(ClusterNodeNameSchema, o, '--preferred-owner')
  const failback = failbackOption(p)
  return {
    ...(vip !== undefined ? { vip } : {}),
    ...(vrid !== undefined ? { vrid } : {}),
    ...(advertIntervalMs !== undefined ? { advertIntervalMs } : {}),
    ...(owners ? { preferredOwners: owners } : {}),
    ...(failback ? { failback } : {})
  }
}

export async function runRole(env: CommandEnv, action: 'add' | 'set' | 'remove', clusterName: string, role: string): Promise<number> {
  checkWith(RoleNameSchema, role, 'role name')
  const known = await clusterNamed(env.call, clusterName)
  const o = action === 'remove' ? {} : roleOptions(env.parsed)
  // Errors of use before any node is contacted.
  if (action === 'add' && !o.vip) throw new UsageError('havip cluster role add: --vip CIDR is required (e.g. --vip 198.51.100.211/24).')
  if (action === 'set' && Object.keys(o).length === 0) throw new UsageError('havip cluster role set: say what to change (--vip, --vrid, --advert-ms, --preferred-owner, --failback).')
  await connectClusterNodes(env, known)
  const r = await followOperation(env.backend, env.call, env.out, () => {
    if (action === 'add') return env.call('clusters.addRole', { clusterId: known.id, role: { name: role, ...o, vip: o.vip! } })
    if (action === 'set') return env.call('clusters.setRole', { clusterId: known.id, role, changes: o })
    return env.call('clusters.removeRole', { clusterId: known.id, role })
  })
  return finishOperation(env.out, r)
}

export async function runRollback(env: CommandEnv, operationId: string): Promise<number> {
  checkWith(OperationIdSchema, operationId, 'operation id')
  const r = await followOperation(env.backend, env.call, env.out, () => env.call('clusters.rollback', { operationId }))
  return finishOperation(env.out, r)
}
