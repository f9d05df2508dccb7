/** Human-readable rendering of control answers for `havip-agent ctl` without --json. */
import type { AgentStatus } from '../agent'
import type { AgentEvent, InstanceStatus } from '../instance'
import type { ReloadResult } from '../reload/plan'

export function table(rows: string[][]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')
}

function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000)
  return s < 60 ? `${s.toFixed(1)}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`
}

export function formatInstances(list: InstanceStatus[], now = Date.now()): string {
  const rows = [['INSTANCE', 'VRID', 'STATE', 'PRIO base/eff', 'MASTER', 'VIPS HELD', 'ADVERTS sent/recv/bad', 'TRANSPORT']]
  for (const i of list) {
    rows.push([
      i.name,
      String(i.vrid),
      i.state.toUpperCase() + (i.takeover ? ' (takeover)' : '') + (i.paused ? ' (paused)' : '') + (i.simulatedFailure ? ' (simulated)' : ''),
      `${i.basePriority}/${i.effectivePriority}`,
      i.masterAddress ? `${i.masterAddress}${i.masterPriority !== undefined ? ` (${i.masterPriority})` : ''}` : '-',
      i.vipsHeld.length > 0 ? i.vipsHeld.join(',') : '-',
      `${i.adverts.sent}/${i.adverts.received}/${i.adverts.badTotal}`,
      `${i.transport.kind} ${i.transport.mode}`
    ])
  }
  const lines = [table(rows)]
  for (const i of list) {
    if (i.lastTransition) lines.push(`${i.name}: last transition ${i.lastTransition.from} -> ${i.lastTransition.to} ${ago(i.lastTransition.at, now)}: ${i.lastTransition.reason}`)
    if (i.health) lines.push(`${i.name}: health: ${i.health}`)
    for (const p of i.peers) lines.push(`${i.name}: peer ${p.address} priority ${p.priority} every ${p.advertIntervalMs} ms, last seen ${ago(p.lastSeen, now)}`)
    if (i.adverts.badTotal > 0) lines.push(`${i.name}: bad adverts: ${Object.entries(i.adverts.bad).map(([k, v]) => `${k}=${v}`).join(' ')}`)
    if (i.transport.note) lines.push(`${i.name}: WARNING ${i.transport.note}`)
  }
  return lines.join('\n')
}

export function formatStatus(s: AgentStatus, now = Date.now()): string {
  const head = `havip-agent ${s.version} on Node.js ${s.nodeVersion} pid ${s.pid}, started ${s.startedAt}, transport ${s.transport}${s.interoperable ? '' : ' (NOT interoperable with keepalived)'}`
  const warn = s.warnings.map((w) => `WARNING ${w}`)
  return [head, ...warn, '', formatInstances(s.instances, now)].join('\n')
}

export function formatReload(r: ReloadResult): string {
  const list = (names: string[]): string => (names.length > 0 ? names.join(', ') : '-')
  const lines = [`reload: done`, `kept: ${list(r.kept)}`, `added: ${list(r.added)}`, `removed: ${list(r.removed)}`, `restarted: ${list(r.restarted)}`, `failback updated: ${list(r.updated)}`]
  for (const n of r.notApplied) lines.push(`NOT APPLIED ${n}`)
  return lines.join('\n')
}

export function formatEvent(e: AgentEvent): string {
  const who = e.instance ? `${e.instance}: ` : ''
  switch (e.type) {
    case 'transition':
      return `${e.time} ${who}${e.from} -> ${e.to} (priority ${e.priority}): ${e.reason}`
    case 'health':
      return `${e.time} ${who}health: priority ${e.priority}, ${e.reason}`
    default:
      return `${e.time} ${who}${e.type}${e.message ? `: ${e.message}` : ''}${e.reason ? `: ${e.reason}` : ''}`
  }
}
