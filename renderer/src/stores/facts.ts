import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { NodeFacts } from '@api/model'
import { api } from '../services/api'
import { useConnectionsStore } from './connections'
import { describeError, type ErrorView } from '../composables/useApiError'

interface FactsEntry {
  facts: NodeFacts | null
  loading: boolean
  error: ErrorView | null
}

/** Node facts per connection id; fetched on selection, refreshed on demand. */
export const useNodeFactsStore = defineStore('nodeFacts', () => {
  const entries = ref<Record<string, FactsEntry>>({})

  function entry(connectionId: string): FactsEntry {
    return entries.value[connectionId] ?? { facts: null, loading: false, error: null }
  }

  async function load(connectionId: string, refresh = false): Promise<void> {
    const current = entry(connectionId)
    if (current.loading) return
    entries.value[connectionId] = { ...current, loading: true, error: null }
    try {
      const facts = await api.call('nodes.facts', { connectionId, refresh })
      entries.value[connectionId] = { facts, loading: false, error: null }
      // The backend records the hostname with the connection; mirror it so the tree shows it now.
      const connections = useConnectionsStore()
      const c = connections.byId(connectionId)
      if (c && c.hostname !== facts.hostname) connections.upsert({ ...c, hostname: facts.hostname })
    } catch (e) {
      // Keep the last facts we had: stale data with a visible error beats an empty pane.
      entries.value[connectionId] = { facts: current.facts, loading: false, error: describeError(e) }
    }
  }

  function drop(connectionId: string): void {
    const { [connectionId]: _gone, ...rest } = entries.value
    entries.value = rest
  }

  return { entries, entry, load, drop }
})
