// Simulate Failure of a role's owner, as Failover Cluster Manager offers it: a failover drill an
// admin runs on purpose. The owner's agent behaves as if its health check failed for the chosen
// time (`ctl simulate-failure`: the weight-0 track failure path, so it resigns with a priority-0
// advert and removes the VIP), another node takes the role over by the real failover path (Skew
// Time after that advert), and the result says who, and the outage as Move measures it (the
// agents' own transition times). When the window ends, the failed node rejoins as a backup and
// takes the role back only as the role's failback policy says: no surprise failback.
// A drill that would leave the role without any owner is refused before anything changes.
import type { Role } from '../../api/cluster'
import type { ClusterState, NodeLive, SimulateFailureResult } from '../../api/console'
import { ApiException, apiError } from '../../api/errors'
import { clip } from '../../api/limits'
import { agentCommand } from './agent-commands'
import type { ClusterWatch } from './cluster-watch'
import { cannotTake, measureOutage, roleOf } from './move-role'

/** How long the console waits for another node to take the role (Master_Down_Interval is seconds at most). */
export const NEW_OWNER_WAIT_MS = 15_000
/** Beyond one advert interval, for the tie between equal backups to be settled and heard by the console. */
const SETTLE_MARGIN_MS = 500

const roleStateOn = (n: NodeLive, role: string): string => n.roles.find((r) => r.role === role)?.state ?? 'Unknown'

/** "n1 Up (Fault), n2 Paused, n3 Unreachable": each node and its state for the role, for a refusal. */
function nodesSay(state: ClusterState, role: string): string {
  return state.nodes.map((n) => `${n.name} ${n.state}${n.state === 'Up' ? ` (${roleStateOn(n, role)})` : ''}`).join(', ')
}

const priorityOn = (state: ClusterState, node: string, role: string): number | null =>
  state.nodes.find((n) => n.name === node)?.roles.find((r) => r.role === role)?.effectivePriority ?? null

/** What the role's failback policy does once `failed` rejoins, given the priorities before the drill. */
export function failbackAfter(role: Role, failed: string, newOwner: string, failedPrio: number | null, ownerPrio: number | null): string {
  const outranks = failedPrio !== null && ownerPrio !== null && failedPrio > ownerPrio
  switch (role.failback.policy) {
    case 'never':
      return `failback "never": ${failed} rejoins as a backup and the role stays on ${newOwner} until someone moves it`
    case 'immediately':
      return outranks
        ? `failback "immediately": ${failed} outranks ${newOwner} (${failedPrio} > ${ownerPrio}), so it takes the role back as soon as it recovers (a second, shorter switchover)`
        : `failback "immediately", but ${failed} does not outrank ${newOwner}: the role stays on ${newOwner}`
    case 'window':
      return outranks
        ? `failback within its window (${role.failback.startHour}:00-${role.failback.endHour}:00 on the node's clock): ${failed} takes the role back when it recovers only inside that window`
        : `failback within its window, but ${failed} does not outrank ${newOwner}: the role stays on ${newOwner}`
  }
}

function refuse(message: string, hint: string, node?: string): never {
  throw new ApiException(apiError('conflict', clip(message, 'message'), { hint, ...(node ? { node } : {}) }))
}

export async function simulateFailure(w: ClusterWatch, roleName: string, durationMs: number): Promise<SimulateFailureResult> {
  // The failback policy the result states must be the one the agents run now, not the one read up to a minute ago.
  await w.readAgain().catch(() => undefined)
  const role = roleOf(w.definition, roleName)
  const before = w.snapshot()
  const live = before.roles.find((r) => r.name === roleName)!
  if (live.state === 'Split') {
    refuse(`Role ${roleName} is split: ${live.claimants.join(' and ')} both claim it; a drill now would not show a failover.`, 'Restore the link between the nodes first (the alert names them).')
  }
  const failed = live.owner
  if (!failed) {
    refuse(`Role ${roleName} has no owner now (${live.state}): there is nothing to fail over. Nodes: ${nodesSay(before, roleName)}.`, 'Bring a node Up for the role first (Resume, Start Cluster Service, or fix the failing check), then run the drill.')
  }
  const takers = before.nodes.filter((n) => n.name !== failed && cannotTake(n, roleName) === null)
  if (takers.length === 0) {
    const why = before.nodes.filter((n) => n.name !== failed).map((n) => cannotTake(n, roleName)!).join('; ')
    refuse(
      `Simulating a failure of ${failed} would be a full outage of role ${roleName} for ${Math.round(durationMs / 1000)} s: no other node can take it (${why || 'the cluster has one node'}).`,
      'Resume or start another node (or fix its failing check), then run the drill.',
      failed
    )
  }
  const failedPrio = priorityOn(before, failed, roleName)

  const session = await w.sessionOf(failed)
  const [reply] = await agentCommand(w.agent, session, failed, 'simulate-failure', roleName, { durationMs })
  const recoversAt = typeof reply?.simulatedFailure?.until === 'string' ? reply.simulatedFailure.until : new Date(Date.now() + durationMs).toISOString()
  const takenOver = (s: ClusterState): string | null => {
    const r = s.roles.find((x) => x.name === roleName)
    const f = s.nodes.find((n) => n.name === failed)
    return r?.owner && r.owner !== failed && r.claimants.length === 1 && f && roleStateOn(f, roleName) !== 'Master' ? r.owner : null
  }
  let newOwner: string
  try {
    newOwner = takenOver(await w.until((s) => takenOver(s) !== null, Math.min(NEW_OWNER_WAIT_MS, durationMs), `another node to take ${roleName} from ${failed}`))!
  } catch {
    // No failover seen: end the drill now rather than leave the role without owner for the whole window.
    const ended = await agentCommand(w.agent, session, failed, 'simulate-failure', roleName, { cancel: true }).then(() => 'the simulated failure was cancelled', (err: Error) => `cancelling it failed too (${err.message})`)
    const now = w.snapshot()
    throw new ApiException(
      apiError('timeout', clip(`No other node took role ${roleName} within ${Math.round(Math.min(NEW_OWNER_WAIT_MS, durationMs) / 1000)} s of ${failed}'s simulated failure; ${ended}. Nodes: ${nodesSay(now, roleName)}.`, 'message'), {
        hint: `Check that the other nodes hear ${failed}'s adverts (VRRP between the nodes) and look at the cluster's events.`,
        node: failed
      })
    )
  }
  // Backups of equal priority all become master after the resignation's Skew_Time; the higher
  // address wins the tie when they hear each other's adverts (RFC 5798 §6.4.3), within one advert
  // interval. The first master the console sees may be the one that yields: report the settled one.
  await w.wait(role.advertIntervalMs + SETTLE_MARGIN_MS)
  newOwner = takenOver(w.snapshot()) ?? newOwner
  const { outageMs, measuredBy } = measureOutage(w, roleName, failed, newOwner)
  const failback = failbackAfter(role, failed, newOwner, failedPrio, priorityOn(before, newOwner, roleName))
  return {
    role: roleName,
    failedNode: failed,
    newOwner,
    outageMs,
    measuredBy: clip(measuredBy, 'message'),
    recoversAt,
    failback: clip(failback, 'message'),
    message: clip(
      `Simulated failure of ${failed}: role ${roleName} failed over to ${newOwner}${outageMs !== null ? `; outage ${outageMs} ms` : ''}. ${failed} recovers at ${recoversAt}; ${failback}.`,
      'message'
    )
  }
}
