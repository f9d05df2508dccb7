// Pause / Resume a node and Stop / Start its Cluster Service, as Failover Cluster Manager has them.
// Pause is the agent's own: every role there goes to Maintenance (a master resigns with a
// priority-0 advert, so a backup takes over after its skew time) and the node takes no part in
// elections until Resume. The agent keeps the pause in memory: an agent restart (Start after
// Stop, a reboot) ends it. With drain, the roles move away first by planned switchovers, so
// pausing costs no failover.
import type { ApiError } from '../../api/errors'
import { ApiException, apiError } from '../../api/errors'
import { clip } from '../../api/limits'
import type { ClusterState, MoveResult, NodeActionResult, NodeLive } from '../../api/console'
import { DeployError } from '../deploy/layout'
import type { SshSession } from '../ssh/session'
import { toApiError } from '../to-api-error'
import { agentCommand } from './agent-commands'
import type { ClusterWatch } from './cluster-watch'
import { bestPossibleNode, cannotTake, moveRole } from './move-role'

export interface ServiceControl {
  start(session: SshSession): Promise<void>
  stop(session: SshSession): Promise<void>
}

const SETTLE_MS = 20_000

function nodeOf(w: ClusterWatch, state: ClusterState, name: string): NodeLive {
  const n = state.nodes.find((x) => x.name === name)
  if (!n) throw new ApiException(apiError('not-found', `Cluster ${w.definition.name} has no node ${name}.`, { hint: `Its nodes: ${w.definition.nodes.map((x) => x.name).join(', ')}.`, field: 'node' }))
  return n
}

function mustBeHeard(n: NodeLive, action: string): void {
  if (n.state === 'Unreachable') throw new ApiException(apiError('unreachable', `Cannot ${action} ${n.name}: it is unreachable (${n.problem ?? 'not heard from'}).`, { hint: 'Check the node and its SSH connection, then try again.', node: n.name }))
  if (n.state === 'Down') throw new ApiException(apiError('conflict', `Cannot ${action} ${n.name}: its Cluster Service is stopped.`, { hint: 'Start the Cluster Service on it first.', node: n.name }))
}

const ownedBy = (s: ClusterState, node: string): string[] => s.roles.filter((r) => r.owner === node).map((r) => r.name)

const result = (w: ClusterWatch, node: string, moves: MoveResult[], message: string, warnings: ApiError[] = []): NodeActionResult => ({
  node,
  nodeState: nodeOf(w, w.snapshot(), node).state,
  moves,
  message: clip(message, 'message'),
  warnings
})

/** After a role's owner left without a planned move: who holds each role now (bounded wait). */
async function ownersAfter(w: ClusterWatch, roles: string[], leaving: string): Promise<string> {
  if (roles.length === 0) return ''
  try {
    const s = await w.until((st) => roles.every((r) => { const o = st.roles.find((x) => x.name === r)?.owner; return !!o && o !== leaving }), SETTLE_MS, `new owners of ${roles.join(', ')}`)
    return ` ${roles.map((r) => `${r} failed over to ${s.roles.find((x) => x.name === r)!.owner}`).join('; ')}.`
  } catch {
    return ` ${roles.join(', ')} had no new owner within ${SETTLE_MS / 1000} s: check the other nodes.`
  }
}

export async function pauseNode(w: ClusterWatch, node: string, drain: boolean): Promise<NodeActionResult> {
  const state = w.snapshot()
  const n = nodeOf(w, state, node)
  if (n.state === 'Paused') return result(w, node, [], `${node} is already paused; nothing was changed.`)
  mustBeHeard(n, 'pause')
  const owned = ownedBy(state, node)
  const moves: MoveResult[] = []
  if (drain) {
    const stuck = owned.filter((r) => bestPossibleNode(state, w.definition, r, [node]) === null)
    if (stuck.length > 0) {
      const why = state.nodes.filter((x) => x.name !== node).map((x) => cannotTake(x, stuck[0]!) ?? `${x.name} can`).join('; ')
      throw new ApiException(
        apiError('conflict', clip(`Cannot drain ${node}: no other node can take ${stuck.join(', ')} now (${why || 'the cluster has one node'}).`, 'message'), {
          hint: 'Resume or start another node first, or pause without draining (the roles then have no owner until this node resumes).',
          node
        })
      )
    }
    for (const r of owned) moves.push(await moveRole(w, r, undefined, [node]))
  }
  await agentCommand(w.agent, await w.sessionOf(node), node, 'pause')
  await w.until((s) => nodeOf(w, s, node).state === 'Paused', SETTLE_MS, `${node} to show as paused`)
  const failedOver = drain ? '' : await ownersAfter(w, owned, node)
  const how = drain ? (moves.length > 0 ? ` Its roles moved first: ${moves.map((m) => m.message).join(' ')}` : ' It held no role.') : failedOver || ' It held no role.'
  return result(w, node, moves, `${node} is paused: it takes no role until Resume (or until its agent restarts).${how}`)
}

