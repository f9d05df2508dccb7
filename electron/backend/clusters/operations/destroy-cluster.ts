// Destroy Cluster: every agent stopped, then everything this app put on every node removed
// (VIPs, service, files, a Node.js runtime it uploaded), each node left as it was before. A node
// that cannot be reached or not fully cleaned is named with what is left there; the cluster is
// forgotten on this desktop only when every node is clean, so Destroy can be run again later.
import type { KnownCluster } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import { settleBounded } from './bounded'
import type { OperationDeps } from './deps'
import { reachNode } from './node-access'
import { errorText, type OperationRun } from './operation-run'
import type { SshSession } from '../../ssh/session'

export function planDestroy(known: KnownCluster, confirmName: string): void {
  if (confirmName !== known.name) {
    throw new ApiException({ kind: 'invalid-input', field: 'confirmName', message: `To destroy ${known.name}, type its name exactly; "${confirmName}" is not it.`, hint: 'Destroying is not undoable: repeat the cluster\'s name to confirm.' })
  }
}

type Leftover = { node: string; what: string }

/** Stops every agent, then removes everything on every node; returns what is left where. */
export async function removeEverywhere(run: OperationRun, deps: OperationDeps, nodes: { name: string; host: string; port: number; username: string; connectionId?: string }[]): Promise<Leftover[]> {
  const reached = await settleBounded(nodes, (n) => reachNode(deps.access, n))
  const handles: { node: { name: string }; session: SshSession }[] = []
  const leftovers: Leftover[] = []
  reached.forEach((r, i) => {
    const n = nodes[i]!
    if (r.status === 'fulfilled') handles.push({ node: n, session: r.value.session })
    else {
      const why = errorText(r.reason)
      run.skip('stop', 'Stop the agent', n.name, `not reached (${why})`)
      run.skip('remove', 'Remove the agent, its service and files', n.name, `not reached (${why})`)
      leftovers.push({ node: n.name, what: `not reached (${why}): its agent, service and files are still there. Destroy again when it is back.` })
    }
  })
  // Every agent stops before any node is cleaned: no VIP moves to a node that is about to go.
  const stopped = await settleBounded(handles, (h) => run.step('stop', 'Stop the agent', h.node.name, () => deps.deployer.stop(h.session), () => 'stopped'))
  const removed = await settleBounded(handles, (h) =>
    run.step('remove', 'Remove the agent, its service and files', h.node.name, (note) => deps.deployer.removeAll(h.session, note), (l) => (l.length === 0 ? 'the node is as it was before' : `left: ${l.join('; ')}`))
  )
  removed.forEach((r, i) => {
    const name = handles[i]!.node.name
    if (r.status === 'rejected') {
      const stopNote = stopped[i]!.status === 'rejected' ? ' (its agent did not stop either)' : ''
      leftovers.push({ node: name, what: `removal failed${stopNote}: ${errorText(r.reason)}`.slice(0, 1000) })
    } else if (r.value.length > 0) leftovers.push({ node: name, what: r.value.join('; ').slice(0, 1000) })
  })
  return leftovers
}

export async function runDestroy(run: OperationRun, deps: OperationDeps, known: KnownCluster): Promise<void> {
  // The nodes as the nodes say (when one answers), else as this desktop remembers them.
  let nodes: { name: string; host: string; port: number; username: string; connectionId?: string }[] = known.nodes
  try {
    const def = await deps.definitions.current(known.id)
    run.update({ fromGeneration: def.generation, toGeneration: def.generation })
    nodes = def.nodes.map((n) => ({ ...n, ...(known.nodes.find((k) => k.name === n.name)?.connectionId ? { connectionId: known.nodes.find((k) => k.name === n.name)!.connectionId! } : {}) }))
    for (const k of known.nodes) if (!nodes.some((n) => n.name === k.name)) nodes.push(k)
  } catch (err) {
    deps.log('warn', `Destroy ${known.name}: the definition could not be read from the nodes (${errorText(err)}); using the nodes this desktop knows`)
  }
  const leftovers = await removeEverywhere(run, deps, nodes)
  run.update({ leftovers })
  if (leftovers.length > 0) {
    // Marked in the list (and kept across restarts) so the admin sees it is unfinished and can retry or forget it.
    deps.known.markDestroyIncomplete(known.id, { at: deps.now().toISOString(), operationId: run.id, leftovers: leftovers.slice(0, 32) })
    throw new ApiException({
      kind: 'command-failed',
      message: `${known.name} is destroyed on ${nodes.length - leftovers.length} of ${nodes.length} node(s); left: ${leftovers.map((l) => `${l.node}: ${l.what}`).join(' | ')}`.slice(0, 4000),
      hint: `${known.name} stays on this desktop's list, marked "Destroy incomplete", until every node is clean: retry the clean-up (Destroy again) once the nodes named are reachable, or forget it.`
    })
  }
  deps.known.remove(known.id)
}
