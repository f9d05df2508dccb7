// `havip validate --create-firewall-rule`: the CLI's "Create firewall rule". After the run, on
// every Windows node whose firewall test found no rule admitting VRRP from the peers (and so
// offers one), create the rule the report offers through the same API call as the app's button
// (validation.createFirewallRule), say what was created where, and show the test's new result.
// The flag is the admin's consent, given before the run; without it the CLI only says how.
import { ApiCallError } from '../api/errors'
import type { ValidationReport, ValidationResult } from '../api/validation'
import type { CallApi } from './api-client'
import type { Output } from './output'

type FirewallOffer = { result: ValidationResult; fix: Extract<NonNullable<ValidationResult['fix']>, { kind: 'windows-firewall-rule' }> }

function offers(report: ValidationReport): FirewallOffer[] {
  return report.results.flatMap((result) =>
    result.fix?.kind === 'windows-firewall-rule' && (result.status === 'Failed' || result.status === 'Warning') ? [{ result, fix: result.fix }] : []
  )
}

/** Without the flag: one line per offer saying what the flag would create. */
export function mentionFirewallOffers(report: ValidationReport, out: Output, labelOf: (nodeId: string) => string): void {
  for (const { result, fix } of offers(report)) {
    out.progress(`${labelOf(result.nodeId)} has no firewall rule admitting VRRP from ${fix.peers.join(', ')}: run again with --create-firewall-rule to create ${fix.ruleName} there.`)
  }
}

/** With the flag: creates every offered rule; resolves with the report as it is afterwards. */
export async function createOfferedFirewallRules(call: CallApi, report: ValidationReport, out: Output, labelOf: (nodeId: string) => string): Promise<ValidationReport> {
  const todo = offers(report)
  for (const { result, fix } of todo) {
    const where = labelOf(result.nodeId)
    out.progress(`creating the firewall rule "${fix.displayName}" (${fix.ruleName}) on ${where}: inbound, allow IP protocol 112 from ${fix.peers.join(', ')} only`)
    try {
      const done = await call('validation.createFirewallRule', { runId: report.runId, nodeId: result.nodeId })
      out.progress(`  ${done.result.status.padEnd(7)} ${done.result.testId} on ${where} (run again after the rule): ${done.result.details}`)
    } catch (e) {
      if (!(e instanceof ApiCallError)) throw e
      out.progress(`  could not create it on ${where}: ${e.error.message}${e.error.hint ? `\n  What to do: ${e.error.hint}` : ''}`)
    }
  }
  return todo.length > 0 ? call('validation.report', { runId: report.runId }) : report
}
