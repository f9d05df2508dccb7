// The SSH session pool: opens sessions with pinned host keys, keeps them, closes them.
// Live connections stay here in the backend; only session ids cross the API (DESIGN.md §7.6).
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { SshTargetSchema, type SshTargetInput } from '../../api/model'
import type { HostKeyStore } from '../store/host-key-store'
import { SshError } from './errors'
import { Ssh2Session, type SessionLinkChange, type SshSession } from './session'

/** A session's link changed (see SessionLinkChange); sessionId is SshSession.id. */
export type SessionStateEvent = SessionLinkChange & {
  sessionId: string
  target: SshSession['target']
}

export interface SshPoolOptions {
  hostKeys: HostKeyStore
  /** TCP connect + SSH handshake + auth must finish within this. Default 15 s. */
  connectTimeoutMs?: number
  /** SSH keepalive interval (ssh2 keepaliveInterval). Default 15 s. */
  keepaliveIntervalMs?: number
  /** Unanswered keepalives that make the link dead (reported within interval * countMax). Default 3. */
  keepaliveCountMax?: number
  /** Instead of TCP to host:port, open the stream to the server here (tests over a Unix socket). */
  openSocket?: (host: string, port: number) => Duplex
  /** Progress lines for the events strip. Never receives secrets. */
  log?: (line: string) => void
}

export class SshPool {
  private readonly sessions = new Map<string, Ssh2Session>()
  private readonly hostKeys: HostKeyStore
  private readonly connectTimeoutMs: number
  private readonly keepaliveIntervalMs: number
  private readonly keepaliveCountMax: number
  private readonly openSocket: SshPoolOptions['openSocket']
  private readonly log: (line: string) => void
  private readonly stateListeners = new Set<(e: SessionStateEvent) => void>()

  constructor(opts: SshPoolOptions) {
    this.hostKeys = opts.hostKeys
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000
    this.keepaliveIntervalMs = opts.keepaliveIntervalMs ?? 15_000
    this.keepaliveCountMax = opts.keepaliveCountMax ?? 3
    this.openSocket = opts.openSocket
    this.log = opts.log ?? (() => {})
  }

  /**
   * Be told at once when a pooled session's connection drops (without close()) and when it
   * comes back (reconnect on the next use). Returns the unsubscribe function.
   */
  onSessionState(listener: (e: SessionStateEvent) => void): () => void {
    this.stateListeners.add(listener)
    return () => {
      this.stateListeners.delete(listener)
    }
  }

  private emitSessionState(e: SessionStateEvent): void {
    for (const l of [...this.stateListeners]) {
      try {
        l(e)
      } catch (err) {
        this.log(`a session-state listener failed: ${(err as Error).message}`)
      }
    }
  }

  /**
   * Open a session. The server's host key must already be pinned in the store:
   *  - unknown key  -> SshError 'host-key-unknown' carrying the offered key (nothing is trusted
   *                    here; the caller shows the fingerprint, the admin trusts it, the caller
   *                    calls hostKeys.trust() and connect() again);
   *  - changed key  -> SshError 'host-key-changed' with both fingerprints; never accepted.
   * Invalid targets -> 'invalid-input' naming the field.
   */
  async connect(target: SshTargetInput): Promise<SshSession> {
    const parsed = SshTargetSchema.safeParse(target)
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'target'}: ${i.message}`)
      const host = typeof (target as { host?: unknown })?.host === 'string' ? (target as { host: string }).host : '(none)'
      throw new SshError({
        kind: 'invalid-input',
        host,
        message: `Cannot connect: ${problems.join('; ')}.`,
        hint: 'Correct the connection settings and try again.'
      })
    }
    const id = randomUUID()
    const sessionTarget = { host: parsed.data.host, port: parsed.data.port, username: parsed.data.username }
    const session = new Ssh2Session(id, parsed.data, this.hostKeys, {
      connectTimeoutMs: this.connectTimeoutMs,
      keepaliveIntervalMs: this.keepaliveIntervalMs,
      keepaliveCountMax: this.keepaliveCountMax,
      log: this.log,
      // Only sessions the pool holds report: one being closed or never opened has no audience.
      onLinkChange: (change) => {
        if (this.sessions.get(id) === session) this.emitSessionState({ ...change, sessionId: id, target: sessionTarget })
      },
      ...(this.openSocket ? { openSocket: this.openSocket } : {})
    })
    await session.open()
    this.sessions.set(session.id, session)
    return session
  }

  get(id: string): SshSession | undefined {
    return this.sessions.get(id)
  }

  list(): SshSession[] {
    return [...this.sessions.values()]
  }

  async close(id: string): Promise<void> {
    const s = this.sessions.get(id)
    if (!s) return
    this.sessions.delete(id)
    await s.close()
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.allSettled(all.map((s) => s.close()))
  }
}
