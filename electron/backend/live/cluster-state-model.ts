// The live state of a cluster, computed from the definition and what each node's feed says:
// roles (Online / Pending / Failed / Split, owner, last transition), nodes (Up / Paused / Down /
// Unreachable) and the conditions the cross-checks raise (cross-checks.ts turns them into alerts).
// Pure: the same inputs at the same time give the same state.
import type { ClusterDefinition } from '../../api/cluster'
import type { NodeLive, NodeRoleLive, NodeRoleState, RoleLive, RoleTransition } from '../../api/console'
import { clip } from '../../api/limits'
import type { AgentInstanceReport } from './agent-report'
import type { NodeObservation } from './node-observation'

export interface StateInput {
  definition: ClusterDefinition
  observations: ReadonlyMap<string, NodeObservation>
  /** Node names whose cluster.json holds another generation (from the directory's reading). */
  generationMismatch: ReadonlySet<string>
  /** Per role, since when (ms) no node has been master; kept by the caller across computations. */
  noMasterSince: ReadonlyMap<string, number>
  now: number
}

/** A condition found now; cross-checks.ts keeps it as an alert with its since/cleared times. */
export interface Condition {
  id: string
  kind: 'split-brain' | 'no-master' | 'vip-on-non-master' | 'generation-mismatch' | 'stranger-vrid'
  role?: string
  node?: string
  message: string
}

export interface ComputedState {
  roles: RoleLive[]
  nodes: NodeLive[]
  conditions: Condition[]
}

const STATE_NAMES: Record<string, NodeRoleState> = {
  master: 'Master', backup: 'Backup', fault: 'Fault', initialize: 'Init', maintenance: 'Maintenance', stopped: 'Stopped'
}
/** How long a stranger's adverts keep the alert up after the last one was counted. */
export const STRANGER_QUIET_MS = 30_000

export function roleStateName(i: AgentInstanceReport): NodeRoleState {
  if (i.fault === true && i.state !== 'maintenance') return 'Fault'
  return STATE_NAMES[i.state] ?? 'Unknown'
}

/** Grace before a role without master is Failed: longer than Master_Down_Interval (3 adverts + skew < 1 s) plus one status period. */
export function noMasterGraceMs(advertIntervalMs: number, statusPeriodMs: number): number {
  return 3 * advertIntervalMs + 1000 + statusPeriodMs
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** The instances of a node the console may show now: none unless its agent was heard and answers. */
function liveInstances(o: NodeObservation | undefined): AgentInstanceReport[] | null {
  if (!o || o.reach !== 'heard' || !o.status) return null
  return o.status.instances
}

function nodeLive(def: ClusterDefinition, name: string, host: string, o: NodeObservation | undefined): NodeLive {
  const base = { name, host, lastSeenAt: iso(o?.lastSeenAt ?? null), agentVersion: o?.status?.version ?? null }
  if (!o || o.reach === 'waiting') return { ...base, state: 'Unreachable', roles: [], problem: 'not heard from yet: connecting' }
  if (o.reach === 'unreachable') return { ...base, state: 'Unreachable', roles: [], problem: clip(o.problem ?? 'not heard from', 'message') }
  if (o.reach === 'agent-down' || !o.status) return { ...base, state: 'Down', roles: [], problem: clip(`the Cluster Service (agent) is not running: ${o.problem ?? 'no answer'}`, 'message') }
  const roles: NodeRoleLive[] = def.roles.map((r) => {
    const i = o.status!.instances.find((x) => x.name === r.name)
    if (!i) return { role: r.name, state: 'Unknown', effectivePriority: null, holdsVip: false, lastAdvertAt: null, lastAdvertFrom: null }
    const newest = [...(i.peers ?? [])].sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen))[0]
    return {
      role: r.name,
      state: roleStateName(i),
      effectivePriority: typeof i.effectivePriority === 'number' ? Math.round(i.effectivePriority) : null,
      holdsVip: (i.vipsHeld ?? []).length > 0,
      lastAdvertAt: newest ? newest.lastSeen : null,
      lastAdvertFrom: newest ? newest.address : null,
      ...(roleStateName(i) === 'Fault' && i.health ? { faultCause: clip(i.health, 'message') } : {})
    }
  })
  const instances = o.status.instances
  const paused = instances.length > 0 && instances.every((i) => i.paused === true || i.state === 'maintenance')
  return { ...base, state: paused ? 'Paused' : 'Up', roles }
}

