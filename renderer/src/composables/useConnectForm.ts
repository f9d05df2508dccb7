// State and flow of the "Connect to node" dialog: the form with inline validation, the
// connect call, and the host-key steps the admin must decide (RFC 4251 §4.1: the client must
// verify the server's host key; first contact asks, a changed key is refused).
import { computed, reactive, ref } from 'vue'
import { HostSchema, PortSchema, UsernameSchema, type HostKeyInfo } from '@api/model'
import { api } from '../services/api'
import { useConnectionsStore, type Connection, type ConnectRequest } from '../stores/connections'
import type { ConnectPrefill } from '../stores/dialogs'
import { describeError, fieldMessage, type ErrorView } from './useApiError'

export type AuthKind = 'key' | 'password' | 'agent'

export type ConnectField = 'label' | 'host' | 'port' | 'username' | 'keyPath' | 'passphrase' | 'password' | 'agentSocket' | 'sudoPassword'

export type ConnectPhase = 'form' | 'connecting' | 'host-key-unknown' | 'host-key-changed'

interface FormState {
  label: string
  host: string
  port: string
  username: string
  authKind: AuthKind
  keyPath: string
  passphrase: string
  password: string
  remember: boolean
  agentSocket: string
  /** For key or agent login by a user whose sudo asks for a password (with password login, sudo gets that one). */
  sudoPassword: string
}

/** Backend validation errors name the field by its path in the request ("auth.password: ..."). */
const FIELD_BY_PATH: Record<string, ConnectField> = {
  label: 'label',
  host: 'host',
  port: 'port',
  username: 'username',
  'auth.password': 'password',
  password: 'password',
  'auth.privateKeyPath': 'keyPath',
  privateKeyPath: 'keyPath',
  'auth.passphrase': 'passphrase',
  'auth.socketPath': 'agentSocket',
  sudoPassword: 'sudoPassword'
}

