// One cluster watched live: a feed per node (node-feed.ts), what each says folded into an
// observation (node-observation.ts), the state and its alerts computed again on every change
// (cluster-state-model.ts, cross-checks.ts) and sent as a 'cluster.state' event when it changed.
// A tick every second lets time-based changes through (a role's grace running out, an alert
// settling). The definition is read again from the nodes every minute (generation mismatch).
import type { ClusterDefinition } from '../../api/cluster'
import type { ClusterState } from '../../api/console'
import { ApiException, apiError } from '../../api/errors'
import type { ClusterReading } from '../clusters/cluster-directory'
import type { SshSession } from '../ssh/session'
import type { AgentAccess } from './agent-access'
import type { AgentEventReport } from './agent-report'
import { computeState, noMasterGraceMs, type ComputedState } from './cluster-state-model'
import { AlertBook, type AlertChange } from './cross-checks'
import type { LiveClock, TimerHandle } from './live-clock'
import { NodeFeed, type FeedUpdate } from './node-feed'
import { emptyObservation, observe, type NodeObservation } from './node-observation'

export interface ClusterWatchDeps {
  clusterId: string
  read: (clusterId: string) => Promise<ClusterReading>
  sessionFor: (connectionId: string) => Promise<SshSession>
  /** How each node's agent is reached (chosen per node's platform: agent-access.ts). */
  agent: AgentAccess
  clock: LiveClock
  statusPeriodMs: number
  /** A new state (on every change). */
  onState: (s: ClusterState) => void
  /** Alerts raised and cleared (for the cluster's events). */
  onAlerts?: (change: AlertChange) => void
  /** Every event a node's agent streamed (transitions, admin commands, errors), as it came. */
  onAgentEvent?: (node: string, event: AgentEventReport) => void
  log: (level: 'info' | 'warn', line: string) => void
}

const TICK_MS = 1000
const REREAD_MS = 60_000

export class ClusterWatch {
  private reading!: ClusterReading
  private readonly feeds = new Map<string, NodeFeed>()
  private readonly observations = new Map<string, NodeObservation>()
  private readonly noMasterSince = new Map<string, number>()
  private readonly alerts = new AlertBook()
  private readonly waiters = new Set<(s: ClusterState) => void>()
  private tick: TimerHandle | undefined
  private reread: TimerHandle | undefined
  private stopped = false
  private revision = 0
  private lastKey = ''
  private current: ClusterState | undefined

  constructor(private readonly d: ClusterWatchDeps) {}

  async start(): Promise<void> {
    this.reading = await this.d.read(this.d.clusterId)
    this.syncFeeds()
    this.recompute()
    this.scheduleTick()
    this.scheduleReread()
  }

  /** How the actions reach a node's agent (Move, Pause, Simulate Failure). */
  get agent(): AgentAccess {
    return this.d.agent
  }

  get definition(): ClusterDefinition {
    return this.reading.definition
  }

  /** The state as of now (computed again, so the times are current). */
  snapshot(): ClusterState {
    this.recompute()
    return this.current!
  }

  observation(node: string): NodeObservation | undefined {
    return this.observations.get(node)
  }

  /** The node's SSH session, through its saved connection (reconnected when it dropped). */
  async sessionOf(node: string): Promise<SshSession> {
    const id = this.reading.connectionIds[node]
    if (!id) {
      const status = this.reading.nodes.find((n) => n.name === node)
      throw new ApiException(
        status?.error ?? apiError('unreachable', `This desktop has no connection to ${node}.`, { hint: 'Connect to that node (Connect to node), then try again.', node })
      )
    }
    return this.d.sessionFor(id)
  }

