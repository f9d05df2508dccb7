// "Create firewall rule" from a validation report: on a Windows node whose firewall test found
// no rule admitting IP protocol 112 from the peers, create (or replace) HAVIP's inbound rule
// scoped to exactly the peers the report names, through the PowerShell seam with the names and
// addresses as data (script `vrrp-firewall-rule`), then run that test again on the node so the
// report shows what is there now. Validation itself never changes a node: this runs only when
// the admin confirmed it (validation.createFirewallRule).
import { ApiException, type ApiError } from '../../api/errors'
import type { CreateFirewallRuleResult, ValidationReport, ValidationReportNode } from '../../api/validation'
import type { WindowsScriptError } from '../platform/windows/script-result'
import { WINDOWS_FIREWALL_TEST_ID } from './groups/windows'
import { parseCidr } from './ipv4'
import { resolveNode, type ResolverDeps } from './node-resolver'
import { rerunOnNode } from './runner'
import type { NodeContext, ValidationTestDef } from './test-module'

export interface FirewallFixDeps extends ResolverDeps {
  tests: readonly ValidationTestDef[]
  testTimeoutMs?: number
}

export async function createFirewallRule(report: ValidationReport, nodeId: string, deps: FirewallFixDeps): Promise<CreateFirewallRuleResult> {
  const { node, fix } = offerOf(report, nodeId)
  const vip = parseCidr(report.settings.vip)
  const signal = new AbortController().signal
  // Every node of the run, fresh, as a run prepares them: the target to change, the others
  // because the test judges the rule against their addresses.
  const resolved = await Promise.all(
    report.nodes
      .filter((n) => n.facts !== null)
      .map((n) => resolveNode({ connectionId: n.id, ...(n.facts?.interface ? { interface: n.facts.interface } : {}) }, vip, deps, signal))
  )
  const target = resolved.find((r) => r.report.id === nodeId)
  if (!target?.ok) throw new ApiException(target && !target.ok ? target.report.error : notConnected(node))
  const ctx = target.context
  if (!ctx.powershell) {
    throw new ApiException({ kind: 'conflict', message: `${ctx.label} is not a Windows node now, so there is no Windows Firewall rule to create.`, hint: 'Validate the node again.', node: ctx.host })
  }

  const rule = { name: fix.ruleName, displayName: fix.displayName, peers: [...fix.peers] }
  const created = await ctx.powershell.run('vrrp-firewall-rule', { name: rule.name, displayName: rule.displayName, peers: rule.peers })
  if (!created.ok) throw new ApiException(creationError(ctx, rule, created.error))
  deps.log('info', `Created the firewall rule ${rule.name} on ${ctx.label}: IP protocol 112 in from ${rule.peers.join(', ')}`, ctx.host)

  const test = deps.tests.find((t) => t.meta.id === WINDOWS_FIREWALL_TEST_ID)
  if (!test) throw new ApiException({ kind: 'internal', message: `The test ${WINDOWS_FIREWALL_TEST_ID} is not in this catalogue, so the rule could not be checked.`, node: ctx.host })
  const nodes = resolved.flatMap((r) => (r.ok ? [r.context] : []))
  const result = await rerunOnNode(test, ctx, {
    nodes,
    settings: { vip: vip.address, prefix: vip.prefix, ...(report.settings.vrid !== undefined ? { vrid: report.settings.vrid } : {}), advertIntervalMs: report.settings.advertIntervalMs, mode: report.settings.mode },
    signal,
    ...(deps.testTimeoutMs !== undefined ? { defaultTimeoutMs: deps.testTimeoutMs } : {})
  })
  return { nodeId, rule, result }
}

/** The node and the rule the report offers for it, or why there is none. */
function offerOf(report: ValidationReport, nodeId: string): { node: ValidationReportNode; fix: NonNullable<ValidationReport['results'][number]['fix']> } {
  if (!report.finishedAt) {
    throw new ApiException({ kind: 'conflict', message: `Validation ${report.runId} is still running.`, hint: 'Wait until it finishes, then create the rule from its report.' })
  }
  const node = report.nodes.find((n) => n.id === nodeId)
  if (!node) throw new ApiException({ kind: 'not-found', message: `Validation ${report.runId} has no node ${nodeId}.`, hint: 'Pick a node from that run\'s report.' })
  const result = report.results.find((r) => r.testId === WINDOWS_FIREWALL_TEST_ID && r.nodeId === nodeId)
  if (!result?.fix || result.fix.kind !== 'windows-firewall-rule') {
    throw new ApiException({
      kind: 'conflict',
      message: `The report of ${report.runId} offers no firewall rule for ${node.label}${result ? ` (the firewall test was ${result.status}: ${result.details})` : ''}.`,
      hint: 'The rule is offered where the test found no rule admitting IP protocol 112 from the peers; validate again to see the node as it is now.',
      node: node.host
    })
  }
  return { node, fix: result.fix }
}

function notConnected(node: ValidationReportNode): ApiError {
  return { kind: 'disconnected', message: `${node.label} could not be prepared.`, hint: 'Connect to the node again, then create the rule.', node: node.host }
}

function creationError(ctx: NodeContext, rule: { name: string; displayName: string; peers: string[] }, e: WindowsScriptError): ApiError {
  const byHand = `New-NetFirewallRule -Name ${rule.name} -DisplayName '${rule.displayName}' -Direction Inbound -Protocol 112 -Action Allow -RemoteAddress ${rule.peers.join(',')} -Profile Any`
  const what = `Creating the firewall rule "${rule.displayName}" (${rule.name}) on ${ctx.label} failed`
  if (e.kind === 'access-denied') {
    return {
      kind: 'command-failed',
      node: ctx.host,
      message: `${what}: Windows refused it (access denied): ${ctx.facts.windows?.user ? `the login ${ctx.facts.windows.user}` : 'this login'} cannot change Windows Firewall.`,
      hint:
        'Connect to the node as an account in the local Administrators group (Windows OpenSSH gives it an elevated token; for key login its key belongs in ' +
        `C:\\ProgramData\\ssh\\administrators_authorized_keys), then try again. Or run this in an elevated PowerShell on the node: ${byHand}`
    }
  }
  return { kind: 'command-failed', node: ctx.host, message: `${what}: ${e.message}`, hint: `${e.hint} To create it by hand in an elevated PowerShell: ${byHand}` }
}