function firstIssue(result: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined {
  return result.success ? undefined : result.error?.issues[0]?.message
}

export function useConnectForm(onConnected: (c: Connection) => void) {
  const connections = useConnectionsStore()

  const form = reactive<FormState>(blankForm())
  const fieldErrors = reactive<Partial<Record<ConnectField, string>>>({})
  const phase = ref<ConnectPhase>('form')
  const progressText = ref('')
  const error = ref<ErrorView | null>(null)
  const hostKey = ref<HostKeyInfo | null>(null)
  const expectedFingerprint = ref<string | null>(null)
  /** Bumped on cancel/reset so a late answer from an abandoned attempt is ignored. */
  let attempt = 0
  /**
   * Set while the dialog reconnects a saved connection with what the backend remembered
   * (key path, agent, stored password); cleared as soon as the admin submits the form.
   */
  const reconnectId = ref<string | null>(null)

  const busy = computed(() => phase.value === 'connecting')
  /**
   * The sudo password field shows for key and agent logins of a user other than root: sudo may
   * ask that user for a password no login step provided. NOPASSWD sudo needs none, so it may
   * stay empty. With password login sudo gets the login password.
   */
  const sudoPasswordAsked = computed(() => form.authKind !== 'password' && form.username.trim() !== 'root')

  function blankForm(): FormState {
    return {
      label: '',
      host: '',
      port: '22',
      username: 'root',
      authKind: 'key',
      keyPath: '',
      passphrase: '',
      password: '',
      remember: false,
      agentSocket: '',
      sudoPassword: ''
    }
  }

  function clearErrors(): void {
    for (const k of Object.keys(fieldErrors) as ConnectField[]) delete fieldErrors[k]
    error.value = null
  }

  /** Fresh form for a new dialog; secrets from a previous attempt never linger. */
  function reset(prefill: ConnectPrefill = {}): void {
    attempt += 1
    Object.assign(form, blankForm())
    if (prefill.host) form.host = prefill.host
    if (prefill.port) form.port = String(prefill.port)
    if (prefill.username) form.username = prefill.username
    if (prefill.authKind) form.authKind = prefill.authKind
    if (prefill.label) form.label = prefill.label
    reconnectId.value = prefill.reconnectId ?? null
    clearErrors()
    phase.value = 'form'
    hostKey.value = null
    expectedFingerprint.value = null
  }

  /** Drops secrets held by the form (called when the dialog closes). */
  function wipeSecrets(): void {
    form.password = ''
    form.passphrase = ''
    form.sudoPassword = ''
  }

  function validate(): boolean {
    clearErrors()
    const host = firstIssue(HostSchema.safeParse(form.host))
    if (host) fieldErrors.host = host
    const port = form.port.trim() === '' ? 'enter a port (22 is the SSH default)' : firstIssue(PortSchema.safeParse(form.port))
    if (port) fieldErrors.port = port
    const user = firstIssue(UsernameSchema.safeParse(form.username))
    if (user) fieldErrors.username = user
    if (form.authKind === 'key' && form.keyPath.trim() === '') {
      fieldErrors.keyPath = 'enter the path of the private key file on the machine running HAVIP Manager'
    }
    if (form.authKind === 'password' && form.password === '') fieldErrors.password = 'enter the password'
    return Object.keys(fieldErrors).length === 0
  }

  function buildRequest(): ConnectRequest {
    const auth =
      form.authKind === 'key'
        ? { kind: 'key' as const, privateKeyPath: form.keyPath.trim(), ...(form.passphrase ? { passphrase: form.passphrase } : {}) }
        : form.authKind === 'password'
          ? { kind: 'password' as const, password: form.password }
          : { kind: 'agent' as const, ...(form.agentSocket.trim() ? { socketPath: form.agentSocket.trim() } : {}) }
    return {
      host: form.host.trim(),
      port: Number(form.port),
      username: form.username.trim(),
      auth,
      ...(sudoPasswordAsked.value && form.sudoPassword !== '' ? { sudoPassword: form.sudoPassword } : {}),
      ...(form.label.trim() ? { label: form.label.trim() } : {}),
      // Remember applies to the secret typed here: the password, or a key's passphrase.
      ...(form.authKind === 'password' || (form.authKind === 'key' && form.passphrase) ? { remember: form.remember } : {})
    } as ConnectRequest
  }

  /** Maps a backend invalid-input error onto the field it names, or shows it above the form. */
  function showError(e: unknown): void {
    const view = describeError(e)
    const field = view.field ? FIELD_BY_PATH[view.field] : undefined
    if (field) {
      fieldErrors[field] = fieldMessage(view.message, view.field ?? '')
      error.value = null
    } else {
      error.value = view
    }
    phase.value = 'form'
  }

  async function connectOnce(progress: string): Promise<void> {
    const mine = ++attempt
    phase.value = 'connecting'
    progressText.value = progress
    error.value = null
    try {
      const id = reconnectId.value
      const result = id ? await connections.reconnect(id) : await connections.connect(buildRequest())
      if (mine !== attempt) return
      if (result.status === 'connected') {
        onConnected(result.connection)
        return
      }
      hostKey.value = result.hostKey
      if (result.status === 'host-key-unknown') {
        expectedFingerprint.value = null
        phase.value = 'host-key-unknown'
      } else {
        expectedFingerprint.value = result.expectedFingerprint
        phase.value = 'host-key-changed'
      }
    } catch (e) {
      if (mine !== attempt) return
      showError(e)
    }
  }

  async function submit(): Promise<void> {
    if (busy.value || !validate()) return
    reconnectId.value = null
    await connectOnce(`Connecting to ${form.host.trim()} port ${form.port} as ${form.username.trim()}...`)
  }

  /** The admin compared the fingerprint and trusts it: pin it, then connect again. */
  async function trustAndConnect(): Promise<void> {
    const key = hostKey.value
    if (!key || busy.value) return
    const mine = ++attempt
    phase.value = 'connecting'
    progressText.value = `Pinning the host key of ${key.host} and connecting...`
    try {
      await api.call('hostKeys.trust', key)
    } catch (e) {
      if (mine === attempt) showError(e)
      return
    }
    if (mine !== attempt) return
    await connectOnce(progressText.value)
  }

  /**
   * Deliberate, separately confirmed step after a changed key: replace the pin the admin was
   * shown (previousFingerprint) by the key the node offers now, then connect. The backend
   * refuses if the pin is no longer the one shown (another window replaced it meanwhile).
   */
  async function replaceAndConnect(): Promise<void> {
    const key = hostKey.value
    const previous = expectedFingerprint.value
    if (!key || !previous || busy.value) return
    const mine = ++attempt
    phase.value = 'connecting'
    progressText.value = `Replacing the pinned host key of ${key.host} and connecting...`
    try {
      await api.call('hostKeys.trust', { ...key, replace: true, previousFingerprint: previous })
    } catch (e) {
      if (mine === attempt) showError(e)
      return
    }
    if (mine !== attempt) return
    await connectOnce(progressText.value)
  }

  /** From the host-key step back to the form, e.g. to fix the address. */
  function backToForm(): void {
    attempt += 1
    phase.value = 'form'
  }

  function cancelAttempt(): void {
    attempt += 1
    phase.value = 'form'
  }

  return {
    form,
    fieldErrors,
    phase,
    progressText,
    error,
    hostKey,
    expectedFingerprint,
    busy,
    sudoPasswordAsked,
    reset,
    wipeSecrets,
    submit,
    trustAndConnect,
    replaceAndConnect,
    backToForm,
    cancelAttempt,
    reconnectId,
    /** Starts the reconnect of a saved connection (dialog opened with prefill.reconnectId). */
    startReconnect: () => connectOnce(`Connecting to ${form.host.trim()} port ${form.port} as ${form.username.trim()}...`)
  }
}