  /** Resolves with the first state (now or later) that satisfies `ok`; rejects after `timeoutMs` with `what` in the message. */
  until(ok: (s: ClusterState) => boolean, timeoutMs: number, what: string): Promise<ClusterState> {
    const now = this.snapshot()
    if (ok(now)) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      const check = (s: ClusterState): void => {
        if (!ok(s)) return
        this.waiters.delete(check)
        this.d.clock.clearTimeout(timer)
        resolve(s)
      }
      const timer = this.d.clock.setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`))
      }, timeoutMs)
      this.waiters.add(check)
    })
  }

  /** Resolves after `ms` on the watch's clock (an election settling). */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.d.clock.setTimeout(resolve, ms))
  }

  /** Waits (bounded) until every node has been heard from or given up on once. */
  firstWord(timeoutMs: number): Promise<void> {
    return this.until((s) => s.nodes.every((n) => n.state !== 'Unreachable' || n.problem !== 'not heard from yet: connecting'), timeoutMs, 'the first word of every node').then(
      () => undefined,
      () => undefined
    )
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.d.clock.clearTimeout(this.tick)
    this.d.clock.clearTimeout(this.reread)
    this.waiters.clear()
    await Promise.all([...this.feeds.values()].map((f) => f.stop()))
    this.feeds.clear()
  }

  // -------------------------------------------------------------------------

  /** One feed per node of the definition: new nodes get one, evicted ones lose theirs. */
  private syncFeeds(): void {
    const names = new Set(this.reading.definition.nodes.map((n) => n.name))
    for (const [name, feed] of this.feeds) {
      if (names.has(name)) continue
      void feed.stop()
      this.feeds.delete(name)
      this.observations.delete(name)
    }
    for (const name of names) {
      if (this.feeds.has(name)) continue
      this.observations.set(name, emptyObservation())
      const feed = new NodeFeed({
        node: name,
        session: () => this.sessionOf(name),
        agent: this.d.agent,
        clock: this.d.clock,
        statusPeriodMs: this.d.statusPeriodMs,
        onUpdate: (u) => this.onUpdate(name, u)
      })
      this.feeds.set(name, feed)
      feed.start()
    }
  }

  private onUpdate(node: string, u: FeedUpdate): void {
    if (this.stopped) return
    const o = this.observations.get(node)
    if (!o) return
    if (u.kind === 'unreachable' && o.reach !== 'unreachable') this.d.log('warn', `${node} is unreachable for the live view: ${u.why}`)
    observe(o, u)
    if (u.kind === 'event') this.d.onAgentEvent?.(node, u.event)
    this.recompute()
  }

  private recompute(): void {
    const now = this.d.clock.now()
    const def = this.reading.definition
    const mismatch = new Set(this.reading.nodes.filter((n) => n.generationMismatch).map((n) => n.name))
    const computed: ComputedState = computeState(
      { definition: def, observations: this.observations, generationMismatch: mismatch, noMasterSince: this.noMasterSince, now },
      (advert) => noMasterGraceMs(advert, this.d.statusPeriodMs)
    )
    for (const r of computed.roles) {
      if (r.claimants.length === 0) {
        if (!this.noMasterSince.has(r.name)) this.noMasterSince.set(r.name, now)
      } else this.noMasterSince.delete(r.name)
    }
    const change = this.alerts.update(computed.conditions, now)
    if (change.raised.length + change.cleared.length > 0) this.d.onAlerts?.(change)
    const alerts = this.alerts.list()
    // Times that move on every status (last seen, last advert) do not count as a change by themselves.
    const key = JSON.stringify({
      g: def.generation,
      roles: computed.roles,
      nodes: computed.nodes.map((n) => ({ ...n, lastSeenAt: n.state === 'Unreachable' ? n.lastSeenAt : null, roles: n.roles.map((r) => ({ ...r, lastAdvertAt: null })) })),
      alerts
    })
    const changed = key !== this.lastKey
    if (changed) {
      this.lastKey = key
      this.revision++
    }
    this.current = {
      clusterId: this.d.clusterId,
      name: def.name,
      generation: def.generation,
      at: new Date(now).toISOString(),
      revision: this.revision,
      roles: computed.roles,
      nodes: computed.nodes,
      alerts
    }
    if (!changed) return
    this.d.onState(this.current)
    for (const w of [...this.waiters]) w(this.current)
  }

  private scheduleTick(): void {
    if (this.stopped) return
    this.tick = this.d.clock.setTimeout(() => {
      this.recompute()
      this.scheduleTick()
    }, TICK_MS)
  }

  private scheduleReread(): void {
    if (this.stopped) return
    this.reread = this.d.clock.setTimeout(() => {
      this.readAgain().catch((err: Error) => this.d.log('warn', `reading cluster ${this.reading.definition.name} again failed: ${err.message}`)).finally(() => this.scheduleReread())
    }, REREAD_MS)
  }

  /**
   * Reads the definition from the nodes again now (it is read every minute anyway): for an action
   * that must act on the current roles' settings (a failback policy changed a moment ago).
   */
  async readAgain(): Promise<void> {
    const r = await this.d.read(this.d.clusterId)
    if (this.stopped) return
    this.reading = r
    this.syncFeeds()
    this.recompute()
  }
}
