// The live reachability graph's backend (issue 12): probe sessions, each probing one role's
// VIP from some cluster nodes (agent ICMP over SSH) and/or this computer (TCP connect),
// batching the results into 'reachability.samples' events, following the role's owner and
// measuring every transition's outage per source ('reachability.transition'). Probes stop on
// reachability.stop, when the cluster is forgotten (stopCluster) and on dispose: no probe
// process is left on a node.
import { randomBytes } from 'node:crypto'
import type { ReachabilitySession, ReachabilityStart, ReachabilityTransition, SourceOutage } from '../../api/reachability'
import { apiError, ApiException } from '../../api/errors'
import type { ClusterReading } from '../clusters/cluster-directory'
import type { EventHub } from '../events'
import type { BackendLog } from '../log'
import type { AgentAccess } from '../live/agent-access'
import type { SshSession } from '../ssh/session'
import { InOrder } from './in-order'
import { startNodeProbe } from './node-prober'
import { measureOutage } from './outage'
import type { OwnerChange, OwnershipFeed } from './ownership'
import { SampleBatcher } from './sample-batcher'
import { startTcpProbe } from './tcp-prober'

export interface ReachabilityDeps {
  read: (clusterId: string) => Promise<ClusterReading>
  sessionFor: (connectionId: string) => Promise<SshSession>
  /** How a node's agent is reached for its probe (platformAgentAccess in backend.ts). */
  agent: AgentAccess
  owners: OwnershipFeed
  events: Pick<EventHub, 'emit'>
  log: BackendLog
  now?: () => number
  /** Batch period of 'reachability.samples'. Default 150 ms. */
  flushMs?: number
}

/** How much of each source's history the backend keeps for measuring outages (the renderer keeps the hour). */
const KEEP_MS = 120_000

interface SourceRun {
  id: string
  t: number[]
  rtt: (number | null)[]
  stop(): Promise<void> | void
}

interface OpenTransition {
  id: number
  at: number
  from: string | null
  to: string | null
  last: string
}

interface ProbeSession {
  info: ReachabilitySession
  sources: SourceRun[]
  batcher: SampleBatcher
  owner: string | null
  /** The owner before a gap with none (the 'from' of the next transition). */
  lastOwner?: string
  transitions: OpenTransition[]
  nextTransition: number
  stopOwner(): void
  stopped: boolean
}

export class ReachabilityService {
  private readonly sessions = new Map<string, ProbeSession>()
  private disposed = false
  private readonly now: () => number

  constructor(private readonly d: ReachabilityDeps) {
    this.now = d.now ?? Date.now
  }

  get running(): string[] {
    return [...this.sessions.keys()]
  }

  async start(req: ReachabilityStart): Promise<ReachabilitySession> {
    if (this.disposed) throw new ApiException(apiError('internal', 'the backend is shutting down'))
    const reading = await this.d.read(req.clusterId)
    const role = reading.definition.roles.find((r) => r.name === req.role)
    if (!role) throw new ApiException(apiError('not-found', `Cluster ${reading.definition.name} has no role "${req.role}".`, { hint: 'Refresh the cluster and choose one of its roles.' }))
    const target = role.vip.split('/')[0]!
    const nodeSessions: Array<{ node: string; session: SshSession }> = []
    for (const node of req.nodes) {
      if (!reading.definition.nodes.some((n) => n.name === node)) {
        throw new ApiException(apiError('not-found', `Node ${node} is not in cluster ${reading.definition.name}.`, { node, hint: 'Choose one of the cluster\'s nodes.' }))
      }
      const connectionId = reading.connectionIds[node]
      if (!connectionId) throw new ApiException(apiError('disconnected', `The app cannot reach node ${node} over SSH, so it cannot probe from it.`, { node, hint: 'Reconnect to the node, or probe from other nodes.' }))
      nodeSessions.push({ node, session: await this.d.sessionFor(connectionId) })
    }

    const sessionId = `rp-${randomBytes(6).toString('hex')}`
    const sources = [
      ...nodeSessions.map(({ node }) => ({ id: `node:${node}`, label: `${node} (agent ICMP)`, kind: 'agent-icmp' as const })),
      ...(req.local ? [{ id: 'local', label: `this computer (TCP ${req.local.port})`, kind: 'local-tcp' as const }] : [])
    ]
    const batcher = new SampleBatcher((batches) => {
      this.d.events.emit('reachability.samples', { sessionId, batches })
      this.settle(s)
    }, this.d.flushMs !== undefined ? { flushMs: this.d.flushMs } : {})
    const s: ProbeSession = {
      info: { sessionId, clusterId: req.clusterId, role: req.role, target, intervalMs: req.intervalMs, sources, startedAt: this.now(), owner: null },
      sources: [],
      batcher,
      owner: null,
      transitions: [],
      nextTransition: 0,
      stopOwner: () => {},
      stopped: false
    }
    this.sessions.set(sessionId, s)

    const record = (run: SourceRun) => new InOrder((t, rtt) => {
      run.t.push(t)
      run.rtt.push(rtt)
      batcher.add(run.id, t, rtt)
    })
    const sourceError = (sourceId: string, message: string, hint: string): void => {
      if (s.stopped) return
      this.d.log('warn', `reachability ${req.role}: ${message}`)
      this.d.events.emit('reachability.sourceError', { sessionId, sourceId, message, hint })
    }
    for (const { node, session } of nodeSessions) {
      const run: SourceRun = { id: `node:${node}`, t: [], rtt: [], stop: () => {} }
      const order = record(run)
      run.stop = startNodeProbe({
        session, agent: this.d.agent, node, target, intervalMs: req.intervalMs, timeoutMs: req.timeoutMs,
        onResult: (seq, t, rtt) => order.put(seq, t, rtt),
        onEnded: (message, hint) => sourceError(run.id, message, hint)
      }).stop
      s.sources.push(run)
    }
    if (req.local) {
      const run: SourceRun = { id: 'local', t: [], rtt: [], stop: () => {} }
      const order = record(run)
      run.stop = startTcpProbe({ target, port: req.local.port, intervalMs: req.intervalMs, timeoutMs: req.timeoutMs, onResult: (seq, t, rtt) => order.put(seq, t, rtt) }).stop
      s.sources.push(run)
    }

    try {
      const followed = await this.d.owners.follow(req.clusterId, req.role, (c) => this.ownerChanged(s, c))
      s.stopOwner = followed.stop
      s.owner = followed.owner
      s.info.owner = followed.owner
      if (s.stopped) followed.stop()
    } catch (e) {
      // The graph still shows reachability without owners; say why the bands are missing.
      this.d.log('warn', `reachability ${req.role}: the role's owner cannot be followed (${(e as Error).message}); no ownership bands`)
    }
    this.d.log('info', `reachability: probing ${target} (role ${req.role}) from ${sources.map((x) => x.id).join(', ')} every ${req.intervalMs} ms`)
    return s.info
  }

