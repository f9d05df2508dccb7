// How `havip cluster list|show|connect` print a cluster for a person (--json prints the API's
// own values instead).
import type { ClusterView, KnownCluster } from '../api/cluster'
import { destroyIncompleteText } from '../api/destroy-incomplete'

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd())
}

export function formatKnownClusters(list: KnownCluster[]): string {
  if (list.length === 0) return 'No known clusters. Connect to one with: havip cluster connect [USER@]HOST'
  const rows = table([
    ['NAME', 'ID', 'GEN', 'NODES', 'ROLES', 'LAST SEEN'],
    ...list.map((c) => [c.name, c.id, String(c.generation), c.nodes.map((n) => n.name).join(','), c.roles.map((r) => `${r.name}=${r.vip}`).join(',') || '-', c.lastSeenAt])
  ])
  const marked = list.flatMap((c) => (c.destroyIncomplete ? [`${c.name}: ${destroyIncompleteText(c.destroyIncomplete)}. Retry: havip cluster destroy ${c.name} --yes`] : []))
  return [...rows, ...(marked.length > 0 ? ['', ...marked] : [])].join('\n')
}

function failbackText(f: ClusterView['definition']['roles'][number]['failback']): string {
  return f.policy === 'window' ? `window ${f.startHour}:00-${f.endHour}:00` : f.policy
}

/** Whether the view shows something the admin must act on: a node not read, or holding another generation. */
export function clusterNeedsAttention(v: ClusterView): boolean {
  return v.nodes.some((n) => n.reach !== 'connected' || n.generationMismatch || n.error !== undefined)
}

export function formatClusterView(v: ClusterView): string {
  const d = v.definition
  const lines = [`Cluster ${d.name} (${d.id}), generation ${d.generation}, written by ${d.writtenBy} at ${d.updatedAt}`, '', 'Nodes:']
  lines.push(
    ...table([
      ['NAME', 'ADDRESS', 'SSH', 'REACH', 'GEN', 'AGENT', 'SERVICE'],
      ...v.nodes.map((n) => {
        const def = d.nodes.find((x) => x.name === n.name)
        return [
          n.name,
          def ? `${def.address} (${def.interface})` : '-',
          `${n.username}@${n.host}:${n.port}`,
          n.reach,
          n.generation === null ? '-' : `${n.generation}${n.generationMismatch ? ' (differs)' : ''}`,
          n.agentVersion ?? '-',
          n.serviceKind ?? '-'
        ]
      })
    ]).map((l) => `  ${l}`)
  )
  lines.push('', 'Roles:')
  if (d.roles.length === 0) lines.push('  (none)')
  for (const r of d.roles) {
    lines.push(
      `  ${r.name}: VIP ${r.vip}, VRID ${r.vrid}, VRRPv${r.version}, adverts every ${r.advertIntervalMs} ms, ${r.mode}, ` +
        `auth ${r.auth.type === 'pass' ? 'password' : 'none'}, preferred owners ${r.preferredOwners.join(' > ') || '(none)'}, failback ${failbackText(r.failback)}`
    )
  }
  const problems = v.nodes.filter((n) => n.error)
  if (problems.length > 0) {
    lines.push('', 'Attention:')
    for (const n of problems) lines.push(`  ${n.name}: ${n.error!.message}${n.error!.hint ? `\n    what to do: ${n.error!.hint}` : ''}`)
  }
  return lines.join('\n')
}
