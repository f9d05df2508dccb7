// How `havip status|move|pause|resume|service` print for a person (--json prints the API's own
// values instead).
import type { ClusterState, MoveResult, NodeActionResult, SimulateFailureResult } from '../api/console'

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)))
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd())
}

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never'
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`
}

/** The state needs the admin: a role not Online, a node not Up, or a raised alert. */
export function stateNeedsAttention(s: ClusterState): boolean {
  return s.roles.some((r) => r.state !== 'Online') || s.nodes.some((n) => n.state !== 'Up') || s.alerts.some((a) => a.clearedAt === null)
}

export function formatClusterState(s: ClusterState, now = Date.parse(s.at)): string {
  const lines = [`Cluster ${s.name} (${s.clusterId}), generation ${s.generation}, at ${s.at}`, '', 'Roles:']
  lines.push(
    ...table([
      ['ROLE', 'VIP', 'VRID', 'STATE', 'OWNER', 'PREFERRED', 'FAILBACK', 'LAST TRANSITION'],
      ...s.roles.map((r) => [
        r.name,
        r.vip,
        String(r.vrid),
        r.state,
        r.owner ?? (r.claimants.length > 1 ? r.claimants.join('+') : '-'),
        r.preferredOwners.join(',') || '-',
        r.failback,
        r.lastTransition ? `${r.lastTransition.node} ${r.lastTransition.from}->${r.lastTransition.to} ${ago(r.lastTransition.at, now)}: ${r.lastTransition.cause}` : '-'
      ])
    ]).map((l) => `  ${l}`)
  )
  lines.push('', 'Nodes:')
  const roleNames = s.roles.map((r) => r.name)
  lines.push(
    ...table([
      ['NODE', 'STATE', 'AGENT', 'LAST SEEN', ...roleNames.map((r) => `${r.toUpperCase()} (prio)`)],
      ...s.nodes.map((n) => [
        n.name,
        n.state,
        n.agentVersion ?? '-',
        n.state === 'Unreachable' ? ago(n.lastSeenAt, now) : 'now',
        ...roleNames.map((r) => {
          const x = n.roles.find((y) => y.role === r)
          return x ? `${x.state}${x.effectivePriority !== null ? ` (${x.effectivePriority})` : ''}${x.holdsVip ? ' VIP' : ''}` : '-'
        })
      ])
    ]).map((l) => `  ${l}`)
  )
  for (const n of s.nodes) if (n.problem) lines.push(`  ${n.name}: ${n.problem}`)
  const raised = s.alerts.filter((a) => a.clearedAt === null)
  const cleared = s.alerts.filter((a) => a.clearedAt !== null)
  lines.push('', raised.length > 0 ? 'ALERTS:' : 'Alerts: none')
  for (const a of raised) lines.push(`  ${a.kind} since ${a.since}: ${a.message}`)
  for (const a of cleared.slice(0, 5)) lines.push(`  (cleared ${a.clearedAt}) ${a.kind}: ${a.message}`)
  return lines.join('\n')
}

export function formatMove(m: MoveResult): string {
  return `${m.message}\n  outage: ${m.outageMs === null ? 'not measured' : `${m.outageMs} ms`} (${m.measuredBy})`
}

export function formatSimulateFailure(r: SimulateFailureResult): string {
  return [
    `Simulated failure of ${r.failedNode}: role ${r.role} failed over to ${r.newOwner}.`,
    `  outage: ${r.outageMs === null ? 'not measured' : `${r.outageMs} ms`} (${r.measuredBy})`,
    `  ${r.failedNode} recovers at ${r.recoversAt}; ${r.failback}.`
  ].join('\n')
}

export function formatNodeAction(r: NodeActionResult): string {
  const lines = [r.message, `  ${r.node} is now ${r.nodeState}.`]
  for (const m of r.moves) lines.push(`  ${formatMove(m).replace(/\n/g, '\n  ')}`)
  for (const w of r.warnings) lines.push(`  WARNING ${w.node ? `${w.node}: ` : ''}${w.message}${w.hint ? ` (${w.hint})` : ''}`)
  return lines.join('\n')
}
