// The pure model behind the live console (issue 12, "Live state, never stale"): which snapshot
// to keep, and how roles, nodes and alerts read in the Roles / Nodes views. No Vue, no DOM, so it
// is unit-tested on its own (test/unit/renderer/live-state-model.test.ts).
import type { Alert, ClusterState, MoveResult, NodeActionResult, NodeLive, NodeRoleState, RoleLive, SimulateFailureResult } from '@api/console'

/**
 * Keep `incoming` over `current` only when it is newer: another cluster, a newer generation, or a
 * higher revision. Events and the first clusters.state answer can cross; an older snapshot must
 * never overwrite a newer one (that would show a stale owner).
 */
export function newerSnapshot(current: ClusterState | null, incoming: ClusterState): ClusterState {
  if (!current || current.clusterId !== incoming.clusterId) return incoming
  if (incoming.generation !== current.generation) return incoming.generation > current.generation ? incoming : current
  return incoming.revision >= current.revision ? incoming : current
}

export type Tone = 'ok' | 'warn' | 'bad' | 'muted'

const ROLE_TONE: Record<RoleLive['state'], { tone: Tone; icon: string }> = {
  Online: { tone: 'ok', icon: '●' },
  Pending: { tone: 'warn', icon: '◐' },
  Failed: { tone: 'bad', icon: '✖' },
  Split: { tone: 'bad', icon: '⚠' }
}

const NODE_TONE: Record<NodeLive['state'], { tone: Tone; icon: string }> = {
  Up: { tone: 'ok', icon: '●' },
  Paused: { tone: 'warn', icon: '❚❚' },
  Down: { tone: 'bad', icon: '▼' },
  Unreachable: { tone: 'bad', icon: '?' }
}

const FAILBACK_TEXT: Record<RoleLive['failback'], string> = {
  never: 'Prevent failback',
  immediately: 'Allow failback: immediately',
  window: 'Allow failback: within a window'
}

/** "12:04:05" for today, the date too otherwise; the raw text when it is not a time. */
export function shortTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const time = d.toLocaleTimeString(undefined, { hour12: false })
  return d.toDateString() === now.toDateString() ? time : `${d.toLocaleDateString()} ${time}`
}

/** "5 s ago", "3 min ago": how long since a node was last heard. */
export function ago(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return 'never'
  const s = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  return `${Math.floor(s / 3600)} h ago`
}

export interface RoleRow {
  name: string
  vip: string
  vrid: number
  state: RoleLive['state']
  tone: Tone
  icon: string
  /** The owner; for Split every claimant; "(none)" when no node is master. */
  owner: string
  preferredOwners: string
  failback: string
  transition: string
  transitionCause: string
  transitionAt: string
}

export function roleRows(state: ClusterState, now = new Date()): RoleRow[] {
  return state.roles.map((r) => {
    const t = r.lastTransition
    const owner = r.state === 'Split' && r.claimants.length > 1 ? `${r.claimants.join(' + ')} (${r.claimants.length === 2 ? 'both' : 'all'} claim it)` : (r.owner ?? '(none)')
    return {
      name: r.name,
      vip: r.vip,
      vrid: r.vrid,
      state: r.state,
      ...ROLE_TONE[r.state],
      owner,
      preferredOwners: r.preferredOwners.length ? r.preferredOwners.join(', ') : 'Any node',
      failback: FAILBACK_TEXT[r.failback],
      transition: t ? `${t.node}: ${t.from} → ${t.to}` : '',
      transitionCause: t?.cause ?? '',
      transitionAt: shortTime(t?.at, now)
    }
  })
}

export interface NodeRoleCell {
  role: string
  /** What the node reports; "Unknown" for a node not heard now (never its last known state). */
  state: NodeRoleState
  tone: Tone
  priority: string
  holdsVip: boolean
  lastAdvert: string
  /** In Fault: why ("simulated failure until ..."); empty otherwise. */
  faultCause: string
}

export interface NodeRow {
  name: string
  host: string
  state: NodeLive['state']
  tone: Tone
  icon: string
  /** Only for a node not heard now: since when. */
  lastSeen: string
  agentVersion: string
  problem: string
  roles: NodeRoleCell[]
}

const CELL_TONE: Record<NodeRoleState, Tone> = {
  Master: 'ok',
  Backup: 'muted',
  Fault: 'bad',
  Init: 'warn',
  Maintenance: 'warn',
  Stopped: 'muted',
  Unknown: 'muted'
}

export function nodeRows(state: ClusterState, now = new Date()): NodeRow[] {
  return state.nodes.map((n) => {
    const heard = n.state === 'Up' || n.state === 'Paused'
    const roles: NodeRoleCell[] = state.roles.map((role) => {
      const r = heard ? n.roles.find((x) => x.role === role.name) : undefined
      const s: NodeRoleState = r?.state ?? 'Unknown'
      return {
        role: role.name,
        state: s,
        tone: CELL_TONE[s],
        priority: r?.effectivePriority == null ? '' : String(r.effectivePriority),
        holdsVip: r?.holdsVip ?? false,
        lastAdvert: r?.lastAdvertAt ? `${ago(r.lastAdvertAt, now)}${r.lastAdvertFrom ? ` from ${r.lastAdvertFrom}` : ''}` : '',
        faultCause: s === 'Fault' ? (r?.faultCause ?? '') : ''
      }
    })
    return {
      name: n.name,
      host: n.host,
      state: n.state,
      ...NODE_TONE[n.state],
      lastSeen: heard ? '' : n.lastSeenAt ? `last seen ${shortTime(n.lastSeenAt, now)} (${ago(n.lastSeenAt, now)})` : 'never seen',
      agentVersion: n.agentVersion ?? '',
      problem: n.problem ?? '',
      roles
    }
  })
}