export function computeState(input: StateInput, graceOf: (advertIntervalMs: number) => number): ComputedState {
  const { definition: def, observations, now } = input
  const conditions: Condition[] = []
  const nodes = def.nodes.map((n) => nodeLive(def, n.name, n.host, observations.get(n.name)))
  const addresses = new Set(def.nodes.map((n) => n.address))

  const roles = def.roles.map((r): RoleLive => {
    const claimants: string[] = []
    const holders: string[] = []
    let unknown = 0
    let last: RoleTransition | null = null
    for (const n of def.nodes) {
      const obs = observations.get(n.name)
      const insts = liveInstances(obs)
      if (!insts) {
        if (obs?.reach !== 'agent-down') unknown++
        continue
      }
      const i = insts.find((x) => x.name === r.name)
      if (!i) continue
      if (i.state === 'master') claimants.push(n.name)
      if ((i.vipsHeld ?? []).length > 0) holders.push(n.name)
      const t = i.lastTransition
      if (t && (!last || Date.parse(t.at) > Date.parse(last.at))) last = { node: n.name, from: t.from, to: t.to, cause: clip(t.reason, 'message'), at: t.at }
      const stranger = obs?.strangers.get(r.name)
      const peerStrangers = (i.peers ?? []).filter((p) => !addresses.has(p.address)).map((p) => p.address)
      if ((stranger?.grewAt != null && now - stranger.grewAt < STRANGER_QUIET_MS) || peerStrangers.length > 0) {
        conditions.push({
          id: `stranger-vrid:${r.name}:${n.name}`,
          kind: 'stranger-vrid',
          role: r.name,
          node: n.name,
          message: clip(
            `${n.name} hears VRRP adverts for VRID ${r.vrid} (role ${r.name}) from ${peerStrangers.length > 0 ? peerStrangers.join(', ') : 'a source that is not a node of this cluster'}: another router uses this VRID on the segment. Find it (the source address) and give one of them another VRID.`,
            'message'
          )
        })
      }
    }
    for (const h of holders) {
      if (!claimants.includes(h)) {
        conditions.push({ id: `vip-on-non-master:${r.name}:${h}`, kind: 'vip-on-non-master', role: r.name, node: h, message: `${h} holds the VIP ${r.vip} of role ${r.name} but is not its master: clients may reach the wrong node.` })
      }
    }
    let state: RoleLive['state']
    if (claimants.length > 1) {
      state = 'Split'
      conditions.push({ id: `split-brain:${r.name}`, kind: 'split-brain', role: r.name, message: `Split brain: ${claimants.join(' and ')} ${claimants.length === 2 ? 'both' : 'all'} claim master of role ${r.name} (${r.vip}). They do not hear each other's adverts: check the link between them (VRRP, IP protocol 112).` })
    } else if (holders.some((h) => !claimants.includes(h))) {
      state = 'Split'
    } else if (claimants.length === 1) {
      state = 'Online'
    } else {
      const since = input.noMasterSince.get(r.name) ?? now
      const overdue = now - since >= graceOf(r.advertIntervalMs)
      // A node the app cannot hear may be the master: without every node heard, say Pending, never Failed.
      state = overdue && unknown === 0 ? 'Failed' : 'Pending'
      if (state === 'Failed') {
        conditions.push({ id: `no-master:${r.name}`, kind: 'no-master', role: r.name, message: `No node is master of role ${r.name} (${r.vip}) since ${new Date(since).toISOString()}: the VIP does not answer. Check that the nodes' agents run and are not paused or in fault.` })
      }
    }
    return {
      name: r.name,
      vip: r.vip,
      vrid: r.vrid,
      state,
      owner: claimants.length === 1 ? claimants[0]! : null,
      claimants,
      preferredOwners: [...r.preferredOwners],
      failback: r.failback.policy,
      lastTransition: last
    }
  })

  for (const name of input.generationMismatch) {
    conditions.push({ id: `generation-mismatch:${name}`, kind: 'generation-mismatch', node: name, message: `${name} holds another generation of the cluster definition than generation ${def.generation}: a change did not reach it. Run the change again, or roll back.` })
  }
  return { roles, nodes, conditions }
}
