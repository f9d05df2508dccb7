import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ApiEventPayload, ApiInput } from '@api/contract'
import type { ClusterView, ExportFormat, KnownCluster, OperationKind, OperationReport, OperationStep } from '@api/cluster'
import { api } from '../services/api'
import { describeError, type ErrorView } from '../composables/useApiError'
import { applyStep, mergeSteps } from './operation-model'

export interface ClusterEntry {
  view: ClusterView | null
  loading: boolean
  error: ErrorView | null
}

export interface OperationState {
  /** null until the backend answered the start call. */
  id: string | null
  kind: OperationKind
  clusterId: string | null
  clusterName: string
  phase: 'starting' | 'running' | 'succeeded' | 'failed'
  steps: OperationStep[]
  report: OperationReport | null
  /** Why it could not start, or the error it ended with. */
  error: ErrorView | null
  /** A rollback: what it undoes (the failed operation's offer). */
  undoes?: OperationReport['rollback']
}

type Progress = ApiEventPayload<'cluster.progress'>
type Finished = ApiEventPayload<'cluster.finished'>

/** Events of an operation whose id the start call has not returned yet are kept (bounded) and replayed. */
const MAX_EARLY = 2000

/**
 * The clusters this desktop knows, each one's view as read from its nodes (clusters.get), and
 * the operations started from here (create, add node, evict, destroy, roles, rollback) kept in
 * step with cluster.progress / cluster.finished.
 */