/** Raised alerts, then cleared ones (which stay listed a while, marked as cleared). */
export function alertRows(state: ClusterState): Array<Alert & { raised: boolean }> {
  const rows = state.alerts.map((a) => ({ ...a, raised: a.clearedAt === null }))
  return [...rows.filter((a) => a.raised), ...rows.filter((a) => !a.raised)]
}

/** The nodes a role can be moved to by Select Node…: Up, and not the owner. */
export function moveTargets(state: ClusterState, role: string): string[] {
  const r = state.roles.find((x) => x.name === role)
  return state.nodes.filter((n) => n.state === 'Up' && n.name !== r?.owner).map((n) => n.name)
}

/** Why Move cannot run now (undefined: it can). */
export function moveBlocked(state: ClusterState, role: string): string | undefined {
  if (!state.roles.some((x) => x.name === role)) return `The role ${role} is not in this cluster.`
  if (moveTargets(state, role).length === 0) return 'No other node is Up to take the role: resume or start a node first.'
  return undefined
}

/** The lengths offered for a simulated failure (the API takes 1 s to 10 min). */
export const DRILL_DURATIONS_MS = [5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000] as const

/** "30 s", "2 min". */
export function drillDurationText(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`
}

/** The nodes that could take a role from its owner now: Up, in Backup for it. */
export function failoverTakers(state: ClusterState, role: string): string[] {
  const r = state.roles.find((x) => x.name === role)
  return state.nodes.filter((n) => n.name !== r?.owner && n.state === 'Up' && n.roles.find((x) => x.role === role)?.state === 'Backup').map((n) => n.name)
}

/** Why Simulate Failure cannot run now (undefined: it can): no owner to fail, or nobody to take over (a full outage). */
export function simulateBlocked(state: ClusterState, role: string): string | undefined {
  const r = state.roles.find((x) => x.name === role)
  if (!r) return `The role ${role} is not in this cluster.`
  if (r.state === 'Split') return `${role} is split (${r.claimants.join(' and ')} both claim it): restore the link between them first.`
  if (!r.owner) return `${role} has no owner now (${r.state}): there is nothing to fail over.`
  if (failoverTakers(state, role).length === 0) {
    const others = state.nodes.filter((n) => n.name !== r.owner).map((n) => `${n.name} ${n.state}`).join(', ')
    return `No other node can take ${role} (${others || 'the cluster has one node'}): the drill would be a full outage. Resume or start a node first.`
  }
  return undefined
}

/** The result of a Simulate Failure: who took the role, the measured outage, when the node recovers and what failback does. */
export function simulateResultText(r: SimulateFailureResult): string[] {
  const outage = r.outageMs === null ? 'outage not measurable' : `measured outage ${Math.round(r.outageMs)} ms`
  return [
    `${r.role} failed over from ${r.failedNode} to ${r.newOwner}; ${outage} (${r.measuredBy}).`,
    `${r.failedNode} recovers at ${new Date(r.recoversAt).toLocaleTimeString()}; ${r.failback}.`
  ]
}

/** Why a node action cannot run now (undefined: it can). */
export function nodeActionBlocked(node: NodeLive, action: 'pause' | 'resume' | 'stop' | 'start'): string | undefined {
  switch (action) {
    case 'pause':
      return node.state === 'Up' ? undefined : `${node.name} is ${node.state}: only an Up node can be paused.`
    case 'resume':
      return node.state === 'Paused' ? undefined : `${node.name} is not paused.`
    case 'stop':
      return node.state === 'Up' || node.state === 'Paused' ? undefined : `${node.name}'s Cluster Service is not running (${node.state}).`
    case 'start':
      return node.state === 'Down' ? undefined : node.state === 'Unreachable' ? `${node.name} is Unreachable: the app cannot reach it over SSH.` : `${node.name}'s Cluster Service is already running.`
  }
}

/** The result of a Move in one sentence: who holds it now and the outage measured. */
export function moveResultText(r: MoveResult): string {
  const outage = r.outageMs === null ? 'outage not measurable' : `measured outage ${Math.round(r.outageMs)} ms`
  return `${r.role} is now on ${r.owner}${r.from ? ` (was ${r.from})` : ''}; ${outage} (${r.measuredBy}).`
}

export function nodeActionText(r: NodeActionResult): string[] {
  return [`${r.message} ${r.node} is now ${r.nodeState}.`, ...r.moves.map(moveResultText), ...r.warnings.map((w) => `Warning: ${w.message}${w.hint ? ` ${w.hint}` : ''}`)]
}
