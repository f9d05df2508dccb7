import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import type { CreateClusterRequestInput } from '@api/cluster'
import { api } from '../services/api'
import { blankGate, blankRoleForm, roleFromValidation, type GateForm, type RoleForm } from './cluster-model'
import { useClustersStore } from './clusters'
import { useValidationStore } from './validation'

export type CreateStep = 'before' | 'servers' | 'validation' | 'access' | 'confirm' | 'creating' | 'summary'

/** The Create Cluster Wizard's pages in order (FCM's wording). */
export const CREATE_STEPS: readonly { id: CreateStep; title: string }[] = [
  { id: 'before', title: 'Before You Begin' },
  { id: 'servers', title: 'Select Servers' },
  { id: 'validation', title: 'Validation Warning' },
  { id: 'access', title: 'Access Point' },
  { id: 'confirm', title: 'Confirmation' },
  { id: 'creating', title: 'Creating New Cluster' },
  { id: 'summary', title: 'Summary' }
]

/**
 * The Create Cluster wizard: its inputs page by page, the validation it runs through the
 * Validate a Configuration wizard (and the run it comes back with), and the create operation
 * (and a rollback of it) it follows to the Summary.
 */
export const useCreateClusterStore = defineStore('createCluster', () => {
  const clusters = useClustersStore()
  const validation = useValidationStore()

  const isOpen = ref(false)
  const step = ref<CreateStep>('before')
  const chosenIds = ref<string[]>([])
  /** connection id -> interface chosen on the Access Point page ('' or absent: the proposal). */
  const interfaces = ref<Record<string, string>>({})
  const clusterName = ref('')
  const role = reactive<RoleForm>(blankRoleForm())
  const gate = reactive<GateForm>(blankGate())
  /** Set while the Validate a Configuration wizard runs for this one (this wizard waits hidden). */
  const validating = ref(false)
  const operationKey = ref<string | null>(null)
  const rollbackKey = ref<string | null>(null)
  /** The request as sent (the Summary repeats what was asked). */
  const sent = ref<CreateClusterRequestInput | null>(null)

  const operation = computed(() => clusters.operation(operationKey.value))
  const rollbackOperation = computed(() => clusters.operation(rollbackKey.value))
  const busy = computed(() => {
    const phases = [operation.value?.phase, rollbackOperation.value?.phase]
    return phases.includes('starting') || phases.includes('running')
  })

  function open(): void {
    if (isOpen.value) return
    isOpen.value = true
    // A finished attempt is not shown again: a new wizard starts clean, with the servers kept.
    if (operationKey.value && !busy.value) {
      step.value = 'before'
      operationKey.value = null
      rollbackKey.value = null
      sent.value = null
      Object.assign(gate, blankGate())
    }
  }

  function close(): void {
    if (busy.value) return
    isOpen.value = false
    if (step.value === 'summary') {
      // Done: the next Create Cluster starts from the first page with a blank form.
      step.value = 'before'
      chosenIds.value = []
      interfaces.value = {}
      clusterName.value = ''
      Object.assign(role, blankRoleForm())
      Object.assign(gate, blankGate())
      operationKey.value = null
      rollbackKey.value = null
      sent.value = null
    }
  }

  function toggleNode(id: string, on: boolean): void {
    if (on && !chosenIds.value.includes(id)) chosenIds.value = [...chosenIds.value, id]
    if (!on) chosenIds.value = chosenIds.value.filter((x) => x !== id)
  }

  function setInterface(id: string, name: string): void {
    interfaces.value = { ...interfaces.value, [id]: name }
  }

  /** Opens Validate a Configuration on the chosen servers (and what the Access Point page has so far). */
  function runValidation(): void {
    validating.value = true
    validation.openWizard({
      connectionIds: [...chosenIds.value],
      interfaces: Object.fromEntries(Object.entries(interfaces.value).filter(([, v]) => v)),
      ...(role.vip.trim() ? { vip: role.vip.trim() } : {}),
      ...(role.vrid.trim() && Number(role.vrid) > 0 ? { vrid: Number(role.vrid) } : {}),
      ...(Number(role.advertIntervalMs) > 0 ? { advertIntervalMs: Number(role.advertIntervalMs) } : {}),
      mode: role.mode
    })
  }

  // Back from the validation wizard: keep its finished run as the gate, and start the Access
  // Point page from what it validated (VIP, the VRID the scan proposed, interfaces).
  watch(
    () => validation.isOpen,
    (openNow) => {
      if (openNow || !validating.value) return
      validating.value = false
      const run = validation.run
      if (run.phase !== 'finished' || !run.id || !run.summary) return
      gate.mode = 'run'
      gate.run = { runId: run.id, overall: run.summary.overall, cancelled: run.cancelled, nodeIds: [...run.nodeIds] }
      // Interfaces the admin chose there (not the proposals, which this wizard makes the same way).
      for (const [id, name] of Object.entries(validation.interfaces)) if (name && chosenIds.value.includes(id)) setInterface(id, name)
      if (run.report) Object.assign(role, roleFromValidation(run.report, role))
    }
  )
  // The report may arrive after the wizard closed: take its proposed VRID then.
  watch(
    () => validation.run.report,
    (report) => {
      if (report && gate.run?.runId === report.runId) Object.assign(role, roleFromValidation(report, role))
    }
  )

  function create(request: CreateClusterRequestInput): void {
    if (busy.value) return
    sent.value = request
    rollbackKey.value = null
    operationKey.value = clusters.startOperation('create', request.name, null, () => api.call('clusters.create', request))
    step.value = 'creating'
  }

  function rollback(): void {
    if (!operationKey.value || busy.value) return
    rollbackKey.value = clusters.rollback(operationKey.value)
  }

  // The Summary comes when the operation has ended (its report read, or its error known).
  watch(
    () => [operation.value?.phase, operation.value?.report?.outcome] as const,
    ([phase]) => {
      if (step.value === 'creating' && (phase === 'succeeded' || phase === 'failed')) step.value = 'summary'
    }
  )

  return {
    isOpen,
    step,
    chosenIds,
    interfaces,
    clusterName,
    role,
    gate,
    validating,
    operationKey,
    rollbackKey,
    operation,
    rollbackOperation,
    sent,
    busy,
    open,
    close,
    toggleNode,
    setInterface,
    runValidation,
    create,
    rollback
  }
})