export const useClustersStore = defineStore('clusters', () => {
  const known = ref<KnownCluster[]>([])
  const listLoading = ref(false)
  const listError = ref<ErrorView | null>(null)
  const entries = ref<Record<string, ClusterEntry>>({})
  /** Operations by a local key made at start (the operation id comes later, with the start call's answer). */
  const operations = ref<Record<string, OperationState>>({})
  /** The operation the Operation dialog shows (Add Node, Evict, Destroy, roles, rollback). */
  const dialogOperation = ref<string | null>(null)
  let early: (Progress | Finished)[] = []
  const byOperationId = new Map<string, string>()
  let localSeq = 0

  const sorted = computed(() => [...known.value].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })))

  function byId(id: string): KnownCluster | undefined {
    return known.value.find((c) => c.id === id)
  }

  function entry(id: string): ClusterEntry {
    return entries.value[id] ?? { view: null, loading: false, error: null }
  }

  async function load(): Promise<void> {
    listLoading.value = true
    try {
      known.value = await api.call('clusters.list', {})
      listError.value = null
    } catch (e) {
      listError.value = describeError(e)
    } finally {
      listLoading.value = false
    }
  }

  /** Reads the definition from the nodes again (how each node is reached, generations). */
  async function refresh(id: string): Promise<void> {
    const current = entry(id)
    entries.value[id] = { ...current, loading: true, error: null }
    try {
      const view = await api.call('clusters.get', { clusterId: id })
      entries.value[id] = { view, loading: false, error: null }
    } catch (e) {
      // The last view stays visible with the error: stale data said so beats an empty pane.
      entries.value[id] = { view: current.view, loading: false, error: describeError(e) }
    }
  }

  /** Connect to Cluster by one node: the backend reads its cluster.json and tries every other node. */
  async function connect(req: ApiInput<'clusters.connect'>): Promise<ClusterView> {
    const view = await api.call('clusters.connect', req)
    entries.value[view.definition.id] = { view, loading: false, error: null }
    await load()
    return view
  }

  async function forget(id: string): Promise<void> {
    await api.call('clusters.forget', { clusterId: id })
    known.value = known.value.filter((c) => c.id !== id)
    const { [id]: _gone, ...rest } = entries.value
    entries.value = rest
  }

  /** A node was connected (trusted, given a password): read again the clusters that could not use it. */
  function refreshForHost(host: string, port: number): void {
    for (const [id, e] of Object.entries(entries.value)) {
      if (e.view?.nodes.some((n) => n.host === host && n.port === port && n.reach !== 'connected')) void refresh(id)
    }
  }

  function exportFiles(id: string, format: ExportFormat) {
    return api.call('clusters.export', { clusterId: id, format })
  }

  // -------------------------------------------------------------------------------------
  // Operations
  // -------------------------------------------------------------------------------------

  function operation(key: string | null): OperationState | null {
    return key ? (operations.value[key] ?? null) : null
  }

  /**
   * Starts an operation and returns at once the key to follow it by (the dialog shows it while
   * the start call is in flight): `start` calls the API, which answers with the operation id;
   * progress events, also those that beat that answer, fill its steps.
   */
  function startOperation(
    kind: OperationKind,
    clusterName: string,
    clusterId: string | null,
    start: () => Promise<{ operationId: string; clusterId?: string }>
  ): string {
    const key = `op-local-${++localSeq}`
    operations.value[key] = { id: null, kind, clusterId, clusterName, phase: 'starting', steps: [], report: null, error: null }
    void (async () => {
      try {
        const started = await start()
        attach(key, started.operationId, started.clusterId ?? clusterId)
      } catch (e) {
        operations.value[key] = { ...operations.value[key]!, phase: 'failed', error: describeError(e) }
      }
    })()
    return key
  }

  /** Binds a started operation's id to its entry and replays the events that came before it. */
  function attach(key: string, operationId: string, clusterId: string | null): void {
    byOperationId.set(operationId, key)
    const op = operations.value[key]!
    operations.value[key] = { ...op, id: operationId, clusterId, phase: op.phase === 'starting' ? 'running' : op.phase }
    const replay = early.filter((e) => e.operationId === operationId)
    early = early.filter((e) => e.operationId !== operationId)
    for (const e of replay) {
      if ('step' in e) applyProgress(e)
      else applyFinished(e)
    }
  }

  /**
   * Follows an operation a dialog started itself (so that a refused request stays in the
   * dialog, on its field), and shows it in the Operation dialog.
   */
  function showStarted(kind: OperationKind, clusterId: string, clusterName: string, operationId: string): void {
    const key = `op-local-${++localSeq}`
    operations.value[key] = { id: null, kind, clusterId, clusterName, phase: 'starting', steps: [], report: null, error: null }
    attach(key, operationId, clusterId)
    dialogOperation.value = key
  }

  function applyProgress(ev: Progress): void {
    const key = byOperationId.get(ev.operationId)
    const op = key ? operations.value[key] : undefined
    if (!key || !op) {
      early = [...early, ev].slice(-MAX_EARLY)
      return
    }
    operations.value[key] = { ...op, steps: applyStep(op.steps, ev.step) }
  }

  function applyFinished(ev: Finished): void {
    const key = byOperationId.get(ev.operationId)
    const op = key ? operations.value[key] : undefined
    if (!key || !op) {
      early = [...early, ev].slice(-MAX_EARLY)
      return
    }
    operations.value[key] = { ...op, phase: ev.outcome, error: ev.error ? describeError(ev.error) : null }
    void loadReport(key)
    // The cluster changed on its nodes: read the list and its view again.
    void load()
    if (op.kind !== 'destroy' || ev.outcome === 'failed') void refresh(ev.clusterId)
  }

  async function loadReport(key: string): Promise<void> {
    const id = operations.value[key]?.id
    if (!id) return
    try {
      const report = await api.call('clusters.operation', { operationId: id })
      const op = operations.value[key]
      if (!op) return
      operations.value[key] = {
        ...op,
        phase: report.outcome === 'running' ? op.phase : report.outcome,
        report,
        steps: mergeSteps(op.steps, report.steps),
        ...(report.error ? { error: describeError(report.error) } : {})
      }
    } catch (e) {
      const op = operations.value[key]
      if (op && !op.error) operations.value[key] = { ...op, error: describeError(e) }
    }
  }

  /** Undo a failed operation as its report offers; the rollback is an operation of its own. */
  function rollback(failedKey: string): string | null {
    const failed = operations.value[failedKey]
    if (!failed?.id) return null
    const id = failed.id
    const key = startOperation('rollback', failed.clusterName, failed.clusterId, () => api.call('clusters.rollback', { operationId: id }))
    if (failed.report) operations.value[key] = { ...operations.value[key]!, undoes: failed.report.rollback }
    return key
  }

  /** Starts an operation and shows it in the Operation dialog. */
  function runInDialog(kind: OperationKind, clusterId: string, clusterName: string, start: () => Promise<{ operationId: string }>): void {
    dialogOperation.value = startOperation(kind, clusterName, clusterId, start)
  }

  function rollbackInDialog(failedKey: string): void {
    const key = rollback(failedKey)
    if (key) dialogOperation.value = key
  }

  return {
    known,
    sorted,
    listLoading,
    listError,
    entries,
    operations,
    dialogOperation,
    byId,
    entry,
    load,
    refresh,
    connect,
    forget,
    exportFiles,
    operation,
    startOperation,
    applyProgress,
    applyFinished,
    loadReport,
    rollback,
    runInDialog,
    rollbackInDialog,
    showStarted,
    refreshForHost
  }
})
