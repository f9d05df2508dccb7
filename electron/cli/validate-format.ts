// The validation report as text for a terminal: one line per test with each node's result, then
// the details and what to do for everything that is not Success, then the verdict.
import type { ValidationReport, ValidationStatus } from '../api/validation'
import { VALIDATION_GROUP_TITLES } from '../api/validation'

const MARK: Record<ValidationStatus, string> = { Success: 'ok', Warning: 'WARN', Failed: 'FAIL', NotRun: 'not run' }

export function formatReport(r: ValidationReport): string {
  const nodeName = new Map(r.nodes.map((n) => [n.id, n.facts?.hostname ?? n.host]))
  const lines: string[] = []
  lines.push(`Validation ${r.runId}${r.cancelled ? ' (cancelled)' : ''}: VIP ${r.settings.vip}, ${r.settings.mode}, advert ${r.settings.advertIntervalMs} ms${r.settings.vrid ? `, VRID ${r.settings.vrid}` : ''}`)
  lines.push(`Nodes: ${r.nodes.map((n) => `${nodeName.get(n.id)} (${n.host}${n.error ? `: ${n.error.message}` : ''})`).join(', ')}`)
  const problems: string[] = []
  for (const group of Object.keys(VALIDATION_GROUP_TITLES) as (keyof typeof VALIDATION_GROUP_TITLES)[]) {
    const tests = r.tests.filter((t) => t.group === group)
    if (tests.length === 0) continue
    lines.push('', VALIDATION_GROUP_TITLES[group])
    for (const t of tests) {
      const results = r.results.filter((x) => x.testId === t.id)
      const cells = results.map((x) => `${nodeName.get(x.nodeId) ?? x.nodeId}=${MARK[x.status]}`)
      lines.push(`  ${t.title.padEnd(48)} ${cells.join('  ')}`)
      for (const x of results) {
        if (x.status === 'Success') continue
        problems.push(`${MARK[x.status]} ${t.id} on ${nodeName.get(x.nodeId) ?? x.nodeId}: ${x.details}${x.remediation ? `\n      what to do: ${x.remediation}` : ''}`)
      }
    }
  }
  if (r.proposedVrid !== undefined) lines.push('', `Proposed free VRID: ${r.proposedVrid}`)
  if (problems.length > 0) lines.push('', 'Findings:', ...problems.map((p) => `  ${p}`))
  const s = r.summary
  lines.push('', `Result: ${s.overall} (${s.success} success, ${s.warning} warning, ${s.failed} failed, ${s.notRun} not run)`)
  if (r.files) lines.push(`Report: ${r.files.html}`)
  return lines.join('\n')
}
