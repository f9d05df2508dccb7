// The wizard's chosen servers as the pages need them (name, connected, facts, interface) and
// the check of everything the admin entered, derived from the stores. Facts of a chosen,
// connected node are read as soon as it is chosen: the interface proposal needs them.
import { computed, watch, type ComputedRef } from 'vue'
import { displayName, useConnectionsStore } from '../stores/connections'
import { useNodeFactsStore } from '../stores/facts'
import { useValidationStore } from '../stores/validation'
import { checkInputs, type ChosenNode, type InputCheck } from '../stores/validation-model'

export function useValidationInputs(): { chosen: ComputedRef<ChosenNode[]>; check: ComputedRef<InputCheck> } {
  const v = useValidationStore()
  const connections = useConnectionsStore()
  const facts = useNodeFactsStore()

  const chosen = computed<ChosenNode[]>(() =>
    v.chosenIds.flatMap((id) => {
      const c = connections.byId(id)
      if (!c) return [] // forgotten meanwhile
      return [
        {
          connectionId: id,
          name: displayName(c),
          connected: c.state === 'connected',
          facts: facts.entry(id).facts,
          interface: v.interfaces[id] ?? ''
        }
      ]
    })
  )

  // An empty choice of tests is the Testing Options page's error, not this one's.
  const tests = computed(() => (v.testMode === 'all' || v.selectedTestIds.length === 0 ? undefined : v.selectedTestIds))
  const check = computed(() => checkInputs(v.settings, chosen.value, tests.value))

  watch(
    () => chosen.value.filter((n) => n.connected && !n.facts).map((n) => n.connectionId),
    (ids) => {
      for (const id of ids) if (!facts.entry(id).loading && !facts.entry(id).error) void facts.load(id)
    },
    { immediate: true }
  )

  return { chosen, check }
}
