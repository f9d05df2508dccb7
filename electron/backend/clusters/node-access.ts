// Reaching one node of a cluster for Connect to Cluster and clusters.get, through the
// connections service only (one node, one session, one place that knows its state). Never asks
// the admin for anything: a node that needs the admin (trust a host key, give a password) is
// reported as such, with what to do.
import type { ApiParsedInput, Connection, ConnectResult } from '../../api/contract'
import type { ClusterNodeStatus } from '../../api/cluster'
import { ApiException, type ApiError } from '../../api/errors'
import type { SshTarget } from '../../api/model'
import type { NodeSessions } from '../connections/node-sessions'
import type { BackendLog } from '../log'
import type { SshSession } from '../ssh/session'
import { toApiError } from '../to-api-error'

export type Reach = ClusterNodeStatus['reach']

/** host:port:username, as a saved connection and a cluster node are matched. */
export interface NodeRef {
  host: string
  port: number
  username: string
}

export function refKey(r: NodeRef): string {
  return `${r.username}@${r.host.toLowerCase()}:${r.port}`
}

export interface NodeAccessDeps {
  sessions: NodeSessions
  connect: (target: ApiParsedInput<'connections.connect'>) => Promise<ConnectResult>
  reconnect: (connectionId: string) => Promise<ConnectResult>
  listConnections: () => Connection[]
  log: BackendLog
}

/**
 * Credentials to try on a node that has no saved connection: the admin's own, from the node
 * the cluster was reached through (FCM uses the admin's account on every node the same way).
 * Used only for the same user name, and only after the node's host key is pinned: ssh2 checks
 * the key during the key exchange, before any password or key is offered.
 */
export interface SharedCredentials {
  target: SshTarget
  /** Store the secret with the new saved connection: as the admin chose for the connection it comes from (undefined: store nothing). */
  remember?: boolean
}

export type NodeAccess =
  | { reach: 'connected'; connectionId: string; session: SshSession }
  | { reach: Exclude<Reach, 'connected'>; connectionId?: string; error: ApiError }

const NEEDS_ADMIN: ReadonlySet<string> = new Set(['auth-failed', 'sudo-password-required', 'sudo-password-wrong'])

/** What an error means for reaching the node. */
export function reachOfError(e: ApiError): Exclude<Reach, 'connected'> {
  if (e.kind === 'host-key-unknown' || e.kind === 'host-key-changed') return e.kind
  if (NEEDS_ADMIN.has(e.kind)) return 'needs-credentials'
  return 'unreachable'
}

export function hostKeyError(r: Exclude<ConnectResult, { status: 'connected' }>, ref: NodeRef): ApiError {
  const where = `${ref.host}:${ref.port}`
  if (r.status === 'host-key-changed') {
    return {
      kind: 'host-key-changed',
      message: `The host key of ${where} has CHANGED: pinned ${r.expectedFingerprint}, offered ${r.hostKey.keyType} ${r.hostKey.fingerprint}. It was not connected.`,
      hint: 'If the node was reinstalled, check the new fingerprint on its console and replace the pin (Host keys); otherwise someone may be intercepting the connection.',
      node: ref.host
    }
  }
  return {
    kind: 'host-key-unknown',
    message: `The host key of ${where} is not trusted yet: ${r.hostKey.keyType} ${r.hostKey.fingerprint}.`,
    hint: 'Check the fingerprint on the node (Linux: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub; Windows: ssh-keygen -lf C:\\ProgramData\\ssh\\ssh_host_ed25519_key.pub), trust it (Connect to node, or Host keys), then refresh the cluster.',
    node: ref.host
  }
}

export class NodeAccessor {
  constructor(private readonly deps: NodeAccessDeps) {}

  savedFor(ref: NodeRef): Connection | undefined {
    const key = refKey(ref)
    return this.deps.listConnections().find((c) => refKey(c) === key)
  }

  /** The node's session: a saved connection (connected, or reconnected with its remembered secret), else the shared credentials. */
  async reach(ref: NodeRef, shared: SharedCredentials | undefined): Promise<NodeAccess> {
    const saved = this.savedFor(ref)
    if (saved) return this.viaSaved(saved, ref)
    if (shared && shared.target.username === ref.username) {
      const { host, port } = ref
      const remember = shared.remember !== undefined ? { remember: shared.remember } : {}
      return this.afterConnect(() => this.deps.connect({ ...shared.target, host, port, ...remember }), ref)
    }
    return {
      reach: 'needs-credentials',
      error: {
        kind: 'auth-failed',
        message: `This desktop has no saved connection to ${refKey(ref)}.`,
        hint: 'Connect to that node (Connect to node, as that user), then refresh the cluster.',
        node: ref.host
      }
    }
  }

  private async viaSaved(saved: Connection, ref: NodeRef): Promise<NodeAccess> {
    if (saved.state === 'connected') {
      try {
        return { reach: 'connected', connectionId: saved.id, session: this.deps.sessions.sessionOf(saved.id) }
      } catch {
        // Dropped between list and use: reconnect below.
      }
    }
    const r = await this.afterConnect(() => this.deps.reconnect(saved.id), ref)
    return r.reach === 'connected' ? r : { ...r, connectionId: saved.id }
  }

  private async afterConnect(connect: () => Promise<ConnectResult>, ref: NodeRef): Promise<NodeAccess> {
    let r: ConnectResult
    try {
      r = await connect()
    } catch (err) {
      const error = toApiError(err, 'clusters.connect', this.deps.log)
      return { reach: reachOfError(error), error: { ...error, node: error.node ?? ref.host } }
    }
    if (r.status !== 'connected') return { reach: r.status, error: hostKeyError(r, ref) }
    try {
      return { reach: 'connected', connectionId: r.connection.id, session: this.deps.sessions.sessionOf(r.connection.id) }
    } catch (err) {
      const error = err instanceof ApiException ? err.error : toApiError(err, 'clusters.connect', this.deps.log)
      return { reach: 'unreachable', error }
    }
  }
}
