// Move a role, as Failover Cluster Manager's "Move > Best Possible Node / Select Node…": a
// planned switchover through the agents, never a wait for timeouts. The target's agent takes
// over (it adds the VIP and sends gratuitous ARP first, then advertises priority 254, which
// makes the old master step down at once); once the console sees the target as the only master,
// the target releases the takeover, so nothing stays pinned: from then on the role follows its
// priorities and failback policy as before. A move that the failback policy would undo at once
// (a higher-priority node that preempts) is refused before anything changes, saying why.
import type { ClusterDefinition, Role } from '../../api/cluster'
import type { ClusterState, MoveResult, NodeLive } from '../../api/console'
import { ApiException, apiError } from '../../api/errors'
import { clip } from '../../api/limits'
import { agentCommand, agentStatusNow } from './agent-commands'
import type { AgentInstanceReport } from './agent-report'
import type { ClusterWatch } from './cluster-watch'

/** How long the console waits to see the new owner alone after the takeover. */
const CONFIRM_MS = 15_000

export function roleOf(def: ClusterDefinition, name: string): Role {
  const r = def.roles.find((x) => x.name === name)
  if (!r) {
    throw new ApiException(
      apiError('not-found', `Cluster ${def.name} has no role ${name}.`, { hint: `Its roles: ${def.roles.map((x) => x.name).join(', ') || '(none)'}.`, field: 'role' })
    )
  }
  return r
}

function priorityOf(n: NodeLive, role: string): number {
  return n.roles.find((r) => r.role === role)?.effectivePriority ?? -1
}

/** Why `n` cannot take `role` now, or null when it can. */
export function cannotTake(n: NodeLive, role: string): string | null {
  if (n.state === 'Paused') return `${n.name} is paused: resume it first (Resume)`
  if (n.state === 'Down') return `the Cluster Service is stopped on ${n.name}: start it first`
  if (n.state === 'Unreachable') return `${n.name} is unreachable (${n.problem ?? 'not heard from'}): check the node and its SSH connection`
  const st = n.roles.find((r) => r.role === role)?.state
  if (st === undefined || st === 'Unknown' || st === 'Init') return `${n.name} has not reported role ${role} yet (its Cluster Service is starting): try again in a few seconds`
  if (st !== 'Backup' && st !== 'Master') return `${n.name} is in state ${st} for role ${role}${st === 'Fault' ? ' (a tracked check fails there)' : ''}`
  return null
}

/** Best Possible Node: the highest effective priority among nodes that can take the role, other than the owner and `exclude`. */
export function bestPossibleNode(state: ClusterState, def: ClusterDefinition, role: string, exclude: readonly string[]): string | null {
  const owner = state.roles.find((r) => r.name === role)?.owner ?? null
  const order = def.nodes.map((n) => n.name)
  const candidates = state.nodes
    .filter((n) => n.name !== owner && !exclude.includes(n.name) && cannotTake(n, role) === null)
    .sort((a, b) => priorityOf(b, role) - priorityOf(a, role) || order.indexOf(a.name) - order.indexOf(b.name))
  return candidates[0]?.name ?? null
}

/** Does the agent on this node preempt now (failback immediately, or inside its window)? */
function preemptsNow(role: Role, inst: AgentInstanceReport | undefined): boolean {
  if (role.failback.policy === 'immediately') return true
  if (role.failback.policy === 'window') return inst?.preemptWindow?.open === true
  return false
}

/** A node that would take the role straight back from `target` once the takeover is released. */
function wouldFailBack(w: ClusterWatch, state: ClusterState, role: Role, target: string): { node: string; prio: number } | null {
  const mine = priorityOf(state.nodes.find((n) => n.name === target)!, role.name)
  let best: { node: string; prio: number } | null = null
  for (const n of state.nodes) {
    if (n.name === target || n.state !== 'Up') continue
    const prio = priorityOf(n, role.name)
    const inst = w.observation(n.name)?.status?.instances.find((i) => i.name === role.name)
    // The highest of them wins the election that follows.
    if (prio > mine && preemptsNow(role, inst) && (!best || prio > best.prio)) best = { node: n.name, prio }
  }
  return best
}

/**
 * The outage as the agents' clocks saw it: from the old master leaving Master to the new one
 * entering it (the VIP is added as a node becomes master and removed as it leaves). On a planned
 * takeover the new master comes first, so the outage is 0 and the overlap is reported.
 */
