// FCM's "Validation Warning" page as a rule: a change that adds nodes needs a finished
// validation run that covered those nodes with no Failed result, or the admin's reason for
// skipping it (kept in the operation report). The run's router id scan also settles the VRID:
// its proposal is the default, and a VRID the scan heard from anyone else is refused.
import type { OperationReport } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import type { ValidationGate } from '../../../api/cluster'
import type { ValidationReport } from '../../../api/validation'

/** The validation test whose evidence lists every VRID heard on the segment ('VRID n' → sender). */
export const VRID_SCAN_TEST = 'vrrp.router-id-scan'

export interface GateOutcome {
  validation: NonNullable<OperationReport['validation']>
  /** The router id scan's proposal of a free VRID, when the run made one. */
  proposedVrid?: number
  report?: ValidationReport
}

function labelOf(report: ValidationReport, nodeId: string): string {
  return report.nodes.find((n) => n.id === nodeId)?.label ?? nodeId
}

/**
 * Checks the gate for a change covering `connectionIds` (the nodes the cluster will have).
 * Throws ApiException: 'not-found' for an unknown run, 'invalid-input' for a run that is not
 * finished, misses a node or has Failed results (naming the tests and nodes).
 */
export function checkValidationGate(gate: ValidationGate, connectionIds: string[], readReport: (runId: string) => ValidationReport): GateOutcome {
  if ('skipReason' in gate) return { validation: { skipReason: gate.skipReason } }
  const report = readReport(gate.runId)
  const rerun = 'Validate these nodes again (Validate Configuration, or havip validate) and use the new run.'
  if (!report.finishedAt) {
    throw new ApiException({ kind: 'invalid-input', field: 'validation.runId', message: `Validation run ${gate.runId} has not finished yet.`, hint: 'Wait for it to finish, then try again.' })
  }
  if (report.cancelled) {
    throw new ApiException({ kind: 'invalid-input', field: 'validation.runId', message: `Validation run ${gate.runId} was cancelled, so it does not vouch for these nodes.`, hint: rerun })
  }
  const covered = new Set(report.nodes.map((n) => n.id))
  const missing = connectionIds.filter((id) => !covered.has(id))
  if (missing.length > 0) {
    throw new ApiException({
      kind: 'invalid-input',
      field: 'validation.runId',
      message: `Validation run ${gate.runId} did not cover ${missing.length === 1 ? 'the node' : 'the nodes'} ${missing.join(', ')}; it validated ${report.nodes.map((n) => n.label).join(', ') || 'no node'}.`,
      hint: `${rerun} A validation covers the nodes it ran on together.`
    })
  }
  const failed = report.results.filter((r) => r.status === 'Failed')
  if (failed.length > 0) {
    const byTest = new Map<string, string[]>()
    for (const r of failed) byTest.set(r.testId, [...(byTest.get(r.testId) ?? []), labelOf(report, r.nodeId)])
    throw new ApiException({
      kind: 'invalid-input',
      field: 'validation.runId',
      message: `Validation run ${gate.runId} has Failed results: ${[...byTest].map(([t, nodes]) => `${t} on ${nodes.join(', ')}`).join('; ')}.`,
      hint: `Fix what the report says for each Failed test, then validate again. ${report.files ? `The report: ${report.files.html}.` : ''}`.trim()
    })
  }
  return {
    validation: { runId: report.runId, overall: report.summary.overall },
    ...(report.proposedVrid !== undefined ? { proposedVrid: report.proposedVrid } : {}),
    report
  }
}

/**
 * Who the run's router id scan heard sending on `vrid`, other than the nodes it validated
 * (their own agents, when a cluster is validated again). Empty when the VRID is free.
 */
export function vridUsersInReport(report: ValidationReport, vrid: number): string[] {
  const own = new Set(report.nodes.flatMap((n) => (n.facts?.ipv4 ? [n.facts.ipv4.split('/')[0]!] : [])))
  const users = new Set<string>()
  for (const r of report.results) {
    if (r.testId !== VRID_SCAN_TEST) continue
    for (const e of r.evidence ?? []) {
      if (e.label !== `VRID ${vrid}`) continue
      const address = e.value.split(' ')[0] ?? ''
      if (!own.has(address)) users.add(e.value)
    }
  }
  return [...users]
}

/** The VRID a create uses: the admin's, else the scan's proposal; refused when the scan heard it in use. */
export function settleVrid(gate: GateOutcome, requested: number | undefined): number {
  const vrid = requested ?? gate.proposedVrid
  if (vrid === undefined) {
    throw new ApiException({
      kind: 'invalid-input',
      field: 'role.vrid',
      message: 'validation' in gate && 'skipReason' in gate.validation
        ? 'Validation was skipped, so no router id scan proposed a free VRID: give the role a VRID.'
        : 'The validation run proposed no free VRID (its router id scan did not run on any node): give the role a VRID.',
      hint: 'Choose a VRID (1..255) no other VRRP router on this segment uses (havip cluster create ... --vrid N).'
    })
  }
  const users = gate.report ? vridUsersInReport(gate.report, vrid) : []
  if (users.length > 0) {
    throw new ApiException({
      kind: 'conflict',
      field: 'role.vrid',
      message: `VRID ${vrid} is already in use on this segment: ${users.join('; ')}.`,
      hint: `One router id per VRRP cluster on a segment: choose another VRID${gate.proposedVrid !== undefined && gate.proposedVrid !== vrid ? ` (${gate.proposedVrid} was heard nowhere)` : ''}.`
    })
  }
  return vrid
}
