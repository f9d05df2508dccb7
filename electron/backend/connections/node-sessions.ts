// What other services (facts, validation, deploy, clusters) may ask of the connections
// service. They never hold a session of their own: they ask for the one the admin connected,
// so one node has one SSH session and one place that knows its state.
import type { SshSession } from '../ssh/session'
import type { SavedConnection } from './saved-connections'

export interface NodeSessions {
  /** The saved connection with this id; throws ApiException 'not-found' (with a hint) if there is none. */
  savedOf(connectionId: string): SavedConnection
  /**
   * The live session of a connected connection; throws ApiException 'disconnected' naming the
   * node ("<label> is not connected.") when it is not. A session whose link dropped is still
   * returned: it re-opens on its next command. Never close it; it belongs to the connections service.
   */
  sessionOf(connectionId: string): SshSession
  /**
   * What the node calls itself (from its facts): shown in connections.list while this session
   * lives, and remembered in the saved entry for display after a restart.
   */
  recordHostname(connectionId: string, hostname: string): void
}
