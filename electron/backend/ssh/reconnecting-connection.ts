// The connect / reconnect lifecycle of one session's ssh2 connection: the first connect and
// every later one meet the same pinned host key (host-key-verify.ts); a connection that drops
// without close() is reported at once (onLinkChange 'dropped') and re-opened on the next use
// ('reconnected'); close() is final and stops a connect in progress from resurrecting it.
// Exec, SFTP and shell channels are opened by others on the Client this hands out.
import { Client, type ConnectConfig } from 'ssh2'
import type { HostKeyInfo, SshTarget } from '../../api/model'
import type { HostKeyStore } from '../store/host-key-store'
import { mapSshError, SshError } from './errors'
import { hostKeyInfoOf } from './host-key'
import { verifyOfferedHostKey } from './host-key-verify'
import { answerKeyboardInteractive, loginAuthConfig, loginFailureError } from './login-auth'
import type { SessionConfig, SessionLinkChange } from './session-types'

export class ReconnectingConnection {
  readonly target: Omit<SshTarget, 'auth' | 'sudoPassword'>
  private _hostKey: HostKeyInfo | undefined
  private _serverIdent: string | undefined
  private client: Client | undefined
  private connected = false
  private connecting: Promise<void> | undefined
  private closedByUser = false
  /** Set once the first connect succeeds, so a later success is a reconnect. */
  private everConnected = false

  constructor(
    private readonly fullTarget: SshTarget,
    private readonly hostKeys: HostKeyStore,
    private readonly cfg: SessionConfig
  ) {
    this.target = { host: fullTarget.host, port: fullTarget.port, username: fullTarget.username }
  }

  get hostKey(): HostKeyInfo {
    if (!this._hostKey) throw new Error('session not opened yet')
    return this._hostKey
  }

  /** The SSH server's software version from its identification string (see SshSession.serverIdent). */
  get serverIdent(): string | undefined {
    return this._serverIdent
  }

  /** user@host:port, for log lines and messages. */
  get where(): string {
    return `${this.target.username}@${this.target.host}:${this.target.port}`
  }

  isConnected(): boolean {
    return this.connected
  }

  /** First connection; also used to reconnect. Rejects with a typed SshError. */
  open(): Promise<void> {
    if (this.closedByUser) {
      return Promise.reject(
        new SshError({
          kind: 'disconnected',
          host: this.target.host,
          port: this.target.port,
          message: `The session to ${this.where} was closed.`,
          hint: 'Connect to the node again.'
        })
      )
    }
    if (this.connected) return Promise.resolve()
    if (!this.connecting) {
      this.connecting = this.connectOnce().finally(() => {
        this.connecting = undefined
      })
    }
    return this.connecting
  }

  /** The live ssh2 client to open a channel on, reconnecting first (same pinned key) if the link dropped. */
  async liveClient(): Promise<Client> {
    if (!this.connected) await this.open()
    const c = this.client
    if (!c) throw mapSshError(new Error('Not connected'), { host: this.target.host, port: this.target.port, phase: 'exec' })
    return c
  }

