// Runs the chosen tests on the reachable nodes: every node in parallel, each test on each node
// under a time bound, cluster-scope tests once over all nodes. A slow node fails only its own
// tests (with the reason); an unreachable one has all its tests Failed with why it could not
// be reached; Cancel makes every unfinished test NotRun and returns at once.
import { setMaxListeners } from 'node:events'
import type { ApiError } from '../../api/errors'
import type { ValidationProgress, ValidationResult } from '../../api/validation'
import { ApiException } from '../../api/errors'
import { SshError } from '../ssh/errors'
import type { ClusterContext, NodeContext, TestOutcome, ValidationTestDef } from './test-module'

export const DEFAULT_TEST_TIMEOUT_MS = 20_000
/** Tests run side by side on one node; the SSH session itself allows 8 channels. */
const TESTS_IN_PARALLEL_PER_NODE = 6

export interface RunnerInput {
  tests: readonly ValidationTestDef[]
  nodes: readonly NodeContext[]
  /** Nodes that could not be reached or prepared: all their tests are Failed with this error. */
  unreachable: readonly { nodeId: string; label: string; error: ApiError }[]
  settings: ClusterContext['settings']
  signal: AbortSignal
  defaultTimeoutMs?: number
  onProgress(p: Omit<ValidationProgress, 'runId'>): void
  onResult(r: ValidationResult): void
}

/** Runs every test; resolves (never rejects) once each test has a result on each node. */
export async function runTests(input: RunnerInput): Promise<{ proposedVrid?: number }> {
  // Every running test listens on the run's signal: tests x nodes listeners are expected.
  setMaxListeners(0, input.signal)
  for (const u of input.unreachable) {
    // Cancelled while connecting: the node was not judged, so its tests are NotRun, not Failed.
    const outcome = input.signal.aborted ? cancelledOutcome() : unreachableOutcome(u.label, u.error)
    for (const t of input.tests) finish(input, t, u.nodeId, Date.now(), outcome)
  }
  const nodeTests = input.tests.filter((t) => t.meta.scope === 'node' && t.runNode)
  const clusterTests = input.tests.filter((t) => t.meta.scope === 'cluster' && t.runCluster)
  const broken = input.tests.filter((t) => !nodeTests.includes(t) && !clusterTests.includes(t))
  for (const t of broken) {
    for (const n of input.nodes) {
      finish(input, t, n.nodeId, Date.now(), { status: 'NotRun', details: `The test ${t.meta.id} has no implementation for its scope "${t.meta.scope}".` })
    }
  }
  const proposals: { proposedVrid?: number } = {}
  await Promise.all([
    ...input.nodes.map((node) => limitParallel(nodeTests, TESTS_IN_PARALLEL_PER_NODE, (t) => runOnNode(input, t, node))),
    limitParallel(clusterTests, TESTS_IN_PARALLEL_PER_NODE, (t) => runOnCluster(input, t))
  ])
  if (!input.signal.aborted) {
    for (const t of input.tests) {
      try {
        const p = t.proposals?.(clusterContext(input, t, input.signal))
        if (p?.vrid !== undefined && proposals.proposedVrid === undefined) proposals.proposedVrid = p.vrid
      } catch {
        // A proposal is a convenience; a failing one leaves the report without it.
      }
    }
  }
  return proposals
}

/**
 * Runs one node-scope test again on one node, with the other nodes as its cluster (after a fix
 * the admin confirmed): the same time bound and error handling as a run, one result back.
 */
export async function rerunOnNode(
  t: ValidationTestDef,
  node: NodeContext,
  input: Pick<RunnerInput, 'nodes' | 'settings' | 'signal' | 'defaultTimeoutMs'>
): Promise<ValidationResult> {
  let result: ValidationResult | undefined
  const all: RunnerInput = { ...input, tests: [t], unreachable: [], onProgress: () => {}, onResult: (r) => (result = r) }
  await runOnNode(all, t, node)
  return result!
}

/** Whether a test applies to a node's platform (tests are Linux-only unless they say otherwise). */
export function appliesTo(t: ValidationTestDef, node: NodeContext): boolean {
  return (t.platforms ?? ['linux']).includes(node.platform.platform)
}

function notForPlatformOutcome(t: ValidationTestDef, node: NodeContext): TestOutcome {
  const name = node.platform.platform === 'windows' ? 'Windows' : 'Linux'
  return { status: 'NotRun', details: `Does not apply to ${node.label}: "${t.meta.title}" is a test for ${(t.platforms ?? ['linux']).map((p) => (p === 'windows' ? 'Windows' : 'Linux')).join(' and ')} nodes, and this node runs ${name}.` }
}

async function runOnNode(input: RunnerInput, t: ValidationTestDef, node: NodeContext): Promise<void> {
  const started = Date.now()
  if (input.signal.aborted) return finish(input, t, node.nodeId, started, cancelledOutcome())
  if (!appliesTo(t, node)) return finish(input, t, node.nodeId, started, notForPlatformOutcome(t, node))
  input.onProgress({ testId: t.meta.id, nodeId: node.nodeId, status: 'Running' })
  const outcome = await bounded(input, t, [node], (cluster) => t.runNode!(node, cluster))
  finish(input, t, node.nodeId, started, outcome.get(node.nodeId) ?? outcome.get('*')!)
}

