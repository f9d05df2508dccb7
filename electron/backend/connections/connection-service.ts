// The connections service: saved connections, their live SSH sessions, and the API's
// connections.* methods (connect, reconnect, disconnect, forget, list). It announces every
// state change ('connection.state'), also when a link drops or comes back on its own, and
// lends its sessions to the other services through NodeSessions.
import type { ApiParsedInput, Connection, ConnectResult } from '../../api/contract'
import { ApiException, type ApiError } from '../../api/errors'
import type { SshTarget } from '../../api/model'
import type { EventHub } from '../events'
import type { BackendLog } from '../log'
import { platformFromServerIdent } from '../platform/windows/detect'
import { SshError } from '../ssh/errors'
import type { SessionStateEvent, SshPool } from '../ssh/pool'
import type { SshSession } from '../ssh/session'
import type { HostKeyStore } from '../store/host-key-store'
import { toApiError } from '../to-api-error'
import { ConnectionSecrets, savedAuthOf } from './connection-secrets'
import { LiveConnections } from './live-connections'
import type { NodeSessions } from './node-sessions'
import { newConnectionId, type SavedConnection, type SavedConnections } from './saved-connections'

export interface ConnectionServiceDeps {
  pool: SshPool
  saved: SavedConnections
  secrets: ConnectionSecrets
  hostKeys: HostKeyStore
  events: EventHub
  log: BackendLog
}

export class ConnectionService implements NodeSessions {
  private readonly live: LiveConnections
  /** Targets with a connect in progress, so two clicks do not open two sessions. */
  private readonly connecting = new Set<string>()
  /**
   * Connects in flight for saved connections, by id. disconnect() and forget() mark them
   * superseded: the admin's later decision wins over the earlier connect (issue 9 item 15).
   */
  private readonly inFlight = new Map<string, ConnectAttempt>()
  private readonly stopWatchingSessions: () => void

  constructor(private readonly deps: ConnectionServiceDeps) {
    this.live = new LiveConnections(deps.events)
    this.stopWatchingSessions = deps.pool.onSessionState((e) => this.onSessionState(e))
  }

  list(): Connection[] {
    return this.deps.saved.list().map((c) => this.toConnection(c))
  }

  async connect(input: ApiParsedInput<'connections.connect'>): Promise<ConnectResult> {
    const { label, remember, ...target } = input
    const existing = this.deps.saved.findByTarget(target)
    return this.connectTarget(target, {
      ...(label !== undefined ? { label } : {}),
      ...(remember !== undefined ? { remember } : {}),
      ...(existing ? { existing } : {})
    })
  }

  /** Connect a saved connection again with its remembered secret. */
  async reconnect(id: string): Promise<ConnectResult> {
    const c = this.savedOf(id)
    return this.connectTarget(this.deps.secrets.targetOf(c), { existing: c })
  }

  async disconnect(id: string): Promise<void> {
    const c = this.savedOf(id)
    this.supersede(id, 'disconnected')
    if (await this.closeSession(id)) this.deps.log('info', `Disconnected from ${c.username}@${c.host}:${c.port}`, c.host)
    this.live.setState(id, 'disconnected')
  }

  /** Drop the saved entry and its stored secret (and disconnect it). */
  async forget(id: string): Promise<void> {
    const c = this.savedOf(id)
    this.supersede(id, 'forgotten')
    await this.closeSession(id)
    this.deps.saved.remove(id)
    this.deps.secrets.delete(id)
    this.live.delete(id)
    this.deps.events.emit('connection.state', { id, state: 'disconnected' })
    this.deps.log('info', `Forgot the connection ${c.username}@${c.host}:${c.port} and its stored credentials`, c.host)
  }

  savedOf(id: string): SavedConnection {
    const c = this.deps.saved.get(id)
    if (!c) {
      throw new ApiException({
        kind: 'not-found',
        message: `There is no saved connection with id "${id}".`,
        hint: 'Refresh the connections list; it may have been forgotten in another window.'
      })
    }
    return c
  }

