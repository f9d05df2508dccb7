// "Create firewall rule" in the validation report: asks the admin with exactly what will be
// created on which node (the report's offer: rule, peers), calls validation.createFirewallRule,
// then reloads the run's report so the firewall test shows its new result. Errors (access
// denied...) are kept per node for the report to show beside that node's result.
import { reactive } from 'vue'
import type { ValidationFix, ValidationReport, ValidationReportNode } from '@api/validation'
import { api } from '../services/api'
import { describeError, type ErrorView } from './useApiError'
import { useDialogsStore } from '../stores/dialogs'
import { useValidationStore } from '../stores/validation'
import { reportNodeName } from '../stores/validation-model'

export type FirewallFix = Extract<ValidationFix, { kind: 'windows-firewall-rule' }>

/** The confirmation's words: what rule, on which node, from which addresses. */
export function firewallRuleConfirmation(node: ValidationReportNode, fix: FirewallFix): { title: string; message: string; detail: string; confirmLabel: string } {
  const where = `${reportNodeName(node)} (${node.username}@${node.host}${node.port === 22 ? '' : `:${node.port}`})`
  return {
    title: 'Create Firewall Rule',
    message: `Create an inbound Windows Firewall rule on ${where} that allows IP protocol 112 (VRRP) from ${fix.peers.join(', ')} only?`,
    detail:
      `Rule "${fix.displayName}" (name ${fix.ruleName}): inbound, allow, protocol 112, remote addresses ${fix.peers.join(', ')}, every firewall profile. ` +
      `A rule already named ${fix.ruleName} on that node is replaced. The firewall test then runs again on ${reportNodeName(node)}.`,
    confirmLabel: 'Create firewall rule'
  }
}

export function useFirewallRuleFix() {
  const dialogs = useDialogsStore()
  const validation = useValidationStore()
  const busy = reactive<Record<string, boolean>>({})
  const errors = reactive<Record<string, ErrorView | undefined>>({})
  const created = reactive<Record<string, string | undefined>>({})

  async function create(report: ValidationReport, node: ValidationReportNode, fix: FirewallFix): Promise<void> {
    if (busy[node.id]) return
    if (!(await dialogs.ask(firewallRuleConfirmation(node, fix)))) return
    busy[node.id] = true
    errors[node.id] = undefined
    try {
      const out = await api.call('validation.createFirewallRule', { runId: report.runId, nodeId: node.id })
      created[node.id] = `Created ${out.rule.name} on ${reportNodeName(node)} (IP protocol 112 from ${out.rule.peers.join(', ')}); the firewall test ran again: ${out.result.status}.`
      if (validation.run.id === report.runId) {
        await validation.loadReport()
        if (validation.run.report) validation.run.summary = validation.run.report.summary
      }
    } catch (e) {
      errors[node.id] = describeError(e)
    } finally {
      busy[node.id] = false
    }
  }

  return { busy, errors, created, create }
}
