// The report as one self-contained HTML file: inline CSS, no scripts, no network, readable in
// any browser and printable. Everything that came from a node (hostnames, details, evidence)
// is HTML-escaped: a node must not be able to inject markup into the admin's report.
import { VALIDATION_GROUP_TITLES, type ValidationReport, type ValidationResult, type ValidationStatus } from '../../api/validation'

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const STATUS_TEXT: Record<ValidationStatus, string> = { Success: 'Success', Warning: 'Warning', Failed: 'Failed', NotRun: 'Not run' }

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #d0d0d0;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f2f2f2}
.s-Success{color:#11632a;font-weight:600}.s-Warning{color:#8a5a00;font-weight:600}.s-Failed{color:#b00020;font-weight:600}.s-NotRun{color:#555;font-weight:600}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff;font-weight:600}
.b-Success{background:#1e7e34}.b-Warning{background:#b8860b}.b-Failed{background:#b00020}
.muted{color:#555}.remedy{margin-top:4px;padding:4px 6px;background:#fff8e1;border-left:3px solid #b8860b}
.checks{color:#444;margin:0 0 6px}code,.ev{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all}
@media print{body{margin:0}}
`

export function renderReportHtml(report: ValidationReport): string {
  const e = escapeHtml
  const s = report.summary
  const nodeName = new Map(report.nodes.map((n) => [n.id, n.label]))
  const byTest = new Map<string, ValidationResult[]>()
  for (const r of report.results) byTest.set(r.testId, [...(byTest.get(r.testId) ?? []), r])
  const out: string[] = []
  out.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">`)
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`)
  out.push(`<title>Validation report ${e(report.runId)}</title><style>${CSS}</style></head><body>`)
  out.push(`<h1>Validate a Configuration: report</h1>`)
  out.push(`<p><span class="badge b-${s.overall}">${e(s.overall)}</span> ${s.success} success, ${s.warning} warning, ${s.failed} failed, ${s.notRun} not run${report.cancelled ? ' — <strong>cancelled</strong>' : ''}</p>`)
  out.push(`<table><tbody>`)
  const rows: [string, string][] = [
    ['Run', report.runId],
    ['Started', report.startedAt],
    ['Finished', report.finishedAt ?? '(still running)'],
    ['VIP', report.settings.vip],
    ['VRID', report.settings.vrid !== undefined ? String(report.settings.vrid) : '(none given)'],
    ['Advert interval', `${report.settings.advertIntervalMs} ms`],
    ['Mode', report.settings.mode],
    ['HAVIP Manager', report.appVersion]
  ]
  if (report.proposedVrid !== undefined) rows.push(['Proposed free VRID', String(report.proposedVrid)])
  if (report.files) rows.push(['Saved as', `${report.files.html}\n${report.files.json}`])
  for (const [k, v] of rows) out.push(`<tr><th style="width:22%">${e(k)}</th><td class="ev">${e(v)}</td></tr>`)
  out.push(`</tbody></table>`)

  out.push(`<h2>Nodes</h2><table><thead><tr><th>Node</th><th>Address</th><th>Hostname</th><th>OS / kernel</th><th>Arch</th><th>Node.js</th><th>Interface</th><th>Status</th></tr></thead><tbody>`)
  for (const n of report.nodes) {
    const f = n.facts
    out.push(
      `<tr><td>${e(n.label)}</td><td>${e(`${n.username}@${n.host}:${n.port}`)}</td>` +
        (f
          ? `<td>${e(f.hostname)}</td><td>${e(f.osPrettyName)}<br><span class="muted">${e(f.kernel)}</span></td><td>${e(f.arch)}</td><td>${e(f.nodeVersion ?? 'none')}</td><td>${e(f.interface ?? '—')}${f.ipv4 ? ` ${e(f.ipv4)}` : ''}</td><td class="s-Success">reached</td>`
          : `<td colspan="5" class="muted">—</td><td class="s-Failed">not reached${n.error ? `: ${e(n.error.message)}` : ''}</td>`) +
        `</tr>`
    )
  }
  out.push(`</tbody></table>`)

  out.push(`<h2>Summary by test</h2><table><thead><tr><th>Test</th>${report.nodes.map((n) => `<th>${e(n.label)}</th>`).join('')}</tr></thead><tbody>`)
  for (const t of report.tests) {
    const rs = byTest.get(t.id) ?? []
    out.push(`<tr><td><a href="#${e(t.id)}">${e(t.title)}</a></td>${report.nodes.map((n) => statusCell(rs.find((r) => r.nodeId === n.id)?.status)).join('')}</tr>`)
  }
  out.push(`</tbody></table>`)

  let group = ''
  for (const t of report.tests) {
    if (t.group !== group) {
      group = t.group
      out.push(`<h2>${e(VALIDATION_GROUP_TITLES[t.group])}</h2>`)
    }
    out.push(`<h3 id="${e(t.id)}">${e(t.title)} <span class="muted ev">${e(t.id)}</span></h3><p class="checks">${e(t.checks)}</p>`)
    out.push(`<table><thead><tr><th style="width:14%">Node</th><th style="width:9%">Result</th><th>Details</th></tr></thead><tbody>`)
    for (const r of byTest.get(t.id) ?? []) {
      const ev = r.evidence?.length
        ? `<table>${r.evidence.map((x) => `<tr><td class="ev">${e(x.label)}</td><td class="ev">${e(x.value)}</td></tr>`).join('')}</table>`
        : ''
      out.push(
        `<tr><td>${e(nodeName.get(r.nodeId) ?? r.nodeId)}</td><td class="s-${r.status}">${STATUS_TEXT[r.status]}</td><td>${e(r.details)}` +
          `${r.remediation ? `<div class="remedy"><strong>What to do:</strong> ${e(r.remediation)}</div>` : ''}${ev}</td></tr>`
      )
    }
    out.push(`</tbody></table>`)
  }
  out.push(`</body></html>\n`)
  return out.join('\n')
}

function statusCell(status: ValidationStatus | undefined): string {
  return status ? `<td class="s-${status}">${STATUS_TEXT[status]}</td>` : `<td class="muted">—</td>`
}
