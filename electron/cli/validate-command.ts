// `havip validate`: Validate a Configuration from the terminal. Connects the nodes (applying the
// host-key policy), starts a run through the API, prints progress per test and node on stderr,
// then the summary (or the whole report with --json) on stdout. Exit 2 when a test Failed.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ValidationNodeInput, ValidationProgress, ValidationReport, ValidationTest } from '../api/validation'
import type { ApiInput } from '../api/contract'
import { AdvertIntervalMsSchema, InterfaceNameSchema, VALIDATION_GROUP_TITLES, VipCidrSchema } from '../api/validation'
import type { ZodTypeAny } from 'zod'
import type { Backend } from '../backend/backend'
import { writeFileAtomic } from '../backend/store/atomic-file'
import type { CallApi } from './api-client'
import { intOption, optionValue, UsageError, type Parsed } from './args'
import { authFor, connectNodes, type CredentialOptions, type NodeOutcome } from './connect-nodes'
import { parseNodeSpec } from './node-spec'
import { EXIT_FAILED, EXIT_OK, type Output } from './output'
import { formatReport } from './validate-format'
import { createOfferedFirewallRules, mentionFirewallOffers } from './validate-fixes'

type ValidationRequestInput = ApiInput<'validation.start'>

export interface CommandEnv {
  call: CallApi
  backend: Backend
  parsed: Parsed
  out: Output
  env: NodeJS.ProcessEnv
}

export function credentialOptions(p: Parsed): CredentialOptions {
  return {
    ...(optionValue(p, '--identity') ? { identity: optionValue(p, '--identity')! } : {}),
    ...(optionValue(p, '--password-file') ? { passwordFile: optionValue(p, '--password-file')! } : {}),
    ...(optionValue(p, '--sudo-password-file') ? { sudoPasswordFile: optionValue(p, '--sudo-password-file')! } : {}),
    trustNewHostKeys: p.flags.has('--trust-new-host-keys')
  }
}

/**
 * What the run is told about each node: a connected one by its connection id; one that could
 * not be connected as its SSH target, so the run reports it Failed with the real reason
 * (unreachable, host key changed) instead of dropping it from the report.
 */
function nodeInput(n: NodeOutcome, o: CredentialOptions, iface: string | undefined, env: NodeJS.ProcessEnv): ValidationNodeInput {
  const withIface = iface ? { interface: iface } : {}
  if (n.connection) return { connectionId: n.connection.id, ...withIface }
  try {
    return { target: { host: n.spec.host, port: n.spec.port, username: n.spec.username, auth: authFor(n.spec, o, env) }, ...withIface }
  } catch {
    if (n.saved) return { connectionId: n.saved.id, ...withIface }
    throw new UsageError(n.error?.message ?? `${n.spec.text} could not be reached`)
  }
}

export function checkWith(schema: ZodTypeAny, value: unknown, option: string): void {
  const r = schema.safeParse(value)
  if (!r.success) throw new UsageError(`${option} ${String(value)}: ${r.error.issues[0]?.message ?? 'invalid'}.`)
}

/** The VRRP settings `havip validate` and `havip cluster create` both take. */
export interface VrrpOptions {
  vip: string
  iface?: string
  vrid?: number
  advertIntervalMs?: number
}

/**
 * --vip CIDR (required), --interface, --vrid, --advert-ms, checked with the API's schemas
 * before any node is contacted: bad input costs no SSH login. `vipExample` is shown when
 * --vip is missing.
 */
export function vrrpOptionsOf(p: Parsed, command: string, vipExample: string): VrrpOptions {
  const vip = optionValue(p, '--vip')
  if (!vip) throw new UsageError(`${command}: --vip CIDR is required (e.g. --vip ${vipExample}).`)
  checkWith(VipCidrSchema, vip, '--vip')
  const iface = optionValue(p, '--interface')
  if (iface !== undefined) checkWith(InterfaceNameSchema, iface, '--interface')
  const vrid = intOption(p, '--vrid', 1, 255)
  const advertIntervalMs = intOption(p, '--advert-ms', 10, 255_000)
  if (advertIntervalMs !== undefined) checkWith(AdvertIntervalMsSchema, advertIntervalMs, '--advert-ms')
  return { vip, iface, vrid, advertIntervalMs }
}

function listTests(out: Output, tests: ValidationTest[]): number {
  if (out.json) {
    out.resultJson(tests)
    return EXIT_OK
  }
  for (const group of Object.keys(VALIDATION_GROUP_TITLES) as (keyof typeof VALIDATION_GROUP_TITLES)[]) {
    const inGroup = tests.filter((t) => t.group === group)
    if (inGroup.length === 0) continue
    out.result(VALIDATION_GROUP_TITLES[group])
    for (const t of inGroup) out.result(`  ${t.id.padEnd(34)} ${t.title}`)
  }
  return EXIT_OK
}

