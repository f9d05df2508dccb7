import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type {
  ValidationProgress,
  ValidationReport,
  ValidationRequestInput,
  ValidationSummary,
  ValidationTest,
  VrrpMode
} from '@api/validation'
import { api } from '../services/api'
import { describeError, type ErrorView } from '../composables/useApiError'
import {
  applyProgress as applyToGrid,
  blankSettings,
  closeGrid,
  emptyGrid,
  type ProgressGrid,
  type SettingsForm
} from './validation-model'

export type WizardStep = 'before' | 'servers' | 'options' | 'confirm' | 'validating' | 'summary'

/** The wizard's pages in order, as its left-hand step list shows them (FCM's wording). */
export const WIZARD_STEPS: readonly { id: WizardStep; title: string }[] = [
  { id: 'before', title: 'Before You Begin' },
  { id: 'servers', title: 'Select Servers' },
  { id: 'options', title: 'Testing Options' },
  { id: 'confirm', title: 'Confirmation' },
  { id: 'validating', title: 'Validating' },
  { id: 'summary', title: 'Summary' }
]

/**
 * What the wizard opens with. A cluster re-validating itself passes its nodes and role here
 * ("Validate Cluster..."), so the admin starts on known settings instead of a blank page.
 */
export interface ValidationPreset {
  connectionIds?: string[]
  /** connection id -> interface name */
  interfaces?: Record<string, string>
  vip?: string
  vrid?: number
  advertIntervalMs?: number
  mode?: VrrpMode
}

export type RunPhase = 'idle' | 'starting' | 'running' | 'cancelling' | 'finished' | 'failed'

interface RunState {
  id: string | null
  phase: RunPhase
  /** What was sent, for the Confirmation page's twin on the Summary page. */
  request: ValidationRequestInput | null
  testIds: string[]
  nodeIds: string[]
  grid: ProgressGrid
  /** Why the run could not start (or the start call failed). */
  error: ErrorView | null
  summary: ValidationSummary | null
  cancelled: boolean
  report: ValidationReport | null
  reportError: ErrorView | null
}

function idleRun(): RunState {
  return {
    id: null,
    phase: 'idle',
    request: null,
    testIds: [],
    nodeIds: [],
    grid: {},
    error: null,
    summary: null,
    cancelled: false,
    report: null,
    reportError: null
  }
}

type Finished = { runId: string; cancelled: boolean; summary: ValidationSummary }

