// `havip status|move|simulate-failure|pause|resume|service`: the console from the terminal. The cluster is
// named by --cluster (or the status argument), or is the only one this data directory knows.
// Exit 2 when the cluster needs attention (status: a role not Online, a node not Up, a raised
// alert; resume: a role that could not fail back), 1 on an error of use or connection.
import { SIMULATE_FAILURE_MAX_MS, SIMULATE_FAILURE_MIN_MS, type ClusterState, type NodeActionResult } from '../api/console'
import type { KnownCluster } from '../api/cluster'
import { optionValue, UsageError } from './args'
import type { ClusterCommandEnv } from './cluster-command'
import { clusterNamed } from './cluster-command'
import { formatClusterState, formatMove, formatNodeAction, formatSimulateFailure, stateNeedsAttention } from './console-format'
import { EXIT_FAILED, EXIT_OK, type Output } from './output'

export interface ConsoleCommandEnv extends ClusterCommandEnv {
  /** Ends `status --watch` (SIGINT/SIGTERM in the real CLI). */
  signal?: AbortSignal
}

async function theCluster({ call, parsed }: ClusterCommandEnv, given?: string): Promise<KnownCluster> {
  const name = given ?? optionValue(parsed, '--cluster')
  if (name) return clusterNamed(call, name)
  const list = await call('clusters.list', {})
  if (list.length === 1) return list[0]!
  if (list.length === 0) throw new UsageError('no known cluster. Connect to one first: havip cluster connect [USER@]HOST')
  throw new UsageError(`this data directory knows ${list.length} clusters (${list.map((c) => c.name).join(', ')}): name one with --cluster NAME.`)
}

export async function runStatus(env: ConsoleCommandEnv): Promise<number> {
  const { call, out, parsed, backend } = env
  const k = await theCluster(env, env.args[0])
  out.progress(`watching cluster ${k.name} live: connecting to its nodes`)
  const first = await call('clusters.state', { clusterId: k.id })
  const print = (s: ClusterState): void => {
    if (out.json) out.result(JSON.stringify(s)) // --watch --json: one document per line
    else out.result(`${formatClusterState(s)}\n`)
  }
  if (!parsed.flags.has('--watch')) {
    if (out.json) out.resultJson(first)
    else out.result(formatClusterState(first))
    return stateNeedsAttention(first) ? EXIT_FAILED : EXIT_OK
  }
  print(first)
  let last = first.revision
  await new Promise<void>((resolve) => {
    const off = backend.events.on('cluster.state', (s) => {
      if (s.clusterId !== k.id || s.revision <= last) return
      last = s.revision
      print(s)
    })
    const done = (): void => {
      off()
      resolve()
    }
    if (env.signal?.aborted) done()
    env.signal?.addEventListener('abort', done, { once: true })
  })
  return EXIT_OK
}

export async function runMove(env: ConsoleCommandEnv): Promise<number> {
  const { call, out, parsed, args } = env
  const k = await theCluster(env)
  const to = optionValue(parsed, '--to')
  out.progress(`moving ${args[0]} of cluster ${k.name} to ${to ?? 'the best possible node'}`)
  const r = await call('clusters.move', { clusterId: k.id, role: args[0]!, ...(to ? { to } : {}) })
  if (out.json) out.resultJson(r)
  else out.result(formatMove(r))
  return EXIT_OK
}

/** Default length of a drill: long enough to watch the failover, short enough to be a drill. */
export const DEFAULT_SIMULATE_FOR = '30s'

/** "30s", "1m", "1500ms", "2m30s" -> ms; a bare number is seconds. Bounds as the agent's (1 s..10 min). */
export function parseDrillDuration(text: string): number {
  const t = text.trim()
  let ms = 0
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000
  else {
    const parts = /^(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(t)
    if (!parts || t === '') throw new UsageError(`--for ${text}: give a duration like 30s, 2m, 1m30s or 1500ms.`)
    ms = Number(parts[1] ?? 0) * 60_000 + Number(parts[2] ?? 0) * 1000 + Number(parts[3] ?? 0)
  }
  ms = Math.round(ms)
  if (ms < SIMULATE_FAILURE_MIN_MS || ms > SIMULATE_FAILURE_MAX_MS) throw new UsageError(`--for ${text}: a simulated failure lasts from 1s to 10m; for longer maintenance pause the node instead.`)
  return ms
}

export async function runSimulateFailure(env: ConsoleCommandEnv): Promise<number> {
  const { call, out, parsed, args } = env
  const durationMs = parseDrillDuration(optionValue(parsed, '--for') ?? DEFAULT_SIMULATE_FOR)
  const k = await theCluster(env)
  out.progress(`simulating a failure of the owner of ${args[0]} (cluster ${k.name}) for ${durationMs / 1000} s: the role fails over now`)
  const r = await call('clusters.simulateFailure', { clusterId: k.id, role: args[0]!, durationMs })
  if (out.json) out.resultJson(r)
  else out.result(formatSimulateFailure(r))
  return EXIT_OK
}

/** Pause, resume and service print the same result; a warning (e.g. a role that could not fail back) exits 2. */
function printNodeAction(out: Output, r: NodeActionResult): number {
  if (out.json) out.resultJson(r)
  else out.result(formatNodeAction(r))
  return r.warnings.length > 0 ? EXIT_FAILED : EXIT_OK
}

export async function runPause(env: ConsoleCommandEnv): Promise<number> {
  const { call, out, parsed, args } = env
  const k = await theCluster(env)
  const drain = !parsed.flags.has('--no-drain')
  out.progress(`pausing ${args[0]} of cluster ${k.name}${drain ? ', draining its roles first' : ' without draining'}`)
  const r = await call('clusters.pauseNode', { clusterId: k.id, node: args[0]!, drain })
  return printNodeAction(out, r)
}

export async function runResume(env: ConsoleCommandEnv): Promise<number> {
  const { call, out, parsed, args } = env
  const k = await theCluster(env)
  const failback = parsed.flags.has('--failback')
  out.progress(`resuming ${args[0]} of cluster ${k.name}${failback ? ' and failing its roles back' : ''}`)
  const r = await call('clusters.resumeNode', { clusterId: k.id, node: args[0]!, failback })
  return printNodeAction(out, r)
}

export async function runService(env: ConsoleCommandEnv): Promise<number> {
  const { call, out, args } = env
  const [action, node] = args as [string, string]
  if (action !== 'stop' && action !== 'start') throw new UsageError(`havip service: the action is stop or start, got "${action}".`)
  const k = await theCluster(env)
  out.progress(`${action === 'stop' ? 'stopping' : 'starting'} the Cluster Service on ${node} (cluster ${k.name})`)
  const r = await call('clusters.nodeService', { clusterId: k.id, node, action })
  return printNodeAction(out, r)
}
