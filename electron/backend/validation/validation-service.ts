// The validation service: validation.catalogue / start / cancel / report / reportHtml. A run
// connects its nodes (nodes given as SSH targets through the connections service), runs the
// chosen tests (runner.ts), announces each change as 'validation.progress', saves the report
// as self-contained HTML plus JSON under <dataDir>/reports/, then sends 'validation.finished'.
import { randomBytes } from 'node:crypto'
import { ApiException } from '../../api/errors'
import type {
  CreateFirewallRuleResult,
  ValidationReport,
  ValidationReportNode,
  ValidationRequest,
  ValidationResult,
  ValidationSummary,
  ValidationTest
} from '../../api/validation'
import type { EventHub } from '../events'
import type { BackendLog } from '../log'
import { parseCidr } from './ipv4'
import { provisionalReportNode, resolveNode, type ResolverDeps, type ResolvedNode } from './node-resolver'
import { createFirewallRule } from './firewall-fix'
import { loadSavedReport, readSavedHtml, saveReport } from './report-files'
import { runTests } from './runner'
import type { NodeContext, ValidationTestDef } from './test-module'

export interface ValidationServiceDeps extends ResolverDeps {
  events: EventHub
  log: BackendLog
  dataDir: string
  appVersion: string
  /** The tests to offer (the catalogue in groups/catalogue.ts). */
  tests: readonly ValidationTestDef[]
  /** Per-test time bound per node (default: runner's). */
  testTimeoutMs?: number
}

interface Run {
  report: ValidationReport
  controller: AbortController
  done: Promise<void>
  results: Map<string, ValidationResult>
}

/** Finished runs kept in memory for validation.report; older ones are read back from their JSON. */
const RUNS_KEPT = 20

export class ValidationService {
  private readonly runs = new Map<string, Run>()

  constructor(private readonly deps: ValidationServiceDeps) {
    const ids = new Set<string>()
    for (const t of deps.tests) {
      if (ids.has(t.meta.id)) throw new Error(`Two validation tests share the id ${t.meta.id}`)
      ids.add(t.meta.id)
    }
  }

  catalogue(): ValidationTest[] {
    return this.deps.tests.map((t) => t.meta)
  }

  /** Checks the request, starts the run and returns its id at once. */
  start(request: ValidationRequest): { runId: string } {
    const known = new Set(this.deps.tests.map((t) => t.meta.id))
    const unknown = (request.tests ?? []).filter((id) => !known.has(id))
    if (unknown.length > 0) {
      throw new ApiException({
        kind: 'invalid-input',
        field: 'tests',
        message: `Unknown test id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`,
        hint: 'Use ids from validation.catalogue (havip validate --help lists them), e.g. network.vip-in-subnet.'
      })
    }
    const runId = newRunId()
    const vip = parseCidr(request.vip)
    const report: ValidationReport = {
      runId,
      appVersion: this.deps.appVersion,
      startedAt: new Date().toISOString(),
      cancelled: false,
      settings: {
        vip: request.vip,
        ...(request.vrid !== undefined ? { vrid: request.vrid } : {}),
        advertIntervalMs: request.advertIntervalMs,
        mode: request.mode
      },
      nodes: request.nodes.map((n) => provisionalReportNode(n, this.deps)),
      tests: this.catalogue(),
      results: [],
      summary: summarize([])
    }
    const controller = new AbortController()
    const run: Run = { report, controller, done: Promise.resolve(), results: new Map() }
    this.runs.set(runId, run)
    this.forgetOldRuns()
    run.done = this.execute(run, request, vip).catch((err: unknown) => {
      this.deps.log('error', `Validation ${runId} stopped unexpectedly: ${err instanceof Error ? err.message : String(err)}`)
    })
    this.deps.log('info', `Validation ${runId} started: ${request.nodes.length} node(s), VIP ${request.vip}`)
    return { runId }
  }

  cancel(runId: string): void {
    const run = this.runOf(runId)
    if (!run.report.finishedAt && !run.controller.signal.aborted) {
      run.report.cancelled = true
      run.controller.abort()
      this.deps.log('info', `Validation ${runId} cancelled`)
    }
  }

  report(runId: string): ValidationReport {
    const run = this.runs.get(runId)
    if (run) return { ...run.report, results: this.orderedResults(run), summary: summarize([...run.results.values()]) }
    return loadSavedReport(this.deps.dataDir, runId)
  }

  reportHtml(runId: string): { html: string; path: string } {
    const run = this.runs.get(runId)
    if (run && !run.report.finishedAt) {
      throw new ApiException({
        kind: 'not-found',
        message: `Validation ${runId} is still running; its report is saved when it finishes.`,
        hint: 'Wait for validation.finished, then ask again.'
      })
    }
    return readSavedHtml(this.deps.dataDir, runId)
  }

