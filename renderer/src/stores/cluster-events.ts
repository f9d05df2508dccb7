// Cluster Events of the cluster on screen: the filters, the newest page of matching events, the
// flapping flags, and the live 'cluster.event' feed (a new event that matches is put on top at
// once; the page is fetched again, debounced, so counts and flags stay right). Reads the nodes'
// agent logs back once per cluster when the view opens (what happened while the app was closed).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ClusterEvent, EventLevel, EventPage } from '../../../electron/api/events'
import { describeError, type ErrorView } from '../composables/useApiError'
import { api } from '../services/api'

export interface EventFilters {
  since: string
  nodes: string[]
  roles: string[]
  levels: EventLevel[]
  search: string
}

const emptyFilters = (): EventFilters => ({ since: '', nodes: [], roles: [], levels: [], search: '' })
const PAGE = 200

export const useClusterEventsStore = defineStore('cluster-events', () => {
  const clusterId = ref<string | null>(null)
  const filters = ref<EventFilters>(emptyFilters())
  const page = ref<EventPage | null>(null)
  const loading = ref(false)
  const error = ref<ErrorView | null>(null)
  const readingBack = ref(false)
  const readBackNote = ref<string | null>(null)
  const readBackDone = new Set<string>()
  let off: (() => void) | undefined
  let refetch: ReturnType<typeof setTimeout> | undefined
  let seq = 0

  const events = computed<ClusterEvent[]>(() => page.value?.events ?? [])
  const flappingRoles = computed(() => new Set((page.value?.flapping ?? []).map((f) => f.role)))

  function query() {
    const f = filters.value
    return {
      clusterId: clusterId.value!,
      limit: PAGE,
      ...(f.since ? { since: f.since } : {}),
      ...(f.nodes.length ? { nodes: f.nodes } : {}),
      ...(f.roles.length ? { roles: f.roles } : {}),
      ...(f.levels.length ? { levels: f.levels } : {}),
      ...(f.search.trim() ? { search: f.search.trim() } : {})
    }
  }

  async function load(): Promise<void> {
    if (!clusterId.value) return
    const mine = ++seq
    loading.value = true
    try {
      const p = await api.call('events.query', query())
      if (mine !== seq) return
      page.value = p
      error.value = null
    } catch (e) {
      if (mine === seq) error.value = describeError(e)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  async function readBack(id: string): Promise<void> {
    readingBack.value = true
    try {
      const r = await api.call('events.readBack', { clusterId: id })
      const failed = r.nodes.filter((n) => n.error)
      readBackNote.value =
        failed.length > 0
          ? `Agent logs not read on ${failed.map((n) => n.node).join(', ')}: ${failed[0]!.error}`
          : `Agent logs read: ${r.added} earlier event(s) found.`
    } catch (e) {
      readBackNote.value = `Agent logs not read: ${describeError(e).message}`
    } finally {
      readingBack.value = false
    }
    if (clusterId.value === id) await load()
  }

  /** Shows a cluster's events; follows it live until close(). */
  async function open(id: string): Promise<void> {
    if (clusterId.value !== id) {
      close()
      clusterId.value = id
      filters.value = emptyFilters()
      page.value = null
      readBackNote.value = null
    }
    off ??= api.on('cluster.event', (e) => {
      if (e.clusterId !== clusterId.value) return
      clearTimeout(refetch)
      refetch = setTimeout(() => void load(), 300)
    })
    await load()
    if (!readBackDone.has(id)) {
      readBackDone.add(id)
      void readBack(id)
    }
  }

  function close(): void {
    off?.()
    off = undefined
    clearTimeout(refetch)
    clusterId.value = null
  }

  function setFilters(next: Partial<EventFilters>): void {
    filters.value = { ...filters.value, ...next }
    void load()
  }

  function resetFilters(): void {
    filters.value = emptyFilters()
    void load()
  }

  async function loadOlder(): Promise<void> {
    const p = page.value
    const last = p?.events[p.events.length - 1]
    if (!p || !last || !clusterId.value) return
    const older = await api.call('events.query', { ...query(), before: last.id })
    page.value = { ...older, events: [...p.events, ...older.events] }
  }

  /** The matching events as a file the browser saves (CSV or JSON). */
  async function exportAs(format: 'csv' | 'json'): Promise<{ filename: string; count: number; truncated: boolean } | null> {
    if (!clusterId.value) return null
    const { limit: _limit, ...filter } = query()
    const out = await api.call('events.export', { ...filter, format })
    const url = URL.createObjectURL(new Blob([out.content], { type: out.mediaType }))
    const a = document.createElement('a')
    a.href = url
    a.download = out.filename
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    return { filename: out.filename, count: out.count, truncated: out.truncated }
  }

  return { clusterId, filters, page, events, flappingRoles, loading, error, readingBack, readBackNote, open, close, load, readBack, setFilters, resetFilters, loadOlder, exportAs }
})
