// How an operation reaches a cluster node: through the saved connection the admin (or the CLI)
// made for it, reconnected with its remembered credentials when needed: the read side's
// NodeAccessor (../node-access.ts), so both sides reach nodes one way. A node that cannot be
// reached is an error naming the node and what to do.
import type { ApiParsedInput, Connection, ConnectResult } from '../../../api/contract'
import { ApiException } from '../../../api/errors'
import type { NodeSessions } from '../../connections/node-sessions'
import type { BackendLog } from '../../log'
import type { SshSession } from '../../ssh/session'
import { NodeAccessor } from '../node-access'

export interface ConnectionsForOperations extends NodeSessions {
  list(): Connection[]
  connect(target: ApiParsedInput<'connections.connect'>): Promise<ConnectResult>
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

export function nodeAccessor(connections: ConnectionsForOperations, log: BackendLog): NodeAccessor {
  return new NodeAccessor({ sessions: connections, connect: (t) => connections.connect(t), reconnect: (id) => connections.reconnect(id), listConnections: () => connections.list(), log })
}

/** A live session to `node` through its saved connection; throws the reason (with the node's name) when it cannot be had. */
export async function reachNode(access: NodeAccessor, node: NodeAddress): Promise<ReachedNode> {
  const r = await access.reach(node, undefined)
  if (r.reach === 'connected') return { session: r.session, connectionId: r.connectionId }
  throw new ApiException({ ...r.error, message: `${node.name}: ${r.error.message}`, node: r.error.node ?? node.host })
}