export async function resumeNode(w: ClusterWatch, node: string, failback: boolean): Promise<NodeActionResult> {
  const state = w.snapshot()
  const n = nodeOf(w, state, node)
  mustBeHeard(n, 'resume')
  if (n.state !== 'Paused') {
    if (!failback) return result(w, node, [], `${node} is not paused; nothing was changed.`)
  } else {
    await agentCommand(w.agent, await w.sessionOf(node), node, 'resume')
    await w.until((s) => nodeOf(w, s, node).roles.every((r) => r.state === 'Backup' || r.state === 'Master' || r.state === 'Fault'), SETTLE_MS, `${node} to rejoin its roles`)
  }
  const moves: MoveResult[] = []
  const warnings: ApiError[] = []
  const now = w.snapshot()
  const def = w.definition
  const prefers = def.roles.filter((r) => {
    const at = r.preferredOwners.indexOf(node)
    if (at < 0) return false
    const owner = now.roles.find((x) => x.name === r.name)?.owner
    if (owner === node) return false
    const ownerAt = owner ? r.preferredOwners.indexOf(owner) : -1
    return ownerAt < 0 || ownerAt > at
  })
  if (failback) {
    for (const r of prefers) {
      try {
        moves.push(await moveRole(w, r.name, node))
      } catch (err) {
        warnings.push(toApiError(err, 'clusters.resumeNode', () => undefined))
      }
    }
  }
  const own = prefers.filter((r) => r.failback.policy === 'immediately').map((r) => r.name)
  const note = !failback && own.length > 0 ? ` ${own.join(', ')} fail back by their own policy ("immediately"): ${node} takes them back once it outranks the owner.` : ''
  const back = failback ? (moves.length > 0 ? ` Roles failed back: ${moves.map((m) => m.message).join(' ')}` : ' No role prefers it over its owner now.') : ''
  return result(w, node, moves, `${node} is resumed and takes part in elections again.${back}${note}`, warnings)
}

export async function nodeService(w: ClusterWatch, svc: ServiceControl, node: string, action: 'stop' | 'start'): Promise<NodeActionResult> {
  const state = w.snapshot()
  const n = nodeOf(w, state, node)
  if (n.state === 'Unreachable') mustBeHeard(n, `${action} the Cluster Service on`)
  const owned = ownedBy(state, node)
  const session = await w.sessionOf(node)
  try {
    await (action === 'stop' ? svc.stop(session) : svc.start(session))
  } catch (err) {
    if (err instanceof DeployError) throw new ApiException(apiError('command-failed', clip(err.message, 'message'), { hint: err.hint, node }))
    throw err
  }
  if (action === 'stop') {
    await w.until((s) => nodeOf(w, s, node).state === 'Down', SETTLE_MS, `${node} to show its Cluster Service stopped`)
    const moved = await ownersAfter(w, owned, node)
    return result(w, node, [], `The Cluster Service is stopped on ${node}.${moved}`)
  }
  // Done when the node takes part again: its agent answers and reports every role in a settled
  // state. An agent that has just started answers before it has loaded its roles; a Move to it
  // in that moment would be refused as "state Unknown".
  const settled = new Set(['Backup', 'Master', 'Fault', 'Maintenance'])
  await w.until((s) => { const n = nodeOf(w, s, node); return ['Up', 'Paused'].includes(n.state) && n.roles.every((r) => settled.has(r.state)) }, SETTLE_MS, `${node}'s agent to answer and rejoin its roles`)
  return result(w, node, [], `The Cluster Service is running on ${node}.`)
}
