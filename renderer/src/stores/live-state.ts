// The live state of the cluster being looked at: the first snapshot from clusters.state, then
// every cluster.state event for it (each a whole snapshot; an older one never replaces a newer
// one, see newerSnapshot). Also the admin action running now and its result, for the console.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ClusterState } from '@api/console'
import { api } from '../services/api'
import { describeError, type ErrorView } from '../composables/useApiError'
import { alertRows, newerSnapshot, nodeRows, roleRows } from './live-state-model'

/** An admin action on the live cluster: running (progress text), then its result or error. */
export interface LiveActionStatus {
  title: string
  phase: 'running' | 'done' | 'failed'
  lines: string[]
  error?: ErrorView
}

export const useLiveStateStore = defineStore('live-state', () => {
  const clusterId = ref<string | null>(null)
  const state = shallowRef<ClusterState | null>(null)
  const loadError = ref<ErrorView | null>(null)
  const action = ref<LiveActionStatus | null>(null)
  /** Move → Select Node...: the role and the nodes offered, while the picker is open. */
  const movePick = ref<{ role: string; targets: string[] } | null>(null)
  /** Simulate Failure...: the role, its owner and failback policy, while the confirmation is open. */
  const simulatePick = ref<{ role: string; owner: string; failback: string; takers: string[] } | null>(null)
  const now = ref(new Date())
  let off: (() => void) | null = null
  let tick: ReturnType<typeof setInterval> | null = null

  function accept(s: ClusterState): void {
    if (s.clusterId !== clusterId.value) return
    state.value = newerSnapshot(state.value, s)
  }

  /** Watch a cluster (null: stop). Idempotent for the cluster already watched. */
  async function watch(id: string | null): Promise<void> {
    if (id === clusterId.value) return
    stop()
    clusterId.value = id
    if (!id) return
    // Subscribe first, so no change between the snapshot and the subscription is missed.
    off = api.on('cluster.state', accept)
    // "Last seen 5 s ago" must age while nothing changes.
    tick = setInterval(() => (now.value = new Date()), 1000)
    try {
      accept(await api.call('clusters.state', { clusterId: id }))
    } catch (e) {
      if (clusterId.value === id) loadError.value = describeError(e)
    }
  }

  function stop(): void {
    off?.()
    off = null
    if (tick) clearInterval(tick)
    tick = null
    clusterId.value = null
    state.value = null
    loadError.value = null
  }

  /** Run an admin action with progress and a clear end; the result lines come from `run`. */
  async function runAction(title: string, progress: string, run: () => Promise<string[]>): Promise<void> {
    action.value = { title, phase: 'running', lines: [progress] }
    try {
      const lines = await run()
      action.value = { title, phase: 'done', lines }
    } catch (e) {
      action.value = { title, phase: 'failed', lines: [], error: describeError(e) }
    }
  }

  const roles = computed(() => (state.value ? roleRows(state.value, now.value) : []))
  const nodes = computed(() => (state.value ? nodeRows(state.value, now.value) : []))
  const alerts = computed(() => (state.value ? alertRows(state.value) : []))

  return { clusterId, state, loadError, action, movePick, simulatePick, roles, nodes, alerts, watch, stop, runAction, dismissAction: () => (action.value = null) }
})