/** Waits for the run's 'validation.finished' (subscribed before the start, so it cannot be missed). */
function finishedOf(backend: Backend, runIdOf: () => string | undefined): { done: Promise<void>; stop: () => void } {
  let stop = (): void => {}
  const done = new Promise<void>((resolve) => {
    stop = backend.events.on('validation.finished', (e) => {
      if (e.runId === runIdOf()) resolve()
    })
  })
  return { done, stop }
}

/**
 * Starts a validation run through the API, prints each test's result per node on stderr as it
 * comes, and resolves with the finished report (shared by `validate` and the cluster commands).
 */
export async function validateWithProgress(
  { call, backend, out }: Pick<CommandEnv, 'call' | 'backend' | 'out'>,
  request: ValidationRequestInput,
  labelOf: (nodeId: string) => string
): Promise<ValidationReport> {
  let runId: string | undefined
  const finished = finishedOf(backend, () => runId)
  const stopProgress = backend.events.on('validation.progress', (e: ValidationProgress) => {
    if (e.runId !== runId || e.status === 'Running') return
    out.progress(`  ${e.status.padEnd(7)} ${e.testId} on ${labelOf(e.nodeId)}${e.status === 'Success' || !e.message ? '' : `: ${e.message}`}`)
  })
  try {
    ;({ runId } = await call('validation.start', request))
    // A run that finished before we learned its id emitted 'finished' already: the report says so.
    const early = await call('validation.report', { runId })
    if (!early.finishedAt) await finished.done
    return await call('validation.report', { runId })
  } finally {
    finished.stop()
    stopProgress()
  }
}

export async function runValidate({ call, backend, parsed: p, out, env }: CommandEnv): Promise<number> {
  const catalogue = await call('validation.catalogue', {})
  if (p.flags.has('--list-tests')) return listTests(out, catalogue)

  const { vip, iface, vrid, advertIntervalMs } = vrrpOptionsOf(p, 'havip validate', '198.51.100.200/24')
  const nodeTexts = p.options['--node'] ?? []
  if (nodeTexts.length === 0) throw new UsageError('havip validate: give at least one --node [USER@]HOST[:PORT].')
  const specs = nodeTexts.map((t) => parseNodeSpec(t))
  const tests = p.options['--test']
  const known = new Set(catalogue.map((t) => t.id))
  const unknown = (tests ?? []).filter((t) => !known.has(t))
  if (unknown.length > 0) throw new UsageError(`havip validate: unknown test id ${unknown.join(', ')}; "havip validate --list-tests" lists them.`)
  const reportFile = optionValue(p, '--report')
  if (reportFile && !/\.html?$/i.test(reportFile)) throw new UsageError(`--report ${reportFile}: name an .html file (the JSON copy is written beside it).`)

  const o = credentialOptions(p)
  const outcomes = await connectNodes(call, specs, o, out.progress)
  for (const n of outcomes) if (n.error) out.progress(`cannot reach ${n.error.message}`)

  out.progress(`validating ${specs.length} node(s) for VIP ${vip}`)
  const ran = await validateWithProgress(
    { call, backend, out },
    {
      nodes: outcomes.map((n) => nodeInput(n, o, iface, env)),
      vip,
      ...(vrid !== undefined ? { vrid } : {}),
      ...(advertIntervalMs !== undefined ? { advertIntervalMs } : {}),
      mode: p.flags.has('--multicast') ? 'multicast' : 'unicast',
      ...(tests ? { tests } : {})
    },
    (nodeId) => labelOf(outcomes, nodeId)
  )
  let report = ran
  if (p.flags.has('--create-firewall-rule')) report = await createOfferedFirewallRules(call, ran, out, (nodeId) => labelOf(outcomes, nodeId))
  else mentionFirewallOffers(ran, out, (nodeId) => labelOf(outcomes, nodeId))

  if (reportFile && report.files) {
    const target = path.resolve(reportFile)
    writeFileAtomic(target, fs.readFileSync(report.files.html), 0o644)
    writeFileAtomic(target.replace(/\.html?$/i, '.json'), fs.readFileSync(report.files.json), 0o644)
    out.progress(`report written to ${target}`)
  } else if (report.files) {
    out.progress(`report saved as ${report.files.html}`)
  }
  if (out.json) out.resultJson(report)
  else out.result(formatReport(report))
  return report.summary.failed > 0 ? EXIT_FAILED : EXIT_OK
}

function labelOf(outcomes: NodeOutcome[], nodeId: string): string {
  const n = outcomes.find((o) => o.connection?.id === nodeId || o.saved?.id === nodeId)
  return n ? n.spec.host : nodeId
}
