// The backend facade: implements every method of the API table (electron/api/contract.ts) on
// top of the SSH pool, the stores and the platform adapters, and emits the API's events.
// Both transports (Electron IPC in electron/main, WebSocket in electron/web) reach it only
// through dispatch(). Never imports 'electron': the desktop passes a SecretCodec instead.
import * as path from 'node:path'
import pkg from '../../package.json'
import type {
  ApiHandlers,
  ApiMethod,
  ApiParsedInput,
  Connection,
  ConnectionState,
  ConnectResult
} from '../api/contract'
import type { DispatchTarget } from '../api/dispatch'
import { ApiException, type ApiError } from '../api/errors'
import type { NodeFacts, SshAuth, SshTarget } from '../api/model'
import { createEventHub, type EventHub } from './events'
import { collectLinuxFacts } from './platform/linux-facts'
import { newConnectionId, SavedConnections, type SavedConnection } from './saved-connections'
import { SshError } from './ssh/errors'
import { SshPool, type SessionStateEvent } from './ssh/pool'
import type { SshSession } from './ssh/session'
import { CredentialStore, type SecretCodec } from './store/credential-store'
import { HostKeyStore } from './store/host-key-store'

export interface BackendOptions {
  /** Where host keys, saved connections and credentials live (created 0700). */
  dataDir: string
  /** Electron's safeStorage; without it secrets sit in a 0600 file. */
  secretCodec?: SecretCodec
  mode: 'electron' | 'browser'
  /** SSH connect timeout (tests use a short one). */
  connectTimeoutMs?: number
  /** SSH keepalive interval; a dead link is reported after 3 unanswered ones. Default 15 s. */
  keepaliveIntervalMs?: number
}

export interface Backend extends DispatchTarget {
  readonly events: EventHub
  dispose(): Promise<void>
}

/** What the CredentialStore keeps for one connection: only the fields that apply. */
interface StoredSecret {
  password?: string
  passphrase?: string
  sudoPassword?: string
}

/** Live (in-memory) state of one saved connection. */
interface Live {
  session?: SshSession
  state?: ConnectionState // 'connecting' or 'failed' while no session is up
  lastError?: ApiError // why it failed, or why the link dropped
  facts?: NodeFacts
}