  /**
   * "Create firewall rule" from a finished run's report (this session's, or a saved one): see
   * firewall-fix.ts. The test's new result replaces the old one in the report and its files.
   */
  async createFirewallRule(runId: string, nodeId: string): Promise<CreateFirewallRuleResult> {
    const out = await createFirewallRule(this.report(runId), nodeId, this.deps)
    const key = `${out.result.testId}\u0000${out.result.nodeId}`
    const run = this.runs.get(runId)
    run?.results.set(key, out.result)
    const before = run ? this.report(runId) : loadSavedReport(this.deps.dataDir, runId)
    const results = run ? before.results : before.results.map((r) => (`${r.testId}\u0000${r.nodeId}` === key ? out.result : r))
    const updated: ValidationReport = { ...before, results, summary: summarize(results) }
    try {
      const files = saveReport(this.deps.dataDir, updated)
      if (run) Object.assign(run.report, { results, summary: updated.summary, files })
    } catch (err) {
      this.deps.log('error', `Validation ${runId}: saving the report after the firewall rule failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    return out
  }

  /** Waits for a run to end (tests, the CLI). */
  async whenFinished(runId: string): Promise<ValidationReport> {
    await this.runOf(runId).done
    return this.report(runId)
  }

  /** Cancels every run still going and waits for them (backend dispose). */
  async dispose(): Promise<void> {
    for (const run of this.runs.values()) if (!run.report.finishedAt) run.controller.abort()
    await Promise.all([...this.runs.values()].map((r) => r.done))
  }

  private async execute(run: Run, request: ValidationRequest, vip: { address: string; prefix: number }): Promise<void> {
    const { report, controller } = run
    const { events } = this.deps
    const resolved: ResolvedNode[] = await Promise.all(request.nodes.map((n) => resolveNode(n, vip, this.deps, controller.signal)))
    report.nodes = resolved.map((r) => r.report)
    const reachable: NodeContext[] = resolved.flatMap((r) => (r.ok ? [r.context] : []))
    const unreachable = resolved.flatMap((r) => (r.ok ? [] : [{ nodeId: r.report.id, label: r.report.label, error: r.report.error }]))
    for (const u of unreachable) this.deps.log('warn', `Validation ${report.runId}: ${u.label} is not validated: ${u.error.message}`, u.error.node)

    const selected = new Set(request.tests ?? this.deps.tests.map((t) => t.meta.id))
    const record = (r: ValidationResult): void => {
      run.results.set(`${r.testId}\u0000${r.nodeId}`, r)
    }
    for (const t of this.deps.tests) {
      if (selected.has(t.meta.id)) continue
      for (const n of report.nodes) {
        record({ testId: t.meta.id, nodeId: n.id, status: 'NotRun', details: 'Not selected for this run.' })
      }
    }
    const proposals = await runTests({
      tests: this.deps.tests.filter((t) => selected.has(t.meta.id)),
      nodes: reachable,
      unreachable,
      settings: {
        vip: vip.address,
        prefix: vip.prefix,
        ...(request.vrid !== undefined ? { vrid: request.vrid } : {}),
        advertIntervalMs: request.advertIntervalMs,
        mode: request.mode
      },
      signal: controller.signal,
      ...(this.deps.testTimeoutMs !== undefined ? { defaultTimeoutMs: this.deps.testTimeoutMs } : {}),
      onProgress: (p) => events.emit('validation.progress', { runId: report.runId, ...p }),
      onResult: record
    })
    if (proposals.proposedVrid !== undefined) report.proposedVrid = proposals.proposedVrid
    report.cancelled = controller.signal.aborted
    report.results = this.orderedResults(run)
    report.summary = summarize(report.results)
    report.finishedAt = new Date().toISOString()
    try {
      report.files = saveReport(this.deps.dataDir, report)
    } catch (err) {
      this.deps.log('error', `Validation ${report.runId}: saving the report failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    const s = report.summary
    this.deps.log('info', `Validation ${report.runId} ${report.cancelled ? 'cancelled' : 'finished'}: ${s.overall} (${s.success} success, ${s.warning} warning, ${s.failed} failed, ${s.notRun} not run)`)
    events.emit('validation.finished', { runId: report.runId, cancelled: report.cancelled, summary: s })
  }

  /** Results in catalogue order, then node order. */
  private orderedResults(run: Run): ValidationResult[] {
    const out: ValidationResult[] = []
    for (const t of this.deps.tests) {
      for (const n of run.report.nodes as ValidationReportNode[]) {
        const r = run.results.get(`${t.meta.id}\u0000${n.id}`)
        if (r) out.push(r)
      }
    }
    return out
  }

  private runOf(runId: string): Run {
    const run = this.runs.get(runId)
    if (!run) {
      throw new ApiException({
        kind: 'not-found',
        message: `There is no validation run ${runId} in this session.`,
        hint: 'Start a validation first (validation.start); saved reports of earlier sessions are read with validation.report.'
      })
    }
    return run
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.entries()].filter(([, r]) => r.report.finishedAt)
    for (const [id] of finished.slice(0, Math.max(0, finished.length - RUNS_KEPT))) this.runs.delete(id)
  }
}

export function summarize(results: readonly ValidationResult[]): ValidationSummary {
  const count = (s: ValidationResult['status']): number => results.filter((r) => r.status === s).length
  const success = count('Success')
  const warning = count('Warning')
  const failed = count('Failed')
  const notRun = count('NotRun')
  const overall = failed > 0 ? 'Failed' : warning > 0 || notRun > 0 ? 'Warning' : 'Success'
  return { success, warning, failed, notRun, overall }
}

/** A run id that sorts by time and names the report files: 20261201T184500Z-1a2b3c. */
function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  return `${t}-${randomBytes(3).toString('hex')}`
}
