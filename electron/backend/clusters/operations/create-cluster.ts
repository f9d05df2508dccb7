// Create Cluster. Checked before it starts (the validation gate, the VRID, the role, the name
// free on this desktop); then, on the nodes: preflight everywhere before anything is touched,
// deploy (release, generation 1, service) everywhere, record the cluster on this desktop, start
// every agent, and wait until each role has one master and its VIP answers.
//
// Converging on a rerun: a failed create keeps its cluster id in its operation record and on the
// nodes it reached (cluster.json). Creating the same name again reuses that id, so those nodes
// count as this cluster's, not as "in another cluster", and every step just does again what is
// missing. The desktop records the cluster before any agent starts, so no node ever runs a
// cluster this desktop has no record of.
import type { CreateClusterRequest, OperationReport } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import type { ServiceKind } from '../../deploy/node-deployer'
import { agentConfigJson } from '../agent-config'
import { buildDefinition, newClusterId, roleFromInput } from '../definition'
import { allOrFirstError, settleBounded } from './bounded'
import { connectionIdsOf, knownEntry } from './cluster-nodes'
import type { OperationDeps } from './deps'
import { firstElectionAt, waitForFormation } from './formation'
import { collectLeftovers } from './leftovers'
import { installRelease, installService, startAgent } from './node-steps'
import type { OperationRun } from './operation-run'
import { preflightNode } from './preflight'
import { checkValidationGate, settleVrid } from './validation-gate'

export interface CreatePlan {
  request: CreateClusterRequest
  clusterId: string
  role: ReturnType<typeof roleFromInput>
  validation: NonNullable<OperationReport['validation']>
}

/**
 * The id of this desktop's earlier create of `name` that did not finish (its nodes may carry it),
 * or undefined. A cluster of that name that was created here, or connected to, is a conflict.
 */
export function reusableClusterId(deps: OperationDeps, name: string): string | undefined {
  const records = deps.store.list().filter((r) => r.report.clusterName.toLowerCase() === name.toLowerCase())
  const lastCreate = records.find((r) => r.report.kind === 'create')
  const known = deps.known.list().find((k) => k.name.toLowerCase() === name.toLowerCase())
  const createFailed = lastCreate !== undefined && lastCreate.report.outcome !== 'succeeded'
  if (known && !(createFailed && lastCreate.report.clusterId === known.id)) {
    throw new ApiException({
      kind: 'conflict',
      field: 'name',
      message: `This desktop already knows a cluster named ${known.name} (${known.id}, nodes ${known.nodes.map((n) => n.name).join(', ')}).`,
      hint: 'Choose another name, or add nodes to that cluster (Add Node), or destroy it first.'
    })
  }
  if (!createFailed) return undefined
  // A rolled-back create left nothing behind: a fresh id is as good, but reusing it is harmless too.
  return lastCreate.report.clusterId
}

export function planCreate(deps: OperationDeps, request: CreateClusterRequest): CreatePlan {
  const ids = request.nodes.map((n) => n.connectionId)
  const dup = ids.find((id, i) => ids.indexOf(id) !== i)
  if (dup) throw new ApiException({ kind: 'invalid-input', field: 'nodes', message: `The node ${dup} is listed twice.`, hint: 'List each node once.' })
  for (const id of ids) deps.connections.savedOf(id) // 'not-found' for an unknown connection, before anything starts
  const gate = checkValidationGate(request.validation, ids, (runId) => deps.validation.report(runId))
  const vrid = settleVrid(gate, request.role.vrid)
  const role = roleFromInput(request.role, vrid)
  const clusterId = reusableClusterId(deps, request.name) ?? newClusterId()
  return { request, clusterId, role, validation: gate.validation }
}

export async function runCreate(run: OperationRun, deps: OperationDeps, plan: CreatePlan): Promise<void> {
  const { request, clusterId, role } = plan
  // Preflight: reach, read facts, inspect, judge. Nothing is changed on any node.
  const prepared = await settleBounded(request.nodes, (input) => preflightNode(run, deps, input, role.vip, clusterId))
  const failedPreflight = prepared.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
  const ready = prepared.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  if (failedPreflight.length > 0) {
    // Nothing was done; what an earlier attempt of this create left is still said.
    const earlier = ready.filter((p) => p.install.cluster && 'id' in p.install.cluster && p.install.cluster.id === clusterId)
    run.update({ leftovers: await collectLeftovers(deps, earlier), rollback: earlier.length > 0 ? 'remove-everything' : 'none' })
    throw failedPreflight[0]
  }
  const def = buildDefinition({ id: clusterId, name: request.name, generation: 1, appVersion: deps.appVersion, now: deps.now(), nodes: ready.map((p) => p.node), roles: [role] })
  run.setTarget(def)
  run.setConnections(connectionIdsOf(ready))
  run.update({ toGeneration: 1 })

  const failWithLeftovers = async (err: unknown): Promise<never> => {
    run.update({ rollback: 'remove-everything', leftovers: await collectLeftovers(deps, ready) })
    throw err
  }
  // Deploy: in order on each node, all nodes at once. No agent starts until every node is ready.
  const deployed = await settleBounded(ready, async (p) => {
    await installRelease(run, deps, p, p.facts)
    await run.step('write-config', 'Write generation 1 (cluster.json, agent.json)', p.node.name, () => deps.deployer.writeConfig(p.session, def, agentConfigJson(def, p.node.name)), () => 'generation 1 written')
    return installService(run, deps, p)
  })
  let kinds: ServiceKind[] = []
  try {
    kinds = allOrFirstError(deployed)
  } catch (err) {
    await failWithLeftovers(err)
  }
  deps.known.upsert(knownEntry(def, connectionIdsOf(ready), deps.now()))
  try {
    // Agents that all start now cannot elect before their master-down timers ran; a rerun that
    // finds agents running (reloaded, not started) may already have its master.
    const allStopped = ready.every((p) => p.install.service?.running !== true)
    const startedAt = Date.now()
    allOrFirstError(await settleBounded(ready, (p, i) => startAgent(run, deps, p, p.install, kinds[i])))
    const masters = await waitForFormation(run, deps, def, ready, def.roles.map((r) => r.name), allStopped && deps.timing.waitMasterDown && def.roles.length > 0 ? firstElectionAt(def, startedAt) : undefined)
    run.update({ masters })
  } catch (err) {
    await failWithLeftovers(err)
  }
  deps.known.upsert(knownEntry(def, connectionIdsOf(ready), deps.now()))
}
