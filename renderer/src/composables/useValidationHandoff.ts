// Runs the Validate a Configuration wizard for a cluster dialog (Add Node) and hands its
// finished run back as the dialog's validation gate when the wizard closes.
import { reactive, ref, watch } from 'vue'
import { blankGate, type GateForm } from '../stores/cluster-model'
import { useValidationStore, type ValidationPreset } from '../stores/validation'

export function useValidationHandoff(): { gate: GateForm; waiting: { value: boolean }; run: (preset: ValidationPreset) => void } {
  const validation = useValidationStore()
  const gate = reactive<GateForm>(blankGate())
  const waiting = ref(false)

  function run(preset: ValidationPreset): void {
    waiting.value = true
    validation.openWizard(preset)
  }

  watch(
    () => validation.isOpen,
    (open) => {
      if (open || !waiting.value) return
      waiting.value = false
      const r = validation.run
      if (r.phase !== 'finished' || !r.id || !r.summary) return
      gate.mode = 'run'
      gate.run = { runId: r.id, overall: r.summary.overall, cancelled: r.cancelled, nodeIds: [...r.nodeIds] }
    }
  )

  return { gate, waiting, run }
}
