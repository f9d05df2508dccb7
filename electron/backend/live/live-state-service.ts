// The live state of every cluster a client asked about (clusters.state): one ClusterWatch per
// cluster, started on the first ask and kept running (its 'cluster.state' events go to every
// client), stopped when the cluster is forgotten or the backend is disposed.
import type { ClusterState } from '../../api/console'
import type { ClusterReading } from '../clusters/cluster-directory'
import type { EventHub } from '../events'
import type { BackendLog } from '../log'
import type { SshSession } from '../ssh/session'
import type { AgentAccess } from './agent-access'
import type { AgentEventReport } from './agent-report'
import type { AlertChange } from './cross-checks'
import { ClusterWatch } from './cluster-watch'
import { systemClock, type LiveClock } from './live-clock'

export interface LiveStateDeps {
  read: (clusterId: string) => Promise<ClusterReading>
  sessionFor: (connectionId: string) => Promise<SshSession>
  /** How each node's agent is reached (platformAgentAccess in backend.ts). */
  agent: AgentAccess
  events: Pick<EventHub, 'emit'>
  log: BackendLog
  clock?: LiveClock
  /** Full status period of each node's feed. Default 5 s. */
  statusPeriodMs?: number
  /** How long the first clusters.state waits for every node's first word. Default 6 s. */
  firstWordMs?: number
  onAlerts?: (clusterId: string, change: AlertChange) => void
  /** Each node's agent events as they stream in (for the cluster's events view). */
  onAgentEvent?: (clusterId: string, node: string, event: AgentEventReport) => void
}

export class LiveStateService {
  private readonly watches = new Map<string, Promise<ClusterWatch>>()
  private disposed = false

  constructor(private readonly d: LiveStateDeps) {}

  /** The cluster's live state now; starts watching it first if needed. */
  async state(clusterId: string): Promise<ClusterState> {
    return (await this.watch(clusterId)).snapshot()
  }

  /** The running watch of a cluster (started if needed): for the actions. */
  async watch(clusterId: string): Promise<ClusterWatch> {
    if (this.disposed) throw new Error('the backend is shutting down')
    let w = this.watches.get(clusterId)
    if (!w) {
      w = this.startWatch(clusterId)
      this.watches.set(clusterId, w)
      w.catch(() => this.watches.delete(clusterId))
    }
    return w
  }

  /** Reads the definition of a watched cluster from its nodes again now (an operation changed it); nothing if it is not watched. */
  async readAgain(clusterId: string): Promise<void> {
    const w = this.watches.get(clusterId)
    if (!w) return
    const watch = await w.catch(() => undefined)
    await watch?.readAgain()
  }

  /** Stops watching a cluster (it was forgotten). */
  async forget(clusterId: string): Promise<void> {
    const w = this.watches.get(clusterId)
    this.watches.delete(clusterId)
    if (w) await (await w.catch(() => undefined))?.stop()
  }

  get watching(): string[] {
    return [...this.watches.keys()]
  }

  async dispose(): Promise<void> {
    this.disposed = true
    const all = [...this.watches.values()]
    this.watches.clear()
    await Promise.all(all.map(async (w) => (await w.catch(() => undefined))?.stop()))
  }

  private async startWatch(clusterId: string): Promise<ClusterWatch> {
    const w = new ClusterWatch({
      clusterId,
      read: this.d.read,
      sessionFor: this.d.sessionFor,
      agent: this.d.agent,
      clock: this.d.clock ?? systemClock,
      statusPeriodMs: this.d.statusPeriodMs ?? 5000,
      onState: (s) => this.d.events.emit('cluster.state', s),
      onAlerts: (change) => {
        // These lines reach the status bar and the CLI: the admin knows the cluster by its name, not its id.
        const name = w.definition.name
        for (const a of change.raised) this.d.log('warn', `cluster ${name}: ALERT ${a.kind}: ${a.message}`)
        for (const a of change.cleared) this.d.log('info', `cluster ${name}: alert cleared: ${a.kind}${a.role ? ` (${a.role})` : ''}${a.node ? ` (${a.node})` : ''}`)
        this.d.onAlerts?.(clusterId, change)
      },
      log: (level, line) => this.d.log(level, line),
      ...(this.d.onAgentEvent ? { onAgentEvent: (node: string, e: AgentEventReport) => this.d.onAgentEvent!(clusterId, node, e) } : {})
    })
    await w.start()
    if (this.disposed) {
      await w.stop()
      throw new Error('the backend is shutting down')
    }
    await w.firstWord(this.d.firstWordMs ?? 6000)
    return w
  }
}
