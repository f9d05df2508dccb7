// The cluster operations service: clusters.create / addNode / evictNode / destroy / addRole /
// setRole / removeRole / rollback / operation. Each method checks what can be checked here
// (input, the validation gate, the cluster known, one operation per cluster at a time), starts
// the work and returns its operation id at once; the report follows as 'cluster.progress' and
// ends with 'cluster.finished', and clusters.operation reads it (from disk after a restart).
import type { CreateClusterRequest, KnownCluster, OperationKind, OperationReport } from '../../../api/cluster'
import type { ApiParsedInput } from '../../../api/contract'
import { ApiException, type ApiError } from '../../../api/errors'
import { DeployError } from '../../deploy/layout'
import { toApiError } from '../../to-api-error'
import { planAddNode, runAddNode } from './add-node'
import { knownOrNotFound } from './cluster-nodes'
import { runRoleChange, planRoleChange, type RoleChange } from './configure-role'
import { planCreate, runCreate } from './create-cluster'
import type { OperationDeps } from './deps'
import { planDestroy, runDestroy } from './destroy-cluster'
import { planEvict, runEvict } from './evict-node'
import { OperationRun, type RunInit } from './operation-run'
import { planRollback, runRollback } from './rollback'

/** The error that ends an operation, as a value: the deploy service's errors keep their node and hint. */
function operationError(err: unknown, method: string, log: OperationDeps['log']): ApiError {
  if (err instanceof DeployError) return { kind: 'command-failed', message: err.message.slice(0, 8000), hint: err.hint.slice(0, 8000), node: err.node }
  return toApiError(err, method, log)
}

export class ClusterOperations {
  private readonly runs = new Map<string, OperationRun>()
  /** Cluster id → the operation running on it: one at a time, or two would write generations over each other. */
  private readonly busy = new Map<string, string>()
  private readonly done = new Set<Promise<void>>()

  constructor(private readonly deps: OperationDeps) {}

  create(request: CreateClusterRequest): { operationId: string; clusterId: string } {
    const plan = planCreate(this.deps, request)
    const run = this.launch({ kind: 'create', clusterId: plan.clusterId, clusterName: request.name, fromGeneration: 0, validation: plan.validation }, (r) => runCreate(r, this.deps, plan))
    return { operationId: run.id, clusterId: plan.clusterId }
  }

  addNode(request: ApiParsedInput<'clusters.addNode'>): { operationId: string } {
    const known = knownOrNotFound(this.deps, request.clusterId)
    const validation = planAddNode(this.deps, known, request)
    return this.start(known, 'add-node', (r) => runAddNode(r, this.deps, known, request), validation)
  }

  evictNode(request: ApiParsedInput<'clusters.evictNode'>): { operationId: string } {
    const known = knownOrNotFound(this.deps, request.clusterId)
    planEvict(known, request.node)
    return this.start(known, 'evict-node', (r) => runEvict(r, this.deps, known, request.node))
  }

  destroy(request: ApiParsedInput<'clusters.destroy'>): { operationId: string } {
    const known = knownOrNotFound(this.deps, request.clusterId)
    planDestroy(known, request.confirmName)
    return this.start(known, 'destroy', (r) => runDestroy(r, this.deps, known))
  }

  addRole(request: ApiParsedInput<'clusters.addRole'>): { operationId: string } {
    return this.roleChange(request.clusterId, 'add-role', { kind: 'add', role: request.role })
  }

  setRole(request: ApiParsedInput<'clusters.setRole'>): { operationId: string } {
    return this.roleChange(request.clusterId, 'set-role', { kind: 'set', role: request.role, changes: request.changes })
  }

  removeRole(request: ApiParsedInput<'clusters.removeRole'>): { operationId: string } {
    return this.roleChange(request.clusterId, 'remove-role', { kind: 'remove', role: request.role })
  }

  rollback(operationId: string): { operationId: string } {
    const record = this.runs.get(operationId)?.record ?? this.deps.store.load(operationId)
    planRollback(record)
    const r = record.report
    const run = this.launch({ kind: 'rollback', clusterId: r.clusterId, clusterName: r.clusterName, fromGeneration: r.toGeneration, ...(record.previous ? { previous: record.previous } : {}) }, (run) => runRollback(run, this.deps, record))
    return { operationId: run.id }
  }

  operation(operationId: string): OperationReport {
    return this.runs.get(operationId)?.report ?? this.deps.store.load(operationId).report
  }

  /** Resolves with the report once the operation ended (tests, the CLI). */
  whenFinished(operationId: string): Promise<OperationReport> {
    const run = this.runs.get(operationId)
    return run ? run.whenFinished() : Promise.resolve(this.operation(operationId))
  }

  /** Waits for the operations still running: stopping one between two steps on a node is worse than waiting. */
  async dispose(): Promise<void> {
    await Promise.all([...this.done])
  }

  private roleChange(clusterId: string, kind: OperationKind, change: RoleChange): { operationId: string } {
    const known = knownOrNotFound(this.deps, clusterId)
    planRoleChange(known, change)
    return this.start(known, kind, (r) => runRoleChange(r, this.deps, known, change))
  }

  private start(known: KnownCluster, kind: OperationKind, body: (run: OperationRun) => Promise<void>, validation?: RunInit['validation']): { operationId: string } {
    if (known.destroyIncomplete && kind !== 'destroy') {
      const left = known.destroyIncomplete.leftovers.map((l) => l.node).join(', ')
      throw new ApiException({
        kind: 'conflict',
        message: `${known.name} was partly destroyed (${left} not cleaned): it cannot be changed.`,
        hint: 'Retry the clean-up (Destroy Cluster again) once the nodes named are reachable, or forget the cluster on this desktop.'
      })
    }
    const run = this.launch({ kind, clusterId: known.id, clusterName: known.name, fromGeneration: known.generation, ...(validation ? { validation } : {}) }, body)
    return { operationId: run.id }
  }

  private launch(init: RunInit, body: (run: OperationRun) => Promise<void>): OperationRun {
    const other = this.busy.get(init.clusterId)
    if (other) {
      throw new ApiException({
        kind: 'conflict',
        message: `${init.clusterName} is busy with operation ${other} (${this.runs.get(other)?.report.kind ?? 'running'}).`,
        hint: 'Wait for it to finish (its progress shows in the operation view), then try again.'
      })
    }
    const run = new OperationRun({ events: this.deps.events, store: this.deps.store, log: this.deps.log, now: this.deps.now }, init)
    this.runs.set(run.id, run)
    this.busy.set(init.clusterId, run.id)
    this.deps.log('info', `Cluster ${init.clusterName}: ${init.kind} ${run.id} started`)
    const done = (async () => {
      try {
        await body(run)
        run.finish('succeeded')
      } catch (err) {
        run.finish('failed', operationError(err, `clusters.${init.kind}`, this.deps.log))
      } finally {
        this.busy.delete(init.clusterId)
        this.forgetOldRuns()
      }
    })()
    this.done.add(done)
    void done.finally(() => this.done.delete(done))
    return run
  }

  private forgetOldRuns(): void {
    try {
      this.deps.store.prune()
    } catch (err) {
      this.deps.log('warn', `Pruning old operation records failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    // Finished runs stay readable from disk; memory keeps only the ones still going and a few recent.
    const finished = [...this.runs.values()].filter((r) => r.report.outcome !== 'running')
    for (const r of finished.slice(0, Math.max(0, finished.length - 20))) this.runs.delete(r.id)
  }
}
