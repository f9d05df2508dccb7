// What the test groups share for reading a node: bounded commands (argv, never a shell string
// built from input), per-node gathering for cluster tests, and the shape of a test's meta.
import type { ValidationGroup, ValidationTest } from '../../../api/validation'
import type { ExecResult } from '../../ssh/session'
import { errorOutcome } from '../runner'
import type { ClusterContext, NodeContext, TestOutcome } from '../test-module'

/** One command on a node is given this long unless a test says otherwise. */
export const COMMAND_TIMEOUT_MS = 10_000

export function run(node: NodeContext, argv: string[], opts: { sudo?: boolean; timeoutMs?: number } = {}): Promise<ExecResult> {
  return node.session.exec(argv, { timeoutMs: opts.timeoutMs ?? COMMAND_TIMEOUT_MS, ...(opts.sudo ? { sudo: true } : {}) })
}

/** Every program a test asks about, looked up once per node and run (one command instead of one per test). */
const KNOWN_PROGRAMS = ['arping', 'ping', 'ip', 'nft', 'iptables-save', 'iptables-legacy-save', 'firewall-cmd']
/** Keyed by the run's NodeContext: a new run looks again (the admin may have installed something). */
const programCache = new WeakMap<NodeContext, Promise<Map<string, string>>>()

/**
 * Which of these programs the node has (as root sees its PATH, sbin included), by name → path.
 * The script is a fixed literal; the names travel as its arguments.
 */
export async function programsOn(node: NodeContext, names: string[]): Promise<Map<string, string>> {
  const unknown = names.filter((n) => !KNOWN_PROGRAMS.includes(n))
  if (unknown.length > 0) return lookUpPrograms(node, names)
  let all = programCache.get(node)
  if (!all) {
    all = lookUpPrograms(node, KNOWN_PROGRAMS)
    programCache.set(node, all)
    all.catch(() => programCache.delete(node)) // a failed look-up is not remembered
  }
  const found = await all
  return new Map([...found].filter(([name]) => names.includes(name)))
}

async function lookUpPrograms(node: NodeContext, names: string[]): Promise<Map<string, string>> {
  const r = await run(node, ['sh', '-c', 'for p in "$@"; do command -v "$p" || :; done', 'sh', ...names], { sudo: true })
  const found = new Map<string, string>()
  for (const line of r.stdout.split('\n').map((l) => l.trim())) {
    const name = line.split('/').pop()
    if (line.startsWith('/') && name && names.includes(name)) found.set(name, line)
  }
  return found
}

export type NodeAnswer<T> = { ok: true; value: T } | { ok: false; outcome: TestOutcome }

/**
 * A cluster test's data from every node, each node on its own (a slow or failing node yields its
 * error outcome, the others still answer). Resolves once each node answered or failed.
 */
export async function fromEveryNode<T>(
  cluster: ClusterContext,
  what: string,
  read: (node: NodeContext) => Promise<T>
): Promise<Map<string, NodeAnswer<T>>> {
  const entries = await Promise.all(
    cluster.nodes.map(async (n): Promise<[string, NodeAnswer<T>]> => {
      try {
        return [n.nodeId, { ok: true, value: await read(n) }]
      } catch (err) {
        return [n.nodeId, { ok: false, outcome: errorOutcome(what, err) }]
      }
    })
  )
  return new Map(entries)
}

export function meta(group: ValidationGroup, id: string, title: string, checks: string, scope: 'node' | 'cluster', needsRoot: boolean): ValidationTest {
  return { id: `${group}.${id}`, group, title, checks, scope, needsRoot }
}

export const ok = (details: string, evidence?: TestOutcome['evidence']): TestOutcome => ({ status: 'Success', details, ...(evidence ? { evidence } : {}) })
export const warn = (details: string, remediation: string, evidence?: TestOutcome['evidence']): TestOutcome => ({ status: 'Warning', details, remediation, ...(evidence ? { evidence } : {}) })
export const fail = (details: string, remediation: string, evidence?: TestOutcome['evidence']): TestOutcome => ({ status: 'Failed', details, remediation, ...(evidence ? { evidence } : {}) })
