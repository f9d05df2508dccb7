// Evict Node: the roles it holds move away first (a planned takeover by the node that will own
// them, awaited), then its agent is stopped and everything this app put there is removed, and the
// remaining nodes get the next generation without it (written everywhere, then reloaded). A node
// that cannot be reached is still evicted from the definition; the report says what may be left
// on it. The last node of a cluster is not evicted: that is Destroy.
import type { ClusterDefinition, KnownCluster } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import { effectivePriority, nextGeneration } from '../definition'
import { withoutNode } from './add-node'
import { settleBounded } from './bounded'
import { connectionIdsOf, knownEntry, reachClusterNodes, requireAll } from './cluster-nodes'
import { reloadAgents, writeGeneration } from './config-write'
import type { OperationDeps } from './deps'
import { formationBoundMs, isState, waitForFormation } from './formation'
import type { OperationRun } from './operation-run'
import type { NodeHandle } from './preflight'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function planEvict(known: KnownCluster, node: string): void {
  if (!known.nodes.some((n) => n.name === node)) {
    throw new ApiException({ kind: 'not-found', field: 'node', message: `${known.name} has no node ${node}; its nodes are ${known.nodes.map((n) => n.name).join(', ')}.`, hint: 'Name a node of the cluster.' })
  }
  if (known.nodes.length === 1) {
    throw new ApiException({ kind: 'invalid-input', field: 'node', message: `${node} is the last node of ${known.name}: a cluster cannot evict its last node; use Destroy Cluster instead.`, hint: `Destroy Cluster removes ${known.name} altogether (havip cluster destroy ${known.name} --yes).` })
  }
}

/** The node that takes a role over: the one that would win the election in the next generation (priority, then address). */
function successorOf(target: ClusterDefinition, role: string, others: NodeHandle[]): NodeHandle | undefined {
  const prio = (h: NodeHandle): number => (target.roles.some((r) => r.name === role) ? effectivePriority(target, role, h.node.name) : 0)
  return [...others].sort((a, b) => prio(b) - prio(a) || addressValue(b.node.address) - addressValue(a.node.address))[0]
}

