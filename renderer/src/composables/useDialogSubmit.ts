// How a cluster dialog (Add Node, Configure Role) sends its request: busy while the start call
// is in flight, and a refused request's error placed where the admin can act on it: on the field
// it names when the dialog has that field (the dialog's `onField` says so), else in the dialog's
// error callout above its fields.
import { ref, type Ref } from 'vue'
import { placeApiField } from '../stores/cluster-model'
import { describeError, fieldMessage, type ErrorView } from './useApiError'

export type PlacedField = ReturnType<typeof placeApiField>

/** Puts the message on the dialog's field for `placed` and returns true, or returns false: not a field of this dialog. */
export type OnField = (placed: PlacedField, message: string) => boolean

export function useDialogSubmit(): { busy: Ref<boolean>; error: Ref<ErrorView | null>; submit: (start: () => Promise<void>, onField: OnField) => Promise<void> } {
  const busy = ref(false)
  const error = ref<ErrorView | null>(null)

  async function submit(start: () => Promise<void>, onField: OnField): Promise<void> {
    busy.value = true
    try {
      await start()
    } catch (e) {
      const err = describeError(e)
      const onItsField = err.field !== undefined && onField(placeApiField(err.field), fieldMessage(err.message, err.field))
      if (!onItsField) error.value = err
    } finally {
      busy.value = false
    }
  }

  return { busy, error, submit }
}
