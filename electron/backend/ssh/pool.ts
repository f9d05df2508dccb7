// The SSH session pool: opens sessions with pinned host keys, keeps them, closes them.
// Live connections stay here in the backend; only session ids cross the API (DESIGN.md §7.6).
import { randomUUID } from 'node:crypto'
import { SshTargetSchema, type SshTargetInput } from '../../api/model'
import type { HostKeyStore } from '../store/host-key-store'
import { SshError } from './errors'
import { Ssh2Session, type SshSession } from './session'

export interface SshPoolOptions {
  hostKeys: HostKeyStore
  /** TCP connect + SSH handshake + auth must finish within this. Default 15 s. */
  connectTimeoutMs?: number
  /** SSH keepalive interval (ssh2 keepaliveInterval); 3 missed replies drop the connection. Default 15 s. */
  keepaliveIntervalMs?: number
  /** Progress lines for the events strip. Never receives secrets. */
  log?: (line: string) => void
}

export class SshPool {
  private readonly sessions = new Map<string, Ssh2Session>()
  private readonly hostKeys: HostKeyStore
  private readonly connectTimeoutMs: number
  private readonly keepaliveIntervalMs: number
  private readonly log: (line: string) => void

  constructor(opts: SshPoolOptions) {
    this.hostKeys = opts.hostKeys
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000
    this.keepaliveIntervalMs = opts.keepaliveIntervalMs ?? 15_000
    this.log = opts.log ?? (() => {})
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
    const session = new Ssh2Session(randomUUID(), parsed.data, this.hostKeys, {
      connectTimeoutMs: this.connectTimeoutMs,
      keepaliveIntervalMs: this.keepaliveIntervalMs,
      log: this.log
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