  private connectOnce(): Promise<void> {
    const { host, port, username } = this.target
    return new Promise<void>((resolve, reject) => {
      let settled = false
      let hostKeyError: SshError | undefined
      const client = new Client()
      const fail = (e: unknown, phase: 'connect' | 'auth'): void => {
        if (settled) return
        settled = true
        client.removeAllListeners('ready')
        client.on('error', () => {}) // late errors after a failed connect are expected noise
        client.end()
        reject(hostKeyError ?? loginFailureError(e, { host, port, phase }, this.fullTarget, this._serverIdent))
      }
      let authStarted = false

      client.on('ready', () => {
        if (settled) return
        if (this.closedByUser) {
          // close() was called while we were (re)connecting: do not resurrect the session.
          return fail(new Error('Not connected: the session was closed while connecting'), 'connect')
        }
        settled = true
        this.client = client
        this.connected = true
        const isReconnect = this.everConnected
        this.everConnected = true
        this.cfg.log(`${isReconnect ? 'reconnected' : 'connected'} to ${this.where} (${this._hostKey?.keyType} ${this._hostKey?.fingerprint})`)
        resolve()
        if (isReconnect) this.reportLink({ state: 'reconnected' })
      })
      /** The last error of an established connection: the reason for the drop that follows. */
      let lastError: unknown
      client.on('error', (e) => {
        if (!settled) return fail(e, authStarted ? 'auth' : 'connect')
        lastError = e
        this.cfg.log(`connection to ${this.where} failed: ${(e as Error).message}`)
      })
      client.on('close', () => {
        // close() detaches the client before ending it, so only a drop still finds it here.
        if (this.client === client) {
          this.connected = false
          this.client = undefined
          if (!this.closedByUser) {
            const reason = this.dropReason(lastError)
            this.cfg.log(`connection to ${this.where} closed; it is reopened on the next command (${reason.message})`)
            this.reportLink({ state: 'dropped', reason: reason.toInfo() })
          }
        }
        if (!settled) fail(new Error('Connection lost before handshake'), 'connect')
      })
      client.on('handshake', () => {
        // ssh2 keeps the server's software version only in an internal field (set before this
        // event; no public accessor in ssh2 1.x): read it defensively.
        const ident = (client as unknown as { _remoteVer?: unknown })._remoteVer
        if (typeof ident === 'string') this._serverIdent = ident
      })
      client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => answerKeyboardInteractive(this.fullTarget, prompts, finish))

      let config: ConnectConfig
      try {
        config = {
          host,
          port,
          username,
          readyTimeout: this.cfg.connectTimeoutMs,
          keepaliveInterval: this.cfg.keepaliveIntervalMs,
          // ssh2 gives up on the tick after countMax unanswered pings, i.e. after
          // (countMax + 1) intervals; ask for one less so a dead peer is reported within
          // interval * countMax. At least 1, or ssh2 would give up without sending a ping.
          keepaliveCountMax: Math.max(1, (this.cfg.keepaliveCountMax ?? 3) - 1),
          hostVerifier: (key: Buffer): boolean => {
            authStarted = true
            const verdict = verifyOfferedHostKey(this.hostKeys, hostKeyInfoOf(host, port, key), this._hostKey)
            if (!verdict.trusted) {
              hostKeyError = verdict.error
              return false
            }
            this._hostKey = verdict.pinned
            return true
          },
          ...loginAuthConfig(this.fullTarget),
          ...(this.cfg.openSocket ? { sock: this.cfg.openSocket(host, port) } : {})
        }
      } catch (e) {
        return fail(e, 'auth')
      }
      this.cfg.log(`connecting to ${this.where}`)
      try {
        client.connect(config)
      } catch (e) {
        // ssh2 throws synchronously for unusable keys (e.g. encrypted without passphrase).
        fail(e, 'auth')
      }
    })
  }

  /** Why an established connection went away, from the error ssh2 reported (if any) before 'close'. */
  private dropReason(lastError: unknown): SshError {
    const { host, port } = this.target
    if (lastError !== undefined) return mapSshError(lastError, { host, port, phase: 'exec' })
    // No error: the server side closed the TCP connection (sshd or its session process ended,
    // or the node shut down cleanly).
    return new SshError({
      kind: 'disconnected',
      host,
      port,
      message: `The SSH server on ${host}:${port} closed the connection.`,
      hint: `The node may have rebooted, or its SSH server (or this session's sshd process) was stopped. Check that ${host} is up.`
    })
  }

  private reportLink(change: SessionLinkChange): void {
    try {
      this.cfg.onLinkChange?.(change)
    } catch (e) {
      // An observer's bug must not break the connection handling.
      this.cfg.log(`a link-state observer failed: ${(e as Error).message}`)
    }
  }

  /** Final: the connection is ended and never reopened; a connect in progress is not kept. */
  async close(): Promise<void> {
    this.closedByUser = true
    const c = this.client
    this.client = undefined
    this.connected = false
    if (!c) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        c.destroy()
        resolve()
      }, 3000)
      c.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      c.end()
    })
    this.cfg.log(`disconnected from ${this.where}`)
  }
}
