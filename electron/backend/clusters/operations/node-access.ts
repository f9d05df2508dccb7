// How an operation reaches a cluster node: through the saved connection the admin (or the CLI)
// made for it, never a session of its own (one node, one session: NodeSessions). A saved
// connection that is not connected is reconnected with its remembered credentials; a node with
// no saved connection, or one that cannot be reached, is an error naming the node and what to do.
import type { Connection, ConnectResult } from '../../../api/contract'
import { ApiException } from '../../../api/errors'
import type { NodeSessions } from '../../connections/node-sessions'
import type { SshSession } from '../../ssh/session'

export interface ConnectionsForOperations extends NodeSessions {
  list(): Connection[]
  reconnect(id: string): Promise<ConnectResult>
}

export interface NodeAddress {
  name: string
  host: string
  port: number
  username: string
}

export interface ReachedNode {
  session: SshSession
  connectionId: string
}

function sameTarget(c: { host: string; port: number; username: string }, n: NodeAddress): boolean {
  return c.host.toLowerCase() === n.host.toLowerCase() && c.port === n.port && c.username === n.username
}

/** A live session to `node`: the connection id given (if it still names this node), else a saved connection to the same user@host:port. */
export async function reachNode(connections: ConnectionsForOperations, node: NodeAddress, connectionId?: string): Promise<ReachedNode> {
  const saved = connections.list()
  const c = saved.find((x) => x.id === connectionId && sameTarget(x, node)) ?? saved.find((x) => x.state === 'connected' && sameTarget(x, node)) ?? saved.find((x) => sameTarget(x, node))
  const where = `${node.name} (${node.username}@${node.host}:${node.port})`
  if (!c) {
    throw new ApiException({
      kind: 'disconnected',
      message: `${where} has no saved connection on this desktop.`,
      hint: 'Connect to the node first (Connect, or the CLI\'s --node with credentials), then run the action again.',
      node: node.host
    })
  }
  if (c.state !== 'connected') {
    const r = await connections.reconnect(c.id)
    if (r.status !== 'connected') {
      throw new ApiException({
        kind: r.status,
        message: `${where}: its host key ${r.status === 'host-key-changed' ? 'CHANGED' : 'is not trusted'} (${r.hostKey.fingerprint}).`,
        hint: 'Check the fingerprint on the node and trust it (Connect), then run the action again.',
        node: node.host
      })
    }
  }
  return { session: connections.sessionOf(c.id), connectionId: c.id }
}
