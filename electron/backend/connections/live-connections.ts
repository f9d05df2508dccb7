// The in-memory side of the saved connections: which session each one has, its state while
// no session is up ('connecting', 'failed'), why it last failed or dropped, and the hostname
// its facts reported. Every state change is announced as a 'connection.state' event.
import type { ConnectionState } from '../../api/contract'
import type { ApiError } from '../../api/errors'
import type { EventHub } from '../events'
import type { SshSession } from '../ssh/session'

interface Live {
  session?: SshSession
  state?: ConnectionState // 'connecting' or 'failed' while no session is up
  lastError?: ApiError // why it failed, or why the link dropped
  hostname?: string // from the facts of the current session
}

export class LiveConnections {
  private readonly live = new Map<string, Live>()

  constructor(private readonly events: EventHub) {}

  session(id: string): SshSession | undefined {
    return this.live.get(id)?.session
  }

  lastError(id: string): ApiError | undefined {
    return this.live.get(id)?.lastError
  }

  hostname(id: string): string | undefined {
    return this.live.get(id)?.hostname
  }

  /** Set while the current session lives; dropped with it. */
  setHostname(id: string, hostname: string): void {
    const l = this.live.get(id)
    if (l?.session) l.hostname = hostname
  }

  state(id: string): ConnectionState {
    const l = this.live.get(id)
    if (l?.state) return l.state
    return l?.session?.isConnected() ? 'connected' : 'disconnected'
  }

  setState(id: string, state: ConnectionState, error?: ApiError): void {
    const l = this.entry(id)
    l.state = state === 'connecting' || state === 'failed' ? state : undefined
    l.lastError = state === 'failed' || state === 'disconnected' ? error : undefined
    this.events.emit('connection.state', { id, state, ...(error ? { error } : {}) })
  }

  /** Make `session` the connection's session; returns the one it replaces, for the caller to close. */
  attach(id: string, session: SshSession): SshSession | undefined {
    const l = this.entry(id)
    const previous = l.session
    l.session = session
    l.hostname = undefined
    return previous && previous.id !== session.id ? previous : undefined
  }

  /** Forget the connection's session (and its facts hostname, transient state); returns it for the caller to close. */
  detach(id: string): SshSession | undefined {
    const l = this.live.get(id)
    if (!l) return undefined
    const session = l.session
    l.session = undefined
    l.hostname = undefined
    l.state = undefined
    return session
  }

  /** The connection that uses this SSH session, if any still does. */
  idOfSession(sessionId: string): string | undefined {
    return [...this.live].find(([, l]) => l.session?.id === sessionId)?.[0]
  }

  delete(id: string): void {
    this.live.delete(id)
  }

  clear(): void {
    this.live.clear()
  }

  private entry(id: string): Live {
    let l = this.live.get(id)
    if (!l) this.live.set(id, (l = {}))
    return l
  }
}
