import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SecretStorage } from '@api/contract'
import { api } from '../services/api'
import { describeError, type ErrorView } from '../composables/useApiError'

/** Facts about the app itself: version, Electron or browser mode, and whether the backend answers. */
export const useAppStore = defineStore('app', () => {
  const version = ref<string>('')
  const mode = ref<'electron' | 'browser'>(api.mode)
  const backendError = ref<ErrorView | null>(null)
  /** Where remembered secrets go; null until app.info answered (the UI then claims no encryption). */
  const secretStorage = ref<SecretStorage | null>(null)

  async function loadInfo(): Promise<void> {
    try {
      const info = await api.call('app.info', {})
      version.value = info.version
      mode.value = info.mode
      secretStorage.value = info.secretStorage
      backendError.value = null
    } catch (e) {
      backendError.value = describeError(e)
    }
  }

  return { version, mode, backendError, secretStorage, loadInfo }
})