function addressValue(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

/**
 * Moves every role `leaving` is master of to its successor with a planned takeover (the agent's
 * `ctl takeover`: the new master adds the VIP and announces it before the old one lets go, so no
 * ping is lost), and waits until the successor is master. Returns the takers, to release their
 * takeover once the leaving node is gone.
 */
async function moveRoles(deps: OperationDeps, leaving: NodeHandle, others: NodeHandle[], target: ClusterDefinition, bound: number): Promise<{ message: string; takers: { h: NodeHandle; role: string }[] }> {
  const state = await deps.deployer.status(leaving.session)
  const held = state.instances.filter((i) => isState(i, 'MASTER')).map((i) => i.name)
  if (held.length === 0) return { message: 'master of no role: nothing to move', takers: [] }
  const takers: { h: NodeHandle; role: string }[] = []
  for (const role of held) {
    const h = successorOf(target, role, others)
    if (!h) throw new ApiException({ kind: 'internal', message: `No node is left to take ${role} over from ${leaving.node.name}.`, hint: 'Use Destroy Cluster to remove the last node.' })
    await deps.deployer.control(h.session, 'takeover', role)
    takers.push({ h, role })
  }
  const started = Date.now()
  for (;;) {
    const states = await settleBounded(takers, (t) => deps.deployer.status(t.h.session))
    const moved = takers.map((t, i) => {
      const s = states[i]!
      return s.status === 'fulfilled' && s.value.instances.some((x) => x.name === t.role && isState(x, 'MASTER'))
    })
    if (moved.every(Boolean)) return { message: `moved ${takers.map((t) => `${t.role} → ${t.h.node.name}`).join(', ')}`, takers }
    if (Date.now() - started > bound) {
      throw new ApiException({
        kind: 'timeout',
        message: `${takers.filter((_, i) => !moved[i]).map((t) => `${t.role} (to ${t.h.node.name})`).join(', ')} did not move away from ${leaving.node.name} within ${(bound / 1000).toFixed(0)} s.`,
        hint: 'Check that the other nodes\' agents run (clusters.get) and hear the adverts; the node was left as it was.'
      })
    }
    await sleep(deps.timing.pollMs)
  }
}

export async function runEvict(run: OperationRun, deps: OperationDeps, known: KnownCluster, nodeName: string): Promise<void> {
  const current = await run.step('read-definition', 'Read the cluster definition from the nodes', undefined, () => deps.definitions.current(known.id), (d) => `generation ${d.generation}, ${d.nodes.length} node(s)`)
  run.setPrevious(current)
  planEvict({ ...known, nodes: current.nodes.map((n) => ({ name: n.name, host: n.host, port: n.port, username: n.username })) }, nodeName)
  const target = nextGeneration(current, (d) => withoutNode(d, nodeName), deps.appVersion, deps.now())
  run.setTarget(target)
  const reach = await reachClusterNodes(deps, current, known)
  const rest = requireAll({ reached: reach.reached.filter((h) => h.node.name !== nodeName), unreachable: reach.unreachable.filter((u) => u.name !== nodeName) }, `Evicting ${nodeName}`)
  const leaving = reach.reached.find((h) => h.node.name === nodeName)
  run.setConnections(connectionIdsOf(reach.reached))
  const leftovers: { node: string; what: string }[] = []
  if (leaving) {
    const moved = await run.step('release', 'Move the roles it holds to another node (planned takeover)', nodeName, () => moveRoles(deps, leaving, rest, target, formationBoundMs(current, deps.timing.formationMarginMs)), (m) => m.message)
    await run.step('stop', 'Stop the agent', nodeName, () => deps.deployer.stop(leaving.session), () => 'stopped')
    // The takers advertise 254 until released: back to their own priority now that the node is gone.
    for (const t of moved.takers) await deps.deployer.control(t.h.session, 'release', t.role).catch((err: unknown) => deps.log('warn', `Evict ${nodeName}: releasing the takeover of ${t.role} on ${t.h.node.name} failed: ${err instanceof Error ? err.message : String(err)}`))
    const left = await run.step('remove', 'Remove the agent, its service and files', nodeName, (note) => deps.deployer.removeAll(leaving.session, note), (l) => (l.length === 0 ? 'the node is as it was before' : `left: ${l.join('; ')}`))
    if (left.length > 0) leftovers.push({ node: nodeName, what: left.join('; ').slice(0, 1000) })
  } else {
    const why = reach.unreachable.find((u) => u.name === nodeName)?.why ?? 'not reached'
    run.skip('remove', 'Remove the agent, its service and files', nodeName, `not reached (${why}): evicted from the definition only`)
    leftovers.push({ node: nodeName, what: `not reached (${why}): its agent, service and files may still be there, and its agent may still hold a VIP. Remove them when it is back (havip cluster destroy is not needed: it is no longer in the cluster).` })
  }
  run.update({ leftovers })
  try {
    await writeGeneration(run, deps, target, current, rest)
  } catch (err) {
    run.update({ rollback: 'none' })
    throw err
  }
  run.update({ toGeneration: target.generation })
  deps.known.upsert(knownEntry(target, connectionIdsOf(rest), deps.now()))
  try {
    await reloadAgents(run, deps, rest, target.generation)
    await waitForFormation(run, deps, target, rest)
  } catch (err) {
    run.update({ rollback: 'previous-generation' })
    throw err
  }
  if (leftovers.length > 0) {
    throw new ApiException({
      kind: 'command-failed',
      node: nodeName,
      message: `${nodeName} is out of ${current.name} (generation ${target.generation}), but it could not be cleaned up: ${leftovers[0]!.what}`,
      hint: 'Reach the node and remove what is listed, or connect to it and run the eviction\'s cleanup again.'
    })
  }
}
