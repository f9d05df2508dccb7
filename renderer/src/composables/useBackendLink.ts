// The state of the link to the backend (browser mode's WebSocket; always open in Electron),
// as a ref, plus the wiring of backend events into the stores.
import { onBeforeUnmount, ref, type Ref } from 'vue'
import { api, type ApiLinkStatus } from '../services/api'
import { STATE_TEXT, displayName, useConnectionsStore } from '../stores/connections'
import { useEventsStore } from '../stores/events'
import { useValidationStore } from '../stores/validation'
import { useClustersStore } from '../stores/clusters'
import { OPERATION_TITLES } from '../stores/operation-model'

export function useBackendLink(): Ref<ApiLinkStatus> {
  const status = ref<ApiLinkStatus>(api.status)
  const off = api.onStatus((s) => {
    status.value = s
  })
  onBeforeUnmount(off)
  return status
}

/**
 * Feeds `backend.log` and `connection.state` into the events strip and the connections store,
 * a validation run's `validation.progress` / `validation.finished` into its store, and the
 * cluster operations' `cluster.progress` / `cluster.finished` into the clusters store.
 */
export function useBackendEvents(): void {
  const events = useEventsStore()
  const connections = useConnectionsStore()

  const offLog = api.on('backend.log', (e) => {
    events.push({ at: e.at, level: e.level, message: e.message, ...(e.node ? { node: e.node } : {}) })
  })
  const offState = api.on('connection.state', (e) => {
    connections.applyState(e)
    const c = connections.byId(e.id)
    const who = c ? displayName(c) : e.id
    const why = e.error ? `: ${e.error.message}` : ''
    events.push({
      at: new Date().toISOString(),
      level: e.state === 'failed' ? 'error' : 'info',
      message: `${STATE_TEXT[e.state] ?? e.state}${why}`,
      node: who
    })
  })
  const validation = useValidationStore()
  const offProgress = api.on('validation.progress', (e) => validation.applyProgress(e))
  const offFinished = api.on('validation.finished', (e) => {
    validation.applyFinished(e)
    const s = e.summary
    events.push({
      at: new Date().toISOString(),
      level: s.overall === 'Failed' ? 'error' : s.overall === 'Warning' ? 'warn' : 'info',
      message: `Validation ${e.cancelled ? 'cancelled' : 'finished'}: ${s.overall} (${s.success} success, ${s.warning} warning, ${s.failed} failed, ${s.notRun} not run)`
    })
  })
  const clusters = useClustersStore()
  const offClusterProgress = api.on('cluster.progress', (e) => clusters.applyProgress(e))
  const offClusterFinished = api.on('cluster.finished', (e) => {
    clusters.applyFinished(e)
    const op = Object.values(clusters.operations).find((o) => o.id === e.operationId)
    const what = op ? `${OPERATION_TITLES[op.kind]} on ${op.clusterName}` : `Cluster operation ${e.operationId}`
    events.push({
      at: new Date().toISOString(),
      level: e.outcome === 'failed' ? 'error' : 'info',
      message: `${what} ${e.outcome}${e.error ? `: ${e.error.message}` : ''}`,
      ...(e.error?.node ? { node: e.error.node } : {})
    })
  })
  onBeforeUnmount(() => {
    offClusterProgress()
    offClusterFinished()
    offLog()
    offState()
    offProgress()
    offFinished()
  })
}
