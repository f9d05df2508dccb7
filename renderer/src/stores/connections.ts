import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ApiEventPayload, ApiInput, ApiOutput } from '@api/contract'
import { api } from '../services/api'
import { describeError, type ErrorView } from '../composables/useApiError'

export type Connection = ApiOutput<'connections.list'>[number]
export type ConnectionState = Connection['state']
export type ConnectRequest = ApiInput<'connections.connect'>
export type ConnectResult = ApiOutput<'connections.connect'>

/** Saved SSH connections and their live state, kept in step with `connection.state` events. */
export const useConnectionsStore = defineStore('connections', () => {
  const connections = ref<Connection[]>([])
  const loading = ref(false)
  const loadError = ref<ErrorView | null>(null)

  const sorted = computed(() =>
    [...connections.value].sort((a, b) => displayName(a).localeCompare(displayName(b), undefined, { numeric: true }))
  )

  function byId(id: string): Connection | undefined {
    return connections.value.find((c) => c.id === id)
  }

  async function load(): Promise<void> {
    loading.value = true
    try {
      connections.value = await api.call('connections.list', {})
      loadError.value = null
    } catch (e) {
      loadError.value = describeError(e)
    } finally {
      loading.value = false
    }
  }

  function upsert(c: Connection): void {
    const i = connections.value.findIndex((x) => x.id === c.id)
    if (i >= 0) connections.value.splice(i, 1, c)
    else connections.value.push(c)
  }

  /** Applies a `connection.state` event; an id we do not know yet means the list changed. */
  function applyState(ev: ApiEventPayload<'connection.state'>): void {
    const c = byId(ev.id)
    if (!c) {
      void load()
      return
    }
    // The error belongs to this state (why it failed or dropped); a new state without one clears it.
    const { lastError: _previous, ...rest } = c
    upsert({ ...rest, state: ev.state, ...(ev.error ? { lastError: ev.error } : {}) })
  }

  /** One connect attempt; host-key results are returned for the dialog to ask the admin. */
  async function connect(req: ConnectRequest): Promise<ConnectResult> {
    const result = await api.call('connections.connect', req)
    if (result.status === 'connected') upsert(result.connection)
    return result
  }

  /** Connects a saved connection again with what the backend remembered (key path, stored password). */
  async function reconnect(id: string): Promise<ConnectResult> {
    const result = await api.call('connections.reconnect', { id })
    if (result.status === 'connected') upsert(result.connection)
    return result
  }

  async function disconnect(id: string): Promise<void> {
    await api.call('connections.disconnect', { id })
    const c = byId(id)
    if (c) upsert({ ...c, state: 'disconnected' })
  }

  async function forget(id: string): Promise<void> {
    await api.call('connections.forget', { id })
    connections.value = connections.value.filter((c) => c.id !== id)
  }

  return { connections, sorted, loading, loadError, byId, load, upsert, applyState, connect, reconnect, disconnect, forget }
})

/**
 * The name shown in the tree: a label the admin chose, else the node's hostname once known,
 * else the default label (user@host), else the address.
 */
export function displayName(c: Connection): string {
  const defaultLabel = `${c.username}@${c.host}`
  if (c.label && c.label !== defaultLabel) return c.label
  return c.hostname || c.label || c.host
}

/** The node's icon: Windows nodes get their own, so a mixed list reads at a glance. */
export function nodeIcon(c: Pick<Connection, 'platform'> | undefined): 'server' | 'server-windows' {
  return c?.platform === 'windows' ? 'server-windows' : 'server'
}

export const PLATFORM_TEXT: Record<NonNullable<Connection['platform']>, string> = {
  linux: 'Linux',
  windows: 'Windows'
}

/** "root@198.51.100.11" (port added when not 22). */
export function endpointText(c: Pick<Connection, 'username' | 'host' | 'port'>): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host
  return `${c.username}@${host}${c.port === 22 ? '' : `:${c.port}`}`
}

export const AUTH_KIND_TEXT: Record<string, string> = {
  key: 'Key file',
  password: 'Password',
  agent: 'SSH agent'
}

export const STATE_TEXT: Record<string, string> = {
  connecting: 'Connecting',
  connected: 'Connected',
  disconnected: 'Disconnected',
  failed: 'Failed'
}