export function createBackend(opts: BackendOptions): Backend {
  const events = createEventHub()
  const hostKeys = new HostKeyStore(path.join(opts.dataDir, 'host-keys.json'))
  const credentials = new CredentialStore(path.join(opts.dataDir, 'credentials'), opts.secretCodec)
  const saved = new SavedConnections(opts.dataDir)
  const pool = new SshPool({
    hostKeys,
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: opts.keepaliveIntervalMs } : {}),
    log: (line) => log('info', line)
  })
  const stopWatchingSessions = pool.onSessionState((e) => onSessionState(e))
  const live = new Map<string, Live>()
  /** Targets with a connect in progress, so two clicks do not open two sessions. */
  const connecting = new Set<string>()

  function log(level: 'info' | 'warn' | 'error', message: string, node?: string): void {
    events.emit('backend.log', { at: new Date().toISOString(), level, message, ...(node ? { node } : {}) })
  }

  function liveOf(id: string): Live {
    let l = live.get(id)
    if (!l) live.set(id, (l = {}))
    return l
  }

  function stateOf(id: string): ConnectionState {
    const l = live.get(id)
    if (l?.state) return l.state
    return l?.session?.isConnected() ? 'connected' : 'disconnected'
  }

  function setState(id: string, state: ConnectionState, error?: ApiError): void {
    const l = liveOf(id)
    l.state = state === 'connecting' || state === 'failed' ? state : undefined
    l.lastError = state === 'failed' || state === 'disconnected' ? error : undefined
    events.emit('connection.state', { id, state, ...(error ? { error } : {}) })
  }

  function secretOf(id: string): StoredSecret | undefined {
    let text: string | undefined
    try {
      text = credentials.load(id)
    } catch (err) {
      log('warn', `Could not read the stored credentials: ${(err as Error).message}`)
      return undefined
    }
    if (text === undefined) return undefined
    try {
      return JSON.parse(text) as StoredSecret
    } catch {
      return undefined
    }
  }

  function toConnection(c: SavedConnection): Connection {
    const l = live.get(c.id)
    const fingerprint = l?.session?.hostKey.fingerprint ?? hostKeys.get(c.host, c.port)?.fingerprint
    const hostname = l?.facts?.hostname ?? c.hostname
    let remembered = false
    try {
      remembered = credentials.has(c.id)
    } catch {
      remembered = false
    }
    return {
      id: c.id,
      label: c.label,
      host: c.host,
      port: c.port,
      username: c.username,
      authKind: c.auth.kind,
      state: stateOf(c.id),
      ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}),
      ...(hostname ? { hostname } : {}),
      remembered,
      ...(l?.lastError ? { lastError: l.lastError } : {})
    }
  }

  function mustGetSaved(id: string): SavedConnection {
    const c = saved.get(id)
    if (!c) {
      throw new ApiException({
        kind: 'not-found',
        message: `There is no saved connection with id "${id}".`,
        hint: 'Refresh the connections list; it may have been forgotten in another window.'
      })
    }
    return c
  }

  /**
   * Connect, or report the host key to confirm. `existing` is the saved entry when this
   * target was connected before (its id is kept, so the UI's selection survives).
   */
  async function connectTarget(
    target: SshTarget,
    meta: { label?: string; remember?: boolean; existing?: SavedConnection }
  ): Promise<ConnectResult> {
    const where = `${target.username}@${target.host}:${target.port}`
    const key = where.toLowerCase()
    if (connecting.has(key)) {
      throw new ApiException({
        kind: 'invalid-input',
        message: `A connection to ${where} is already being made.`,
        hint: 'Wait for it to finish, then try again.',
        node: target.host
      })
    }
    connecting.add(key)
    const existing = meta.existing
    try {
      if (existing) setState(existing.id, 'connecting')
      log('info', `Connecting to ${where}`, target.host)
      let session: SshSession
      try {
        session = await pool.connect(target)
      } catch (err) {
        if (err instanceof SshError && err.hostKey && (err.kind === 'host-key-unknown' || err.kind === 'host-key-changed')) {
          // Not a failure: the admin decides. The pool has NOT trusted anything.
          if (existing) setState(existing.id, 'disconnected')
          const { expectedFingerprint, ...hostKey } = err.hostKey
          if (err.kind === 'host-key-unknown') {
            log('info', `First contact with ${target.host}:${target.port}: host key ${hostKey.fingerprint} awaits confirmation`, target.host)
            return { status: 'host-key-unknown', hostKey }
          }
          log('warn', `HOST KEY CHANGED for ${target.host}:${target.port}: pinned ${expectedFingerprint ?? '?'}, offered ${hostKey.fingerprint}. Connection refused.`, target.host)
          return { status: 'host-key-changed', hostKey, expectedFingerprint: expectedFingerprint ?? '' }
        }
        const error = toApiError(err, 'connections.connect')
        if (existing) setState(existing.id, 'failed', error)
        log('warn', `Connecting to ${where} failed: ${error.message}`, target.host)
        throw new ApiException(error)
      }

      const id = existing?.id ?? newConnectionId()
      const entry: SavedConnection = {
        id,
        label: meta.label || existing?.label || `${target.username}@${target.host}`,
        host: target.host,
        port: target.port,
        username: target.username,
        auth: savedAuthOf(target.auth),
        ...(existing?.hostname ? { hostname: existing.hostname } : {})
      }
      try {
        saved.upsert(entry)
        rememberSecret(id, target, meta.remember)
      } catch (err) {
        // A damaged store: nothing refers to the new session yet, so close it rather than leave
        // it open unseen, and do not leave a saved entry showing "connecting" forever.
        await pool.close(session.id).catch(() => {})
        const error = toApiError(err, 'connections.connect')
        if (existing) setState(existing.id, 'failed', error)
        log('warn', `Connected to ${where}, but saving the connection failed: ${error.message}`, target.host)
        throw new ApiException(error)
      }

      const l = liveOf(id)
      const previous = l.session
      l.session = session
      l.facts = undefined
      if (previous && previous.id !== session.id) await pool.close(previous.id).catch(() => {})
      setState(id, 'connected')
      log('info', `Connected to ${where} (host key ${session.hostKey.fingerprint})`, target.host)
      return { status: 'connected', connection: toConnection(entry) }
    } finally {
      connecting.delete(key)
    }
  }

  function savedAuthOf(auth: SshAuth): SavedConnection['auth'] {
    if (auth.kind === 'password') return { kind: 'password' }
    if (auth.kind === 'key') return { kind: 'key', privateKeyPath: auth.privateKeyPath }
    return { kind: 'agent', ...(auth.socketPath ? { socketPath: auth.socketPath } : {}) }
  }

  /** remember=true stores what a later reconnect needs; remember=false drops an older secret. */
  function rememberSecret(id: string, target: SshTarget, remember: boolean | undefined): void {
    if (remember === undefined) return
    if (!remember) {
      credentials.delete(id)
      return
    }
    const secret: StoredSecret = {}
    if (target.auth.kind === 'password') secret.password = target.auth.password
    if (target.auth.kind === 'key' && target.auth.passphrase) secret.passphrase = target.auth.passphrase
    if (target.sudoPassword) secret.sudoPassword = target.sudoPassword
    if (Object.keys(secret).length === 0) credentials.delete(id)
    else credentials.save(id, JSON.stringify(secret))
  }

  function targetFromSaved(c: SavedConnection): SshTarget {
    const secret = secretOf(c.id)
    let auth: SshAuth
    if (c.auth.kind === 'password') {
      if (!secret?.password) {
        throw new ApiException({
          kind: 'auth-failed',
          message: `No password is remembered for ${c.username}@${c.host}.`,
          hint: 'Use "Connect to node" and enter the password (tick "remember" to store it).',
          node: c.host
        })
      }
      auth = { kind: 'password', password: secret.password }
    } else if (c.auth.kind === 'key') {
      auth = { kind: 'key', privateKeyPath: c.auth.privateKeyPath, ...(secret?.passphrase ? { passphrase: secret.passphrase } : {}) }
    } else {
      auth = { kind: 'agent', ...(c.auth.socketPath ? { socketPath: c.auth.socketPath } : {}) }
    }
    return {
      host: c.host,
      port: c.port,
      username: c.username,
      auth,
      ...(secret?.sudoPassword ? { sudoPassword: secret.sudoPassword } : {})
    }
  }

  async function closeSession(id: string): Promise<boolean> {
    const l = live.get(id)
    const session = l?.session
    if (l) {
      l.session = undefined
      l.facts = undefined
      l.state = undefined
    }
    if (!session) return false
    await pool.close(session.id).catch((err: unknown) => log('warn', `Closing the SSH session failed: ${String(err)}`))
    return true
  }

  /**
   * A saved connection's session dropped or came back on its own: tell the UI at once, so the
   * node shows as disconnected when it happens, not on the next action.
   */
  function onSessionState(e: SessionStateEvent): void {
    const id = [...live].find(([, l]) => l.session?.id === e.sessionId)?.[0]
    if (!id) return // a session no saved connection uses any more
    const where = `${e.target.username}@${e.target.host}:${e.target.port}`
    if (e.state === 'dropped') {
      const error: ApiError = {
        kind: 'disconnected',
        message: `Connection to ${e.target.host} lost: ${asClause(e.reason.message)}`,
        hint: `${e.reason.hint} HAVIP Manager reconnects on the next action; use Connect to try now.`,
        node: e.target.host
      }
      setState(id, 'disconnected', error)
      log('warn', `Connection to ${where} lost: ${e.reason.message}`, e.target.host)
    } else {
      setState(id, 'connected')
      log('info', `Reconnected to ${where}`, e.target.host)
    }
  }

  /** "The SSH server ..." -> "the SSH server ...", to follow "lost: " (acronyms keep their case). */
  function asClause(sentence: string): string {
    return /^[A-Z][a-z]/.test(sentence) ? sentence[0]!.toLowerCase() + sentence.slice(1) : sentence
  }

  function toApiError(err: unknown, method: ApiMethod): ApiError {
    if (err instanceof ApiException) return err.error
    if (err instanceof SshError) {
      return { kind: err.kind, message: err.message, hint: err.hint, node: err.host }
    }
    const message = err instanceof Error ? err.message : String(err)
    log('error', `${method} failed unexpectedly: ${message}`)
    return {
      kind: 'internal',
      message: `${method} failed: ${message}`,
      hint: 'This was not expected. Check the backend log; if it persists, report it.'
    }
  }

  const handlers: ApiHandlers = {
    async 'app.info'() {
      return { version: pkg.version, mode: opts.mode }
    },

    async 'connections.list'() {
      return saved.list().map(toConnection)
    },

    async 'connections.connect'(input: ApiParsedInput<'connections.connect'>) {
      const { label, remember, ...target } = input
      const existing = saved.findByTarget(target)
      return connectTarget(target, {
        ...(label !== undefined ? { label } : {}),
        ...(remember !== undefined ? { remember } : {}),
        ...(existing ? { existing } : {})
      })
    },

    async 'connections.reconnect'({ id }) {
      const c = mustGetSaved(id)
      return connectTarget(targetFromSaved(c), { existing: c })
    },

    async 'connections.disconnect'({ id }) {
      const c = mustGetSaved(id)
      if (await closeSession(id)) log('info', `Disconnected from ${c.username}@${c.host}:${c.port}`, c.host)
      setState(id, 'disconnected')
      return {}
    },

    async 'connections.forget'({ id }) {
      const c = mustGetSaved(id)
      await closeSession(id)
      saved.remove(id)
      credentials.delete(id)
      live.delete(id)
      events.emit('connection.state', { id, state: 'disconnected' })
      log('info', `Forgot the connection ${c.username}@${c.host}:${c.port} and its stored credentials`, c.host)
      return {}
    },

    async 'hostKeys.list'() {
      return hostKeys.list()
    },

    async 'hostKeys.trust'(info) {
      hostKeys.trust(info)
      log('info', `Trusted the ${info.keyType} host key ${info.fingerprint} of ${info.host}:${info.port}`, info.host)
      return {}
    },

    async 'hostKeys.forget'({ host, port }) {
      hostKeys.forget(host, port)
      log('warn', `Forgot the pinned host key of ${host}:${port}; the next connection will ask to confirm it`, host)
      return {}
    },

    async 'nodes.facts'({ connectionId, refresh }) {
      const c = mustGetSaved(connectionId)
      const l = live.get(connectionId)
      if (!l?.session) {
        throw new ApiException({
          kind: 'disconnected',
          message: `${c.label} is not connected.`,
          hint: 'Connect to the node first (Connect / Reconnect).',
          node: c.host
        })
      }
      if (l.facts && !refresh) return l.facts
      const facts = await collectLinuxFacts(l.session)
      l.facts = facts
      if (facts.hostname && facts.hostname !== c.hostname) saved.upsert({ ...c, hostname: facts.hostname })
      return facts
    }
  }

  return {
    handlers,
    events,
    toApiError,
    async dispose() {
      stopWatchingSessions()
      await pool.closeAll().catch(() => {})
      live.clear()
      events.clear()
    }
  }
}
