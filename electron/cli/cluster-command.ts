// `havip cluster connect|list|show|export`: the read side of clusters from the terminal.
// connect and show reach the nodes with what the data directory remembers; node options
// (--identity, --password-file, --trust-new-host-keys) help the nodes that need the admin,
// the way the app's Connect dialog would. Exit 2 when a node could not be read or holds another
// generation (the cluster needs attention), 1 on an error of use or connection.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ClusterView, KnownCluster } from '../api/cluster'
import { ExportFormatSchema } from '../api/cluster'
import { writeFileAtomic } from '../backend/store/atomic-file'
import type { CallApi } from './api-client'
import { optionValue, UsageError, type Parsed } from './args'
import { clusterNeedsAttention, formatClusterView, formatKnownClusters } from './cluster-format'
import { connectNode, type CredentialOptions } from './connect-nodes'
import { nodeKey, parseNodeSpec } from './node-spec'
import { EXIT_FAILED, EXIT_OK, type Output } from './output'
import { credentialOptions, type CommandEnv } from './validate-command'

export interface ClusterCommandEnv extends CommandEnv {
  /** The positional arguments after the command words. */
  args: string[]
}

function refuseNodeOption(p: Parsed, command: string): void {
  if (p.options['--node']) throw new UsageError(`havip ${command}: the nodes come from the cluster itself; --node is not used here.`)
}

/** A known cluster by its name (case-insensitive) or id. */
export async function clusterNamed(call: CallApi, name: string): Promise<KnownCluster> {
  const list = await call('clusters.list', {})
  const byId = list.find((c) => c.id === name)
  if (byId) return byId
  const matches = list.filter((c) => c.name.toLowerCase() === name.toLowerCase())
  if (matches.length === 1) return matches[0]!
  if (matches.length > 1) throw new UsageError(`${matches.length} known clusters are named ${name} (${matches.map((c) => c.id).join(', ')}); name one by its id.`)
  throw new UsageError(`no known cluster is named ${name}${list.length ? ` (known: ${list.map((c) => c.name).join(', ')})` : ''}. Connect to it first: havip cluster connect [USER@]HOST`)
}

/**
 * Nodes that need the admin get the node options' help: a host key pinned with
 * --trust-new-host-keys, credentials from --identity/--password-file (or ssh-agent and
 * ~/.ssh keys). Returns whether any node was connected (then the cluster is read again).
 */
async function helpNodes(call: CallApi, view: ClusterView, o: CredentialOptions, out: Output): Promise<boolean> {
  const canHelp = (reach: string) => (reach === 'host-key-unknown' && o.trustNewHostKeys) || (reach === 'needs-credentials' && (o.identity !== undefined || o.passwordFile !== undefined))
  const todo = view.nodes.filter((n) => canHelp(n.reach))
  if (todo.length === 0) return false
  const saved = await call('connections.list', {})
  let helped = false
  for (const n of todo) {
    const spec = { username: n.username, host: n.host, port: n.port, text: `${n.username}@${n.host}:${n.port}` }
    try {
      await connectNode(call, spec, o, out.progress, saved.find((c) => nodeKey(c) === nodeKey(spec)))
      helped = true
    } catch (err) {
      out.progress(`cannot reach ${n.name} (${spec.text}): ${(err as Error).message}`)
    }
  }
  return helped
}

function printView(out: Output, view: ClusterView): number {
  if (out.json) out.resultJson(view)
  else out.result(formatClusterView(view))
  return clusterNeedsAttention(view) ? EXIT_FAILED : EXIT_OK
}

export async function runClusterConnect({ call, parsed: p, out, args }: ClusterCommandEnv): Promise<number> {
  refuseNodeOption(p, 'cluster connect')
  const spec = parseNodeSpec(args[0]!)
  const o = credentialOptions(p)
  const saved = (await call('connections.list', {})).find((c) => nodeKey(c) === nodeKey(spec))
  const entry = await connectNode(call, spec, o, out.progress, saved)
  out.progress(`reading the cluster definition on ${spec.host}`)
  let view = await call('clusters.connect', { connectionId: entry.connection.id })
  out.progress(`found cluster ${view.definition.name} (${view.definition.id}), generation ${view.definition.generation}, ${view.definition.nodes.length} node(s)`)
  if (await helpNodes(call, view, o, out)) view = await call('clusters.get', { clusterId: view.definition.id })
  return printView(out, view)
}

export async function runClusterList({ call, out }: ClusterCommandEnv): Promise<number> {
  const list = await call('clusters.list', {})
  if (out.json) out.resultJson(list)
  else out.result(formatKnownClusters(list))
  return EXIT_OK
}

export async function runClusterShow({ call, parsed: p, out, args }: ClusterCommandEnv): Promise<number> {
  refuseNodeOption(p, 'cluster show')
  const k = await clusterNamed(call, args[0]!)
  out.progress(`reading cluster ${k.name} from its nodes`)
  let view = await call('clusters.get', { clusterId: k.id })
  if (await helpNodes(call, view, credentialOptions(p), out)) view = await call('clusters.get', { clusterId: k.id })
  return printView(out, view)
}

export async function runClusterExport({ call, parsed: p, out, args }: ClusterCommandEnv): Promise<number> {
  refuseNodeOption(p, 'cluster export')
  const formatText = optionValue(p, '--format') ?? 'keepalived'
  const format = ExportFormatSchema.safeParse(formatText)
  if (!format.success) throw new UsageError(`--format ${formatText}: use keepalived or json.`)
  const k = await clusterNamed(call, args[0]!)
  out.progress(`reading cluster ${k.name} from its nodes`)
  const { files } = await call('clusters.export', { clusterId: k.id, format: format.data })
  const dir = optionValue(p, '--output-dir')
  if (dir) {
    const target = path.resolve(dir)
    fs.mkdirSync(target, { recursive: true, mode: 0o700 })
    // 0600: every file holds the VRRP password.
    for (const f of files) {
      writeFileAtomic(path.join(target, f.fileName), f.content, 0o600)
      out.progress(`wrote ${path.join(target, f.fileName)}`)
    }
  }
  if (out.json) out.resultJson({ files })
  else if (!dir) out.result(files.length === 1 ? files[0]!.content : files.map((f) => `### ${f.fileName}\n${f.content}`).join('\n'))
  return EXIT_OK
}