async function runOnCluster(all: RunnerInput, t: ValidationTestDef): Promise<void> {
  const started = Date.now()
  for (const n of all.nodes) if (!appliesTo(t, n)) finish(all, t, n.nodeId, started, notForPlatformOutcome(t, n))
  // The test sees only the nodes it applies to (a Linux test in a mixed cluster judges the Linux nodes).
  const input: RunnerInput = { ...all, nodes: all.nodes.filter((n) => appliesTo(t, n)) }
  if (input.nodes.length === 0) return
  if (input.signal.aborted) {
    for (const n of input.nodes) finish(input, t, n.nodeId, started, cancelledOutcome())
    return
  }
  for (const n of input.nodes) input.onProgress({ testId: t.meta.id, nodeId: n.nodeId, status: 'Running' })
  const outcomes = await bounded(input, t, input.nodes, async (cluster) => new Map(Object.entries(await t.runCluster!(cluster))))
  for (const n of input.nodes) {
    const o = outcomes.get(n.nodeId) ?? outcomes.get('*') ?? {
      status: 'Failed' as const,
      details: `The test gave no result for ${n.label}.`,
      remediation: 'This is a defect of the test; report it with the JSON report attached.'
    }
    finish(input, t, n.nodeId, started, o)
  }
}

/**
 * Runs one test under its time bound and the run's cancel. Resolves to the outcomes by node id,
 * or to one outcome under '*' when the test did not finish (timeout, cancel, an exception).
 */
async function bounded(
  input: RunnerInput,
  t: ValidationTestDef,
  nodes: readonly NodeContext[],
  run: (cluster: ClusterContext) => Promise<Map<string, TestOutcome> | TestOutcome>
): Promise<Map<string, TestOutcome>> {
  const timeoutMs = t.timeoutMs ?? input.defaultTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS
  const controller = new AbortController()
  let stop!: (o: TestOutcome) => void
  const stopped = new Promise<TestOutcome>((resolve) => (stop = resolve))
  const onCancel = (): void => {
    controller.abort()
    stop(cancelledOutcome())
  }
  input.signal.addEventListener('abort', onCancel, { once: true })
  if (input.signal.aborted) onCancel()
  const timer = setTimeout(() => {
    controller.abort()
    stop(timeoutOutcome(t, nodes, timeoutMs))
  }, timeoutMs)
  const cluster = clusterContext(input, t, controller.signal)
  try {
    const result = await Promise.race([run(cluster).catch((err: unknown) => errorOutcome(t.meta.title, err)), stopped])
    return result instanceof Map ? result : new Map([['*', result]])
  } finally {
    clearTimeout(timer)
    input.signal.removeEventListener('abort', onCancel)
    controller.abort() // anything the test left running should stop now
  }
}

function clusterContext(input: RunnerInput, t: ValidationTestDef, signal: AbortSignal): ClusterContext {
  return {
    nodes: [...input.nodes],
    settings: input.settings,
    signal,
    progress: (nodeId, message) => input.onProgress({ testId: t.meta.id, nodeId, status: 'Running', message: message.slice(0, 500) })
  }
}

function finish(input: RunnerInput, t: ValidationTestDef, nodeId: string, started: number, o: TestOutcome): void {
  const result: ValidationResult = {
    testId: t.meta.id,
    nodeId,
    status: o.status,
    details: o.details.slice(0, 4000),
    ...(o.remediation ? { remediation: o.remediation.slice(0, 2000) } : {}),
    ...(o.evidence?.length
      ? { evidence: o.evidence.slice(0, 64).map((e) => ({ label: e.label.slice(0, 200), value: e.value.slice(0, 1000) })) }
      : {}),
    ...(o.fix ? { fix: o.fix } : {}),
    durationMs: Math.max(0, Date.now() - started)
  }
  input.onResult(result)
  input.onProgress({ testId: t.meta.id, nodeId, status: o.status, message: result.details.slice(0, 500) })
}

function unreachableOutcome(label: string, error: ApiError): TestOutcome {
  return {
    status: 'Failed',
    details: `${label} could not be reached, so this test did not run there: ${error.message}`,
    remediation: error.hint ?? 'Check that the node is up and reachable over SSH, then validate again.'
  }
}

export function cancelledOutcome(): TestOutcome {
  return { status: 'NotRun', details: 'Not run: the validation was cancelled before this test finished.', remediation: 'Run the validation again to get this result.' }
}

function timeoutOutcome(t: ValidationTestDef, nodes: readonly NodeContext[], ms: number): TestOutcome {
  const where = nodes.length === 1 ? `on ${nodes[0]!.label}` : 'on every node'
  return {
    status: 'Failed',
    details: `"${t.meta.title}" did not finish within ${Math.round(ms / 1000)} s ${where}: the node is slow to answer or a command hangs.`,
    remediation: 'Check the node\'s load and its SSH responsiveness (a hung mount or a slow name lookup also stalls commands), then validate again.'
  }
}

/** A test that threw: SSH and sudo failures keep their message and hint; anything else is named as unexpected. */
export function errorOutcome(title: string, err: unknown): TestOutcome {
  if (err instanceof SshError) return { status: 'Failed', details: `${title}: ${err.message}`, remediation: err.hint }
  if (err instanceof ApiException) {
    return { status: 'Failed', details: `${title}: ${err.error.message}`, ...(err.error.hint ? { remediation: err.error.hint } : {}) }
  }
  const message = err instanceof Error ? err.message : String(err)
  return {
    status: 'Failed',
    details: `${title} failed unexpectedly: ${message}`,
    remediation: 'This was not expected; validate again, and report it with the JSON report if it persists.'
  }
}

/** Calls fn for every item with at most n running at once. */
async function limitParallel<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker))
}