  async stop(sessionId: string): Promise<void> {
    const s = this.sessions.get(sessionId)
    if (!s) return
    this.sessions.delete(sessionId)
    s.stopped = true
    s.stopOwner()
    await Promise.all(s.sources.map((r) => r.stop()))
    s.batcher.close()
  }

  /** The cluster was forgotten: stop every session probing it. */
  async stopCluster(clusterId: string): Promise<void> {
    await Promise.all([...this.sessions.values()].filter((s) => s.info.clusterId === clusterId).map((s) => this.stop(s.info.sessionId)))
  }

  async dispose(): Promise<void> {
    this.disposed = true
    await Promise.all([...this.sessions.keys()].map((id) => this.stop(id)))
  }

  private ownerChanged(s: ProbeSession, c: OwnerChange): void {
    if (s.stopped || c.owner === s.owner) return
    const from = s.owner
    s.owner = c.owner
    // "No owner" is the gap, not a transition: the mark goes where the next owner takes over.
    if (c.owner === null) {
      if (from !== null) s.lastOwner = from
      return
    }
    const previous = from ?? s.lastOwner ?? null
    // The same owner back after a moment with none (the live state saw no master briefly) is no transition.
    if (previous === c.owner) return
    if (previous === null) {
      // The first owner known since probing started (a cluster still forming): a band, not a failover to measure.
      this.d.events.emit('reachability.transition', { sessionId: s.info.sessionId, transitionId: s.nextTransition++, at: c.at, from: null, to: c.owner, outages: [] })
      return
    }
    const t: OpenTransition = { id: s.nextTransition++, at: c.at, from: previous, to: c.owner, last: '' }
    s.transitions.push(t)
    this.settle(s)
  }

  /** Measures each open transition's outage per source; emits it when it changed, forgets it once final. */
  private settle(s: ProbeSession): void {
    const now = this.now()
    for (const r of s.sources) trimBefore(r, now - KEEP_MS)
    s.transitions = s.transitions.filter((t) => {
      const outages: SourceOutage[] = s.sources.map((r) => ({ sourceId: r.id, ...measureOutage(r, t.at, now) }))
      const payload: ReachabilityTransition = { sessionId: s.info.sessionId, transitionId: t.id, at: t.at, from: t.from, to: t.to, outages }
      const key = JSON.stringify(outages)
      if (key !== t.last) {
        t.last = key
        this.d.events.emit('reachability.transition', payload)
      }
      return outages.some((o) => o.status === 'pending')
    })
  }
}

function trimBefore(r: SourceRun, cutoff: number): void {
  let i = 0
  while (i < r.t.length && r.t[i]! < cutoff) i++
  if (i > 0) {
    r.t.splice(0, i)
    r.rtt.splice(0, i)
  }
}
