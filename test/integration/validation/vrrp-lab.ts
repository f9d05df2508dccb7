// Runs the VRRP group's tests directly, as the validation runner would: a ClusterContext built
// from real SSH sessions to lab nodes (root by key on some, havipadm with sudo password on
// others), real facts, the nodes' eth0.
import { collectLinuxFacts } from '../../../electron/backend/platform/linux-facts'
import { linuxPlatform } from '../../../electron/backend/platform/linux-platform'
import type { ClusterContext, NodeContext, TestOutcome } from '../../../electron/backend/validation/test-module'
import { vrrpTests } from '../../../electron/backend/validation/groups/vrrp'
import { nodeExec, type LabNode } from '../../lab/lab'
import { ensureBundle } from '../agent/lab-agents'
import { makeEnv, type SshTestEnv } from '../ssh/helpers'

export interface VrrpLab {
  env: SshTestEnv
  nodes: LabNode[]
  contexts: NodeContext[]
  dispose(): Promise<void>
}

/**
 * Sessions to the first `count` lab nodes as the sudo user (password sudo), as an admin logs in.
 * (Not root: root's login shell on this machine runs `pyenv rehash`, which can stall a login
 * for 60 s on a stale lock; the probe's root commands go through sudo either way.)
 */
export async function openVrrpLab(count = 3): Promise<VrrpLab> {
  ensureBundle()
  const env = makeEnv()
  const nodes = env.lab.nodes.slice(0, count)
  if (nodes.length < count) throw new Error(`these tests need ${count} lab nodes; the lab has ${env.lab.nodes.length}`)
  const contexts = await Promise.all(nodes.map(async (n) => {
    const session = await env.pool.connect(env.adminTarget(n, { sudoPassword: env.sudoPassword }))
    const facts = await collectLinuxFacts(session)
    const ctx: NodeContext = { nodeId: `node-${n.name}`, label: n.name, host: n.address, session, facts, iface: facts.interfaces.find((x) => x.name === 'eth0'), platform: linuxPlatform }
    return ctx
  }))
  return { env, nodes, contexts, dispose: () => env.dispose() }
}

export interface Settings {
  vip: string
  vrid?: number
  advertIntervalMs?: number
  mode?: 'unicast' | 'multicast'
}

export function clusterOf(contexts: NodeContext[], s: Settings, signal: AbortSignal = new AbortController().signal): ClusterContext & { log: string[] } {
  const log: string[] = []
  return {
    nodes: contexts,
    settings: { vip: s.vip, prefix: 24, vrid: s.vrid, advertIntervalMs: s.advertIntervalMs ?? 1000, mode: s.mode ?? 'unicast' },
    signal,
    progress: (nodeId, message) => void log.push(`${nodeId}: ${message}`),
    log
  }
}

export type GroupResult = Record<string, Record<string, TestOutcome>> & { proposals?: { vrid?: number } }

/**
 * Runs every test of the group against one cluster context as the runner does: all at once,
 * cluster tests once, node tests per node, each with its own ClusterContext and signal (sharing
 * the run's settings object), then the proposals. Results by test id, then node id.
 */
export async function runGroup(base: ClusterContext): Promise<{ results: Record<string, Record<string, TestOutcome>>; proposedVrid?: number }> {
  const perTest = (): ClusterContext => ({ ...base, signal: base.signal })
  const results: Record<string, Record<string, TestOutcome>> = {}
  await Promise.all(vrrpTests.map(async (t) => {
    if (t.runCluster) results[t.meta.id] = await t.runCluster(perTest())
    else results[t.meta.id] = Object.fromEntries(await Promise.all(base.nodes.map(async (n) => [n.nodeId, await t.runNode!(n, perTest())] as const)))
  }))
  let proposedVrid: number | undefined
  for (const t of vrrpTests) proposedVrid ??= t.proposals?.(perTest())?.vrid
  return { results, proposedVrid }
}

/** Validation temp dirs on a node (a run must leave none of its own: compare with before). */
async function leftovers(node: LabNode): Promise<string[]> {
  const r = await nodeExec(node, ['sh', '-c', 'ls -d /run/havip/havip-validate-* /run/havip-validate-* 2>/dev/null; true'])
  return r.stdout.split('\n').filter(Boolean)
}

export function statuses(byNode: Record<string, TestOutcome>): Record<string, string> {
  return Object.fromEntries(Object.entries(byNode).map(([k, v]) => [k, v.status]))
}

/** Temp dirs on each node now, to compare after a run (only a run's own dirs are its business). */
export async function tempDirsByNode(nodes: LabNode[]): Promise<string[][]> {
  return Promise.all(nodes.map(leftovers))
}
