// `havip cluster create NAME --node ... --vip CIDR`: Create Cluster from the terminal. Connects
// the nodes, validates them (unless --skip-validation REASON: the reason goes into the
// operation report), refuses on Failed results (exit 2, the validation report printed), then
// creates the cluster following each step per node on stderr, and prints the summary.
import type { ClusterNodeInput } from '../api/cluster'
import { ClusterNameSchema } from '../api/cluster'
import { optionValue, UsageError } from './args'
import { finishOperation, followOperation } from './cluster-operation'
import { connectNodes } from './connect-nodes'
import { parseNodeSpec } from './node-spec'
import { EXIT_FAILED } from './output'
import { checkWith, credentialOptions, validateWithProgress, vrrpOptionsOf, type CommandEnv } from './validate-command'
import { formatReport } from './validate-format'

export function skipReasonOf(env: CommandEnv): string | undefined {
  const reason = optionValue(env.parsed, '--skip-validation')
  if (reason !== undefined && reason.trim().length < 3) throw new UsageError('--skip-validation REASON: say in a few words why validation is skipped (e.g. --skip-validation "validated this morning").')
  return reason?.trim()
}

/** Connects every --node; any node that cannot be reached ends the command (exit 1) with why. */
export async function connectAll(env: CommandEnv, what: string): Promise<{ connectionId: string; host: string }[]> {
  const texts = env.parsed.options['--node'] ?? []
  if (texts.length === 0) throw new UsageError(`${what}: give at least one --node [USER@]HOST[:PORT].`)
  const outcomes = await connectNodes(env.call, texts.map((t) => parseNodeSpec(t)), credentialOptions(env.parsed), env.out.progress)
  const failed = outcomes.filter((n) => n.error)
  if (failed.length > 0) throw new UsageError(`${what}: ${failed.map((n) => `${n.error!.message} (${n.error!.hint})`).join('; ')}`)
  return outcomes.map((n) => ({ connectionId: n.connection!.id, host: n.spec.host }))
}

export async function runClusterCreate(env: CommandEnv, name: string): Promise<number> {
  const { call, parsed: p, out } = env
  checkWith(ClusterNameSchema, name, 'cluster name')
  const { vip, iface, vrid, advertIntervalMs } = vrrpOptionsOf(p, 'havip cluster create', '198.51.100.210/24')
  const skipReason = skipReasonOf(env)
  if (skipReason !== undefined && vrid === undefined) throw new UsageError('havip cluster create: with --skip-validation, give --vrid N (no router id scan runs to propose a free one).')

  const nodes = await connectAll(env, 'havip cluster create')
  const nodeInputs: ClusterNodeInput[] = nodes.map((n) => ({ connectionId: n.connectionId, ...(iface ? { interface: iface } : {}) }))
  let gate: { runId: string } | { skipReason: string }
  let validationSummary: unknown
  if (skipReason !== undefined) {
    out.progress(`validation skipped: ${skipReason}`)
    gate = { skipReason }
  } else {
    out.progress(`validating ${nodes.length} node(s) for VIP ${vip} before creating ${name}`)
    const report = await validateWithProgress(
      env,
      { nodes: nodeInputs, vip, ...(vrid !== undefined ? { vrid } : {}), ...(advertIntervalMs !== undefined ? { advertIntervalMs } : {}) },
      (id) => nodes.find((n) => n.connectionId === id)?.host ?? id
    )
    if (report.summary.failed > 0) {
      out.progress(`validation found failures: ${name} is not created`)
      if (out.json) out.resultJson({ created: false, validation: report })
      else out.result(`${formatReport(report)}\n\nCluster ${name} was not created: fix the Failed tests above and run the command again.`)
      return EXIT_FAILED
    }
    out.progress(`validation ${report.summary.overall}${report.proposedVrid !== undefined && vrid === undefined ? `; VRID ${report.proposedVrid} proposed` : ''}${report.files ? ` (report: ${report.files.html})` : ''}`)
    gate = { runId: report.runId }
    validationSummary = { runId: report.runId, summary: report.summary, ...(report.files ? { files: report.files } : {}) }
  }
  out.progress(`creating cluster ${name} on ${nodes.map((n) => n.host).join(', ')}`)
  const report = await followOperation(env.backend, call, out, () =>
    call('clusters.create', {
      name,
      nodes: nodeInputs,
      role: { vip, ...(vrid !== undefined ? { vrid } : {}), ...(advertIntervalMs !== undefined ? { advertIntervalMs } : {}) },
      validation: gate
    })
  )
  return finishOperation(out, report, validationSummary ? { validation: validationSummary } : {})
}