/** The Validate a Configuration wizard: its inputs, the test catalogue and the run it starts. */
export const useValidationStore = defineStore('validation', () => {
  const isOpen = ref(false)
  const step = ref<WizardStep>('before')
  const reportOpen = ref(false)

  // Select Servers
  const chosenIds = ref<string[]>([])
  /** connection id -> interface the admin picked ('' or absent: the proposal). */
  const interfaces = ref<Record<string, string>>({})
  const settings = reactive<SettingsForm>(blankSettings())

  // Testing Options
  const testMode = ref<'all' | 'chosen'>('all')
  const chosenTests = ref<Set<string>>(new Set())
  const catalogue = shallowRef<ValidationTest[]>([])
  const catalogueLoading = ref(false)
  const catalogueError = ref<ErrorView | null>(null)

  const run = reactive<RunState>(idleRun())
  /** Events that arrive between validation.start being sent and its runId coming back. */
  let early: (ValidationProgress | Finished)[] = []

  const selectedTestIds = computed(() =>
    testMode.value === 'all' ? catalogue.value.map((t) => t.id) : catalogue.value.filter((t) => chosenTests.value.has(t.id)).map((t) => t.id)
  )
  const running = computed(() => run.phase === 'starting' || run.phase === 'running' || run.phase === 'cancelling')

  function openWizard(preset?: ValidationPreset): void {
    if (running.value) {
      isOpen.value = true
      return
    }
    Object.assign(run, idleRun())
    step.value = 'before'
    if (preset) {
      chosenIds.value = [...(preset.connectionIds ?? [])]
      interfaces.value = { ...(preset.interfaces ?? {}) }
      Object.assign(settings, blankSettings(), {
        ...(preset.vip ? { vip: preset.vip } : {}),
        ...(preset.vrid ? { vrid: String(preset.vrid) } : {}),
        ...(preset.advertIntervalMs ? { advertIntervalMs: String(preset.advertIntervalMs) } : {}),
        ...(preset.mode ? { mode: preset.mode } : {})
      })
    }
    // Without a preset the last settings stay: running it again is the common case.
    isOpen.value = true
    if (catalogue.value.length === 0) void loadCatalogue()
  }

  function close(): void {
    if (running.value) return
    isOpen.value = false
  }

  async function loadCatalogue(): Promise<void> {
    catalogueLoading.value = true
    try {
      catalogue.value = await api.call('validation.catalogue', {})
      catalogueError.value = null
      if (chosenTests.value.size === 0) chosenTests.value = new Set(catalogue.value.map((t) => t.id))
    } catch (e) {
      catalogueError.value = describeError(e)
    } finally {
      catalogueLoading.value = false
    }
  }

  function setChosenTests(next: Set<string>): void {
    chosenTests.value = next
  }

  function toggleNode(id: string, on: boolean): void {
    if (on && !chosenIds.value.includes(id)) chosenIds.value = [...chosenIds.value, id]
    if (!on) chosenIds.value = chosenIds.value.filter((x) => x !== id)
  }

  function setInterface(id: string, name: string): void {
    interfaces.value = { ...interfaces.value, [id]: name }
  }

  async function start(request: ValidationRequestInput): Promise<void> {
    if (running.value) return
    Object.assign(run, idleRun(), {
      phase: 'starting',
      request,
      testIds: request.tests ?? catalogue.value.map((t) => t.id),
      nodeIds: request.nodes.map((n) => ('connectionId' in n ? n.connectionId : `${n.target.username}@${n.target.host}:${n.target.port ?? 22}`))
    })
    run.grid = emptyGrid(run.testIds, run.nodeIds)
    early = []
    step.value = 'validating'
    try {
      const { runId } = await api.call('validation.start', request)
      run.id = runId
      const cancelPending = run.phase === 'cancelling'
      if (run.phase === 'starting') run.phase = 'running'
      const replay = early.filter((e) => e.runId === runId)
      early = []
      for (const e of replay) {
        if ('testId' in e) applyProgress(e)
        else applyFinished(e)
      }
      if (cancelPending && run.phase === 'cancelling') {
        run.phase = 'running'
        await cancel()
      }
    } catch (e) {
      run.phase = 'failed'
      run.error = describeError(e)
    }
  }

  async function cancel(): Promise<void> {
    if (run.phase !== 'running' && run.phase !== 'starting') return
    run.phase = 'cancelling'
    // Cancel pressed before validation.start answered: start() sends it once the run id is known.
    if (!run.id) return
    try {
      await api.call('validation.cancel', { runId: run.id })
    } catch (e) {
      run.error = describeError(e)
    }
  }

  function applyProgress(ev: ValidationProgress): void {
    if (run.id === null && (run.phase === 'starting' || run.phase === 'cancelling')) {
      early.push(ev)
      return
    }
    if (ev.runId !== run.id) return
    run.grid = applyToGrid(run.grid, ev)
  }

  function applyFinished(ev: Finished): void {
    if (run.id === null && (run.phase === 'starting' || run.phase === 'cancelling')) {
      early.push(ev)
      return
    }
    if (ev.runId !== run.id) return
    run.grid = closeGrid(run.grid)
    run.summary = ev.summary
    run.cancelled = ev.cancelled
    run.phase = 'finished'
    if (step.value === 'validating') step.value = 'summary'
    void loadReport()
  }

  async function loadReport(): Promise<void> {
    if (!run.id) return
    try {
      run.report = await api.call('validation.report', { runId: run.id })
      run.reportError = null
    } catch (e) {
      run.reportError = describeError(e)
    }
  }

  /**
   * Downloads the saved self-contained HTML report through the browser (a Blob, no navigation),
   * so an admin on another machine than the backend's (browser mode) gets the file too.
   */
  async function saveHtmlCopy(): Promise<void> {
    if (!run.id) return
    const { html, path } = await api.call('validation.reportHtml', { runId: run.id })
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }))
    try {
      const a = document.createElement('a')
      a.href = url
      a.download = path.split(/[\\/]/).pop() || `validation-${run.id}.html`
      a.click()
    } finally {
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    }
  }

  return {
    isOpen,
    step,
    reportOpen,
    chosenIds,
    interfaces,
    settings,
    testMode,
    chosenTests,
    catalogue,
    catalogueLoading,
    catalogueError,
    run,
    selectedTestIds,
    running,
    openWizard,
    close,
    loadCatalogue,
    setChosenTests,
    toggleNode,
    setInterface,
    start,
    cancel,
    applyProgress,
    applyFinished,
    loadReport,
    saveHtmlCopy
  }
})
