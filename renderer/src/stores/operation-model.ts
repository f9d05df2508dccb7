// The pure part of an operation on a cluster's nodes (create, add node, evict, destroy, roles,
// rollback): its steps kept in step with `cluster.progress` events, grouped as the step list
// shows them (the cluster's own steps, then each node's), and the words for its outcome.
import type { OperationKind, OperationReport, OperationStep } from '@api/cluster'

/** A step is one piece of work on one node (or on the cluster as a whole): its id and its node. */
export function stepKey(s: Pick<OperationStep, 'step' | 'node'>): string {
  return `${s.step}@${s.node ?? ''}`
}

const FINAL = new Set<OperationStep['state']>(['done', 'failed', 'skipped'])

/**
 * Applies one progress event: a new step is appended (the backend sends them in order), a known
 * one is updated in place; a final state is never taken back by a late 'running'.
 */
export function applyStep(steps: readonly OperationStep[], ev: OperationStep): OperationStep[] {
  const key = stepKey(ev)
  const i = steps.findIndex((s) => stepKey(s) === key)
  if (i < 0) return [...steps, ev]
  const before = steps[i]!
  if (FINAL.has(before.state) && !FINAL.has(ev.state)) return [...steps]
  const next = [...steps]
  next[i] = { ...before, ...ev }
  return next
}

/** The report's steps win (they are the record), but a step seen live and not yet in it stays. */
export function mergeSteps(live: readonly OperationStep[], report: readonly OperationStep[]): OperationStep[] {
  let out = [...report]
  for (const s of live) if (!out.some((r) => stepKey(r) === stepKey(s))) out = [...out, s]
  return out
}

export type GroupState = 'pending' | 'running' | 'done' | 'failed'

export interface StepGroup {
  /** null: the cluster's own steps. */
  node: string | null
  steps: OperationStep[]
  state: GroupState
}

function groupState(steps: readonly OperationStep[]): GroupState {
  if (steps.some((s) => s.state === 'failed')) return 'failed'
  if (steps.some((s) => s.state === 'running')) return 'running'
  if (steps.length > 0 && steps.every((s) => FINAL.has(s.state))) return 'done'
  if (steps.some((s) => FINAL.has(s.state))) return 'running'
  return 'pending'
}

/**
 * The cluster's own steps first (in the order they came), then one group per node: in `order`
 * (the cluster's node names) when given, the others in order of first appearance (nodes work in
 * parallel, so which one reports first says nothing).
 */
export function groupSteps(steps: readonly OperationStep[], order: readonly string[] = []): StepGroup[] {
  const seen: (string | null)[] = []
  const byNode = new Map<string | null, OperationStep[]>()
  for (const s of steps) {
    const node = s.node ?? null
    if (!byNode.has(node)) {
      byNode.set(node, [])
      seen.push(node)
    }
    byNode.get(node)!.push(s)
  }
  const rank = (n: string | null): number => (n === null ? -1 : order.includes(n) ? order.indexOf(n) : order.length)
  seen.sort((a, b) => rank(a) - rank(b))
  return seen.map((node) => ({ node, steps: byNode.get(node)!, state: groupState(byNode.get(node)!) }))
}

export interface StepCounts {
  total: number
  done: number
  failed: number
  running: number
}

export function stepCounts(steps: readonly OperationStep[]): StepCounts {
  return {
    total: steps.length,
    done: steps.filter((s) => s.state === 'done' || s.state === 'skipped').length,
    failed: steps.filter((s) => s.state === 'failed').length,
    running: steps.filter((s) => s.state === 'running').length
  }
}

export const OPERATION_TITLES: Record<OperationKind, string> = {
  create: 'Create Cluster',
  'add-node': 'Add Node',
  'evict-node': 'Evict Node',
  destroy: 'Destroy Cluster',
  'add-role': 'Add Role',
  'set-role': 'Change Role',
  'remove-role': 'Remove Role',
  rollback: 'Roll Back'
}

/** The sentence at the top of a finished operation's result. */
export function outcomeText(
  r: Pick<OperationReport, 'kind' | 'outcome' | 'clusterName' | 'fromGeneration' | 'toGeneration'>,
  /** For a rollback: what it was asked to do (the failed operation's offer). */
  undoes?: OperationReport['rollback']
): string {
  const what = OPERATION_TITLES[r.kind]
  if (r.outcome === 'running') return `${what} is running on the nodes of ${r.clusterName}...`
  if (r.outcome === 'failed') {
    if (r.kind === 'create' && r.toGeneration === 0) return `Create Cluster failed on ${r.clusterName} before anything was written to the nodes.`
    // Destroy writes no generation: what matters is that it stops half way, and where the admin finds it again.
    if (r.kind === 'destroy') return `Destroy Cluster could not clean every node of ${r.clusterName}: it stays on this desktop's list, marked "Destroy incomplete", until the clean-up is retried.`
    return r.toGeneration === r.fromGeneration
      ? `${what} failed on ${r.clusterName}; the cluster's definition was not changed (generation ${r.fromGeneration}).`
      : `${what} failed on ${r.clusterName} after generation ${r.toGeneration} was written.`
  }
  if (r.kind === 'destroy') return `${r.clusterName} was destroyed: its agents, VIPs, services and files are gone from every node.`
  if (r.kind === 'create') return `The cluster ${r.clusterName} was created (generation ${r.toGeneration}).`
  if (r.kind === 'rollback') {
    return undoes !== 'remove-everything' && r.toGeneration > 0
      ? `Roll Back finished on ${r.clusterName}: every node is back on generation ${r.toGeneration}.`
      : `Roll Back finished on ${r.clusterName}: what the failed attempt put on the nodes was removed.`
  }
  return `${what} finished on ${r.clusterName}: now at generation ${r.toGeneration}.`
}

/** The first failed step, as "on n2: Start the agent: <why>", for an error that names the node. */
export function failedStepText(steps: readonly OperationStep[]): string | null {
  const f = steps.find((s) => s.state === 'failed')
  if (!f) return null
  return `${f.node ? `on ${f.node}: ` : ''}${f.title}${f.message ? `: ${f.message}` : ''}`
}

export const ROLLBACK_TEXT: Record<OperationReport['rollback'], { button: string; explain: string } | null> = {
  none: null,
  'previous-generation': {
    button: 'Roll Back',
    explain: 'Roll Back puts every node back on the previous generation of the cluster, as it was before this change.'
  },
  'remove-everything': {
    button: 'Remove Everything',
    explain: 'Remove Everything stops the agents this attempt started and removes what it put on the nodes, leaving them as they were before.'
  }
}