export function measureOutage(w: ClusterWatch, role: string, from: string | null, to: string): { outageMs: number | null; measuredBy: string } {
  const t = (node: string) => w.observation(node)?.status?.instances.find((i) => i.name === role)?.lastTransition
  const entered = t(to)
  if (!from) return { outageMs: null, measuredBy: 'not measured: no node held the role before the move' }
  const left = t(from)
  if (!entered || entered.to !== 'master' || !left || left.from !== 'master') {
    return { outageMs: null, measuredBy: `not measured: the agents did not report both transitions (${from} leaving master, ${to} becoming master)` }
  }
  const gap = Date.parse(entered.at) - Date.parse(left.at)
  if (!Number.isFinite(gap)) return { outageMs: null, measuredBy: 'not measured: the agents reported unreadable times' }
  const clocks = 'by the agents\' transition times (each node\'s own clock)'
  if (gap <= 0) return { outageMs: 0, measuredBy: `${clocks}: ${to} held the VIP ${-gap} ms before ${from} let it go (no gap)` }
  return { outageMs: gap, measuredBy: `${clocks}: ${from} left master at ${left.at}, ${to} became master at ${entered.at}` }
}

export async function moveRole(w: ClusterWatch, roleName: string, to: string | undefined, exclude: readonly string[] = []): Promise<MoveResult> {
  const def = w.definition
  const role = roleOf(def, roleName)
  const state = w.snapshot()
  const live = state.roles.find((r) => r.name === roleName)!
  if (live.state === 'Split') {
    throw new ApiException(
      apiError('conflict', `Role ${roleName} is split: ${live.claimants.join(' and ')} both claim it.`, { hint: 'Restore the link between the nodes first (the alert names them); a move now would not settle who holds it.' })
    )
  }
  const from = live.owner
  let target = to
  if (target === undefined) {
    target = bestPossibleNode(state, def, roleName, exclude) ?? undefined
    if (!target) {
      const why = state.nodes.filter((n) => n.name !== from).map((n) => cannotTake(n, roleName) ?? `${n.name} is excluded`).join('; ')
      throw new ApiException(apiError('conflict', clip(`No other node can take role ${roleName} now: ${why || 'the cluster has one node'}.`, 'message'), { hint: 'Resume or start another node, then move the role.' }))
    }
  }
  const node = state.nodes.find((n) => n.name === target)
  if (!node) throw new ApiException(apiError('not-found', `Cluster ${def.name} has no node ${target}.`, { hint: `Its nodes: ${def.nodes.map((n) => n.name).join(', ')}.`, field: 'to' }))
  if (from === target) return { role: roleName, from, owner: target, outageMs: 0, measuredBy: 'nothing moved', message: `${target} already holds role ${roleName}; nothing was changed.` }
  const refusal = cannotTake(node, roleName)
  if (refusal) throw new ApiException(apiError('conflict', `Role ${roleName} cannot move to ${target}: ${refusal}.`, { node: target }))
  const back = wouldFailBack(w, state, role, target)
  if (back) {
    throw new ApiException(
      apiError('conflict', `Role ${roleName} would go straight back to ${back.node}: its failback policy is "${role.failback.policy}" and ${back.node} has a higher priority (${back.prio}) than ${target}.`, {
        hint: `Move it to ${back.node}, pause ${back.node} first, or change the role's failback to "never" (Configure Role).`,
        node: target
      })
    )
  }

  const session = await w.sessionOf(target)
  await agentCommand(w.agent, session, target, 'takeover', roleName)
  try {
    await w.until((s) => {
      const r = s.roles.find((x) => x.name === roleName)
      return r?.owner === target && r.claimants.length === 1
    }, CONFIRM_MS, `${target} to be the only master of ${roleName}`)
  } finally {
    // Always let go of the takeover: a move must not leave the role pinned, even one that failed.
    await agentCommand(w.agent, session, target, 'release', roleName)
  }
  const after = (await agentStatusNow(w.agent, session, target)).instances.find((i) => i.name === roleName)
  if (after?.takeover === true) {
    throw new ApiException(apiError('internal', `${target} still pins role ${roleName} after the release.`, { hint: `Run "havip-agent ctl release ${roleName}" on ${target} as root.`, node: target }))
  }
  const owner = after?.state === 'master' ? target : (w.snapshot().roles.find((r) => r.name === roleName)?.owner ?? target)
  const { outageMs, measuredBy } = measureOutage(w, roleName, from, target)
  return {
    role: roleName,
    from,
    owner,
    outageMs,
    measuredBy: clip(measuredBy, 'message'),
    message: clip(`Role ${roleName} moved${from ? ` from ${from}` : ''} to ${owner}${outageMs !== null ? `; outage ${outageMs} ms` : ''}.`, 'message')
  }
}
