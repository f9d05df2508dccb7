// Add Node: the new node validated with the existing ones (or the reason validation was
// skipped), preflight on it, the release and service deployed there, then the next generation
// written on ALL nodes (two phases), the running agents reloaded and the new one started, and
// the cluster's formation awaited.
import type { ClusterDefinition, KnownCluster, OperationReport } from '../../../api/cluster'
import type { AddNodeRequestSchema } from '../../../api/cluster'
import type { z } from 'zod'

type AddNodeRequest = z.output<typeof AddNodeRequestSchema>
import { ApiException } from '../../../api/errors'
import { nextGeneration } from '../definition'
import { connectionIdsOf, knownEntry, reachClusterNodes, requireAll } from './cluster-nodes'
import { reloadAgents, writeGeneration } from './config-write'
import { preflightNode } from './preflight'
import type { OperationDeps } from './deps'
import { waitForFormation } from './formation'
import { collectLeftovers } from './leftovers'
import { installRelease, installService, startAgent } from './node-steps'
import type { OperationRun } from './operation-run'
import { checkValidationGate } from './validation-gate'

/** Connection ids of the cluster's nodes as this desktop knows them (for the gate); a node without one gets none. */
function knownConnectionIds(deps: OperationDeps, known: KnownCluster): string[] {
  const list = deps.connections.list()
  return known.nodes.flatMap((n) => {
    const c = list.find((x) => x.id === n.connectionId) ?? list.find((x) => x.host.toLowerCase() === n.host.toLowerCase() && x.port === n.port && x.username === n.username)
    return c ? [c.id] : []
  })
}

export function planAddNode(deps: OperationDeps, known: KnownCluster, request: AddNodeRequest): NonNullable<OperationReport['validation']> {
  const saved = deps.connections.savedOf(request.node.connectionId)
  if (known.nodes.some((n) => n.host.toLowerCase() === saved.host.toLowerCase() && n.port === saved.port)) {
    throw new ApiException({ kind: 'conflict', field: 'node', node: saved.host, message: `${saved.host}:${saved.port} is already a node of ${known.name}.`, hint: 'Choose a server that is not in the cluster yet.' })
  }
  const gate = checkValidationGate(request.validation, [...knownConnectionIds(deps, known), request.node.connectionId], (runId) => deps.validation.report(runId))
  return gate.validation
}

export async function runAddNode(run: OperationRun, deps: OperationDeps, known: KnownCluster, request: AddNodeRequest): Promise<void> {
  const current = await run.step('read-definition', 'Read the cluster definition from the nodes', undefined, () => deps.definitions.current(known.id), (d) => `generation ${d.generation}, ${d.nodes.length} node(s)`)
  run.setPrevious(current)
  const existing = requireAll(await reachClusterNodes(deps, current, known), `Adding a node to ${current.name}`)
  const vip = current.roles[0]?.vip ?? `${existing[0]!.node.address}/32`
  const added = await preflightNode(run, deps, request.node, vip, current.id)
  if (current.nodes.some((n) => n.name === added.node.name)) {
    throw new ApiException({ kind: 'conflict', field: 'node.name', message: `${current.name} already has a node named ${added.node.name}.`, hint: 'Give the new node another name.' })
  }
  const target = nextGeneration(current, (d) => ({ ...d, nodes: [...d.nodes, added.node] }), deps.appVersion, deps.now())
  run.setTarget(target)
  run.setConnections({ ...connectionIdsOf(existing), [added.node.name]: added.connectionId })
  const all = [...existing, added]
  const rollbackOffer = async (err: unknown): Promise<never> => {
    run.update({ rollback: 'previous-generation', leftovers: await collectLeftovers(deps, [added]) })
    throw err
  }
  try {
    await installRelease(run, deps, added, added.facts)
    await installService(run, deps, added)
    await writeGeneration(run, deps, target, current, all)
  } catch (err) {
    await rollbackOffer(err)
  }
  run.update({ toGeneration: target.generation })
  deps.known.upsert(knownEntry(target, connectionIdsOf(all), deps.now()))
  try {
    await reloadAgents(run, deps, existing, target.generation)
    await startAgent(run, deps, added, added.install)
    await waitForFormation(run, deps, target, all)
  } catch (err) {
    await rollbackOffer(err)
  }
}

/** The definition with `node` gone, also from every role's preferred owners. */
export function withoutNode(def: ClusterDefinition, node: string): ClusterDefinition {
  return { ...def, nodes: def.nodes.filter((n) => n.name !== node), roles: def.roles.map((r) => ({ ...r, preferredOwners: r.preferredOwners.filter((o) => o !== node) })) }
}
