// The facts service: what a connected node is (OS, kernel, interfaces, Node.js), collected
// through its platform adapter and cached for the life of its SSH session, so the UI and
// validation can ask again without another round of commands.
import type { NodeFacts } from '../../api/model'
import type { NodeSessions } from '../connections/node-sessions'
import type { PlatformResolver } from '../platform/platform-adapter'
import type { SshSession } from '../ssh/session'

/** What other services (validation, deploy) may ask of the facts service. */
export interface NodeFactsSource {
  /**
   * The facts of a connected node: cached per SSH session (a reconnect collects again),
   * fresh when `refresh` is set. Rejects as NodeSessions.sessionOf does when the node is not
   * connected, or with the session's SshError when the commands cannot run.
   */
  factsOf(connectionId: string, opts?: { refresh?: boolean }): Promise<NodeFacts>
}

export class FactsService implements NodeFactsSource {
  /** Keyed by the session object: a new session starts empty, a closed one is garbage. */
  private readonly cache = new WeakMap<SshSession, NodeFacts>()

  constructor(
    private readonly sessions: NodeSessions,
    private readonly platformOf: PlatformResolver
  ) {}

  async factsOf(connectionId: string, opts: { refresh?: boolean } = {}): Promise<NodeFacts> {
    const session = this.sessions.sessionOf(connectionId)
    const cached = this.cache.get(session)
    if (cached && !opts.refresh) return cached
    const facts = await this.platformOf(connectionId).collectFacts(session)
    this.cache.set(session, facts)
    this.sessions.recordHostname(connectionId, facts.hostname)
    return facts
  }
}
