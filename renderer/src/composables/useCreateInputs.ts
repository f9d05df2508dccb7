// The Create Cluster wizard's chosen servers as its pages need them (name, connected, facts,
// interface) and the checks of each page, derived from the stores. Facts of a chosen,
// connected server are read as soon as it is chosen: node names and interfaces come from them.
import { computed, watch, type ComputedRef } from 'vue'
import { checkCreate, checkGate, checkServers, clusterNodeName, type CreateCheck, type CreateNode } from '../stores/cluster-model'
import { displayName, useConnectionsStore } from '../stores/connections'
import { useCreateClusterStore } from '../stores/create-cluster'
import { useNodeFactsStore } from '../stores/facts'

export function useCreateInputs(): {
  chosen: ComputedRef<CreateNode[]>
  nodeNames: ComputedRef<string[]>
  servers: ComputedRef<ReturnType<typeof checkServers>>
  gate: ComputedRef<ReturnType<typeof checkGate>>
  check: ComputedRef<CreateCheck>
} {
  const store = useCreateClusterStore()
  const connections = useConnectionsStore()
  const facts = useNodeFactsStore()

  const chosen = computed<CreateNode[]>(() =>
    store.chosenIds.flatMap((id) => {
      const c = connections.byId(id)
      if (!c) return []
      return [{ connectionId: id, display: displayName(c), connected: c.state === 'connected', facts: facts.entry(id).facts, interface: store.interfaces[id] ?? '' }]
    })
  )
  const nodeNames = computed(() => chosen.value.map(clusterNodeName))
  const servers = computed(() => checkServers(chosen.value))
  const gate = computed(() => checkGate(store.gate, store.chosenIds, Object.fromEntries(chosen.value.map((n) => [n.connectionId, n.display]))))
  const check = computed(() => checkCreate(store.clusterName, store.role, chosen.value, gate.value.gate))

  watch(
    () => chosen.value.filter((n) => n.connected && !n.facts).map((n) => n.connectionId),
    (ids) => {
      for (const id of ids) if (!facts.entry(id).loading && !facts.entry(id).error) void facts.load(id)
    },
    { immediate: true }
  )

  return { chosen, nodeNames, servers, gate, check }
}
