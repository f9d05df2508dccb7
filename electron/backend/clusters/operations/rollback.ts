// Rollback of a failed operation, as its report offers it:
//  - 'remove-everything' (a create that did not finish): Destroy's removal on every node it
//    reached; the cluster is forgotten on this desktop once every node is clean.
//  - 'previous-generation': the definition from before the operation is written again as a NEW
//    generation (generations only grow, so no node mistakes it for an old copy), a node the
//    operation added is stopped and cleaned, a node it evicted gets the agent back, and the
//    agents are reloaded (or started) and the formation awaited.
import { ApiException } from '../../../api/errors'
import { buildDefinition } from '../definition'
import { allOrFirstError, settleBounded } from './bounded'
import { connectionIdsOf, knownEntry, reachClusterNodes, requireAll } from './cluster-nodes'
import { writeGeneration } from './config-write'
import { removeEverywhere } from './destroy-cluster'
import type { OperationDeps } from './deps'
import { waitForFormation } from './formation'
import { installRelease, installService, startAgent } from './node-steps'
import { errorText, type OperationRun } from './operation-run'
import type { OperationRecord } from './operation-store'

export function planRollback(record: OperationRecord): void {
  const r = record.report
  if (r.outcome === 'running') {
    throw new ApiException({ kind: 'conflict', message: `Operation ${r.id} is still running.`, hint: 'Wait for it to finish, then roll back if it failed.' })
  }
  if (r.rollback === 'none') {
    throw new ApiException({ kind: 'invalid-input', field: 'operationId', message: `Operation ${r.id} (${r.kind} of ${r.clusterName}, ${r.outcome}) offers no rollback: ${r.outcome === 'succeeded' ? 'it succeeded' : 'nothing it did needs undoing'}.`, hint: 'To change the cluster, run the operation you need (Configure Role, Add Node, Evict).' })
  }
  if (r.rollback === 'previous-generation' && !record.previous) {
    throw new ApiException({ kind: 'internal', message: `Operation ${r.id} offers to roll back but its record holds no previous definition.`, hint: 'Read the cluster (clusters.get) and change it to what you need.' })
  }
}

export async function runRollback(run: OperationRun, deps: OperationDeps, record: OperationRecord): Promise<void> {
  if (record.report.rollback === 'remove-everything') return removeAll(run, deps, record)
  return restorePrevious(run, deps, record)
}

async function removeAll(run: OperationRun, deps: OperationDeps, record: OperationRecord): Promise<void> {
  const nodes = (record.target?.nodes ?? []).map((n) => ({ ...n, ...(record.connections?.[n.name] ? { connectionId: record.connections[n.name]! } : {}) }))
  const leftovers = await removeEverywhere(run, deps, nodes)
  run.update({ leftovers })
  if (leftovers.length > 0) {
    run.update({ rollback: 'remove-everything' })
    throw new ApiException({
      kind: 'command-failed',
      message: `The rollback could not clean every node: ${leftovers.map((l) => `${l.node}: ${l.what}`).join(' | ')}`.slice(0, 4000),
      hint: 'Reach the nodes named and roll back again (this report offers it).'
    })
  }
  const known = deps.known.get(record.report.clusterId)
  if (known && known.generation <= (record.target?.generation ?? 1)) deps.known.remove(record.report.clusterId)
}

async function restorePrevious(run: OperationRun, deps: OperationDeps, record: OperationRecord): Promise<void> {
  const previous = record.previous!
  const failedTarget = record.target
  let onNodes = failedTarget?.generation ?? previous.generation
  try {
    onNodes = Math.max(onNodes, (await deps.definitions.current(previous.id)).generation)
  } catch (err) {
    deps.log('warn', `Rollback of ${record.report.id}: the nodes' definition could not be read (${errorText(err)}); using the operation's record`)
  }
  const restored = buildDefinition({ id: previous.id, name: previous.name, generation: onNodes + 1, appVersion: deps.appVersion, now: deps.now(), nodes: previous.nodes, roles: previous.roles })
  run.update({ fromGeneration: onNodes, toGeneration: onNodes })
  run.setTarget(restored)
  const known = deps.known.get(previous.id)
  // A node the failed operation added goes away again.
  const added = (failedTarget?.nodes ?? []).filter((n) => !previous.nodes.some((p) => p.name === n.name))
  if (added.length > 0) {
    const left = await removeEverywhere(run, deps, added.map((n) => ({ ...n, ...(record.connections?.[n.name] ? { connectionId: record.connections[n.name]! } : {}) })))
    run.update({ leftovers: left })
  }
  const handles = requireAll(await reachClusterNodes(deps, restored, known), `Rolling back ${previous.name}`)
  run.setConnections(connectionIdsOf(handles))
  // A node the failed operation removed (evict) gets the agent back before the write.
  const installs = await settleBounded(handles, (h) => deps.deployer.inspect(h.session))
  allOrFirstError(
    await settleBounded(handles, async (h, i) => {
      const s = installs[i]!
      if (s.status === 'fulfilled' && s.value.currentRelease && s.value.service?.installed) return
      await installRelease(run, deps, h, await deps.facts.factsOf(h.connectionId))
      await installService(run, deps, h)
    })
  )
  await writeGeneration(run, deps, restored, failedTarget && failedTarget.nodes.length > 0 ? failedTarget : undefined, handles)
  run.update({ toGeneration: restored.generation })
  deps.known.upsert(knownEntry(restored, connectionIdsOf(handles), deps.now()))
  allOrFirstError(await settleBounded(handles, (h, i) => startAgent(run, deps, h, installs[i]!.status === 'fulfilled' ? (installs[i] as PromiseFulfilledResult<Awaited<ReturnType<typeof deps.deployer.inspect>>>).value : undefined)))
  await waitForFormation(run, deps, restored, handles)
}