  sessionOf(id: string): SshSession {
    const c = this.savedOf(id)
    const session = this.live.session(id)
    if (!session) {
      throw new ApiException({
        kind: 'disconnected',
        message: `${c.label} is not connected.`,
        hint: 'Connect to the node first (Connect / Reconnect).',
        node: c.host
      })
    }
    return session
  }

  recordHostname(id: string, hostname: string): void {
    this.live.setHostname(id, hostname)
    const c = this.deps.saved.get(id)
    if (c && hostname && hostname !== c.hostname) this.deps.saved.upsert({ ...c, hostname })
  }

  async dispose(): Promise<void> {
    this.stopWatchingSessions()
    await this.deps.pool.closeAll().catch(() => {})
    this.live.clear()
  }

  private toConnection(c: SavedConnection): Connection {
    const session = this.live.session(c.id)
    const fingerprint = session?.hostKey.fingerprint ?? this.deps.hostKeys.get(c.host, c.port)?.fingerprint
    const hostname = this.live.hostname(c.id) ?? c.hostname
    const lastError = this.live.lastError(c.id)
    const platform = platformFromServerIdent(session?.serverIdent) ?? c.platform
    return {
      id: c.id,
      label: c.label,
      host: c.host,
      port: c.port,
      username: c.username,
      authKind: c.auth.kind,
      state: this.live.state(c.id),
      ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}),
      ...(hostname ? { hostname } : {}),
      ...(platform ? { platform } : {}),
      remembered: this.deps.secrets.has(c.id),
      ...(lastError ? { lastError } : {})
    }
  }

  /**
   * Connect, or report the host key to confirm. `existing` is the saved entry when this
   * target was connected before (its id is kept, so the UI's selection survives).
   */
  private async connectTarget(
    target: SshTarget,
    meta: { label?: string; remember?: boolean; existing?: SavedConnection }
  ): Promise<ConnectResult> {
    const { pool, saved, secrets, log } = this.deps
    const where = `${target.username}@${target.host}:${target.port}`
    const key = where.toLowerCase()
    if (this.connecting.has(key)) {
      throw new ApiException({
        kind: 'invalid-input',
        message: `A connection to ${where} is already being made.`,
        hint: 'Wait for it to finish, then try again.',
        node: target.host
      })
    }
    this.connecting.add(key)
    const existing = meta.existing
    const attempt: ConnectAttempt = {}
    if (existing) this.inFlight.set(existing.id, attempt)
    try {
      if (existing) this.live.setState(existing.id, 'connecting')
      log('info', `Connecting to ${where}`, target.host)
      let session: SshSession
      try {
        session = await pool.connect(target)
      } catch (err) {
        // Disconnected or forgotten meanwhile: whatever the outcome, it changes nothing now.
        if (attempt.superseded) throw this.supersededError(where, target.host, attempt.superseded)
        if (err instanceof SshError && err.hostKey && (err.kind === 'host-key-unknown' || err.kind === 'host-key-changed')) {
          // Not a failure: the admin decides. The pool has NOT trusted anything.
          if (existing) this.live.setState(existing.id, 'disconnected')
          const { expectedFingerprint, ...hostKey } = err.hostKey
          if (err.kind === 'host-key-unknown') {
            log('info', `First contact with ${target.host}:${target.port}: host key ${hostKey.fingerprint} awaits confirmation`, target.host)
            return { status: 'host-key-unknown', hostKey }
          }
          log('warn', `HOST KEY CHANGED for ${target.host}:${target.port}: pinned ${expectedFingerprint ?? '?'}, offered ${hostKey.fingerprint}. Connection refused.`, target.host)
          return { status: 'host-key-changed', hostKey, expectedFingerprint: expectedFingerprint ?? '' }
        }
        const error = toApiError(err, 'connections.connect', log)
        if (existing) this.live.setState(existing.id, 'failed', error)
        log('warn', `Connecting to ${where} failed: ${error.message}`, target.host)
        throw new ApiException(error)
      }

      if (attempt.superseded) {
        // The admin disconnected or forgot this connection while it was being made: close the
        // late session and save nothing (no entry, no secret, no 'connected' state).
        await pool.close(session.id).catch(() => {})
        throw this.supersededError(where, target.host, attempt.superseded)
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
      const platform = platformFromServerIdent(session.serverIdent) ?? existing?.platform
      if (platform) entry.platform = platform
      try {
        saved.upsert(entry)
        secrets.remember(id, target, meta.remember)
      } catch (err) {
        // A damaged store: nothing refers to the new session yet, so close it rather than leave
        // it open unseen, and do not leave a saved entry showing "connecting" forever.
        await pool.close(session.id).catch(() => {})
        const error = toApiError(err, 'connections.connect', log)
        if (existing) this.live.setState(existing.id, 'failed', error)
        log('warn', `Connected to ${where}, but saving the connection failed: ${error.message}`, target.host)
        throw new ApiException(error)
      }

      const previous = this.live.attach(id, session)
      if (previous) await pool.close(previous.id).catch(() => {})
      this.live.setState(id, 'connected')
      log('info', `Connected to ${where} (host key ${session.hostKey.fingerprint})`, target.host)
      return { status: 'connected', connection: this.toConnection(entry) }
    } finally {
      this.connecting.delete(key)
      if (existing && this.inFlight.get(existing.id) === attempt) this.inFlight.delete(existing.id)
    }
  }

  /** Mark a connect in flight for `id` as overtaken by the admin's disconnect or forget. */
  private supersede(id: string, by: 'disconnected' | 'forgotten'): void {
    const attempt = this.inFlight.get(id)
    if (attempt) attempt.superseded = by
  }

  private supersededError(where: string, host: string, by: 'disconnected' | 'forgotten'): ApiException {
    this.deps.log('info', `The connection to ${where} was ${by} while it was being made; the late session was closed`, host)
    return new ApiException({
      kind: 'disconnected',
      message: `The connection to ${where} was ${by} while the connection was being made, so it was not completed${by === 'forgotten' ? ' and nothing was saved' : ''}.`,
      hint: by === 'forgotten' ? 'Use "Connect to node" to add it again.' : 'Use Connect to try again.',
      node: host
    })
  }

  private async closeSession(id: string): Promise<boolean> {
    const session = this.live.detach(id)
    if (!session) return false
    await this.deps.pool.close(session.id).catch((err: unknown) => this.deps.log('warn', `Closing the SSH session failed: ${String(err)}`))
    return true
  }

  /**
   * A saved connection's session dropped or came back on its own: tell the UI at once, so the
   * node shows as disconnected when it happens, not on the next action.
   */
  private onSessionState(e: SessionStateEvent): void {
    const id = this.live.idOfSession(e.sessionId)
    if (!id) return // a session no saved connection uses any more
    const where = `${e.target.username}@${e.target.host}:${e.target.port}`
    if (e.state === 'dropped') {
      const error: ApiError = {
        kind: 'disconnected',
        message: `Connection to ${e.target.host} lost: ${asClause(e.reason.message)}`,
        hint: `${e.reason.hint} HAVIP Manager reconnects on the next action; use Connect to try now.`,
        node: e.target.host
      }
      this.live.setState(id, 'disconnected', error)
      this.deps.log('warn', `Connection to ${where} lost: ${e.reason.message}`, e.target.host)
    } else {
      this.live.setState(id, 'connected')
      this.deps.log('info', `Reconnected to ${where}`, e.target.host)
    }
  }
}

/** One connect in flight for a saved connection; set when disconnect/forget overtook it. */
interface ConnectAttempt {
  superseded?: 'disconnected' | 'forgotten'
}

/** "The SSH server ..." -> "the SSH server ...", to follow "lost: " (acronyms keep their case). */
function asClause(sentence: string): string {
  return /^[A-Z][a-z]/.test(sentence) ? sentence[0]!.toLowerCase() + sentence.slice(1) : sentence
}
