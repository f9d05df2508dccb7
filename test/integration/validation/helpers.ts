// Validation through the API against the lab: a real backend with its own data directory that
// trusts the lab's host keys, and one call that starts a run, collects its progress events and
// returns the finished report.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { dispatch } from '../../../electron/api/dispatch'
import type { ApiInput, ApiMethod, ApiOutput } from '../../../electron/api/contract'
import type { SshTargetInput } from '../../../electron/api/model'
import type { ValidationProgress, ValidationReport, ValidationRequestInput, ValidationResult, ValidationStatus } from '../../../electron/api/validation'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { readLabState, type LabNode, type LabState } from '../../lab/lab'
import { ensureBundle } from '../agent/lab-agents'
import { waitFor } from '../../support/wait-for'

export interface ValidationEnv {
  lab: LabState
  backend: Backend
  dataDir: string
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>
  /** Root by key on a lab node, as the CLI's --node gives it. */
  rootTarget(node: LabNode | string): SshTargetInput
  node(name: string): LabNode
  /** Starts a run, waits for validation.finished, returns the report and every progress event. */
  validate(request: ValidationRequestInput, timeoutMs?: number): Promise<{ report: ValidationReport; progress: ValidationProgress[] }>
  dispose(): Promise<void>
}

export async function makeValidationEnv(opts: { trust?: boolean; connectTimeoutMs?: number; testTimeoutMs?: number } = {}): Promise<ValidationEnv> {
  const state = readLabState()
  if (!state || state.nodes.length < 3) throw new Error('The lab is not up with 3 nodes: run with the integration config (its globalSetup brings it up) or npm run lab:up -- --nodes 3.')
  const lab = state
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-validation-it-'))
  const dataDir = path.join(tmp, 'data')
  const backend = createBackend({
    dataDir,
    mode: 'browser',
    connectTimeoutMs: opts.connectTimeoutMs ?? 8000,
    ...(opts.testTimeoutMs !== undefined ? { validationTestTimeoutMs: opts.testTimeoutMs } : {})
  })
  const call = async <M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> => {
    const r = await dispatch(backend, method, input)
    if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { apiError: r.error })
    return r.value as ApiOutput<M>
  }
  const node = (name: string): LabNode => {
    const n = lab.nodes.find((x) => x.name === name)
    if (!n) throw new Error(`the lab has no node ${name}`)
    return n
  }
  ensureBundle() // the VRRP group uploads the agent bundle to the nodes for its scan
  if (opts.trust !== false) {
    for (const n of lab.nodes) {
      await call('hostKeys.trust', { host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })
    }
  }
  return {
    lab,
    backend,
    dataDir,
    call,
    node,
    rootTarget: (n) => {
      const ln = typeof n === 'string' ? node(n) : n
      return { host: ln.address, port: ln.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } }
    },
    async validate(request, timeoutMs = 60_000) {
      const progress: ValidationProgress[] = []
      let finished: string | undefined
      const offProgress = backend.events.on('validation.progress', (p) => progress.push(p))
      const offFinished = backend.events.on('validation.finished', (f) => {
        finished = f.runId
      })
      try {
        const { runId } = await call('validation.start', request)
        await waitFor(`validation ${runId} to finish`, () => finished === runId, timeoutMs, 100)
        const report = await call('validation.report', { runId })
        return { report, progress: progress.filter((p) => p.runId === runId) }
      } finally {
        offProgress()
        offFinished()
      }
    },
    async dispose() {
      await backend.dispose()
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }
}

/** The results of one test, or of one node. */
export function resultOf(report: ValidationReport, testId: string, nodeId: string): ValidationResult {
  const r = report.results.find((x) => x.testId === testId && x.nodeId === nodeId)
  if (!r) throw new Error(`no result for ${testId} on ${nodeId}; results: ${report.results.map((x) => `${x.testId}@${x.nodeId}`).join(', ')}`)
  return r
}

/** "testId@label: Status: details" lines, for failure messages that show what happened. */
export function describeResults(report: ValidationReport, statuses?: ValidationStatus[]): string {
  const label = new Map(report.nodes.map((n) => [n.id, n.label]))
  return report.results
    .filter((r) => !statuses || statuses.includes(r.status))
    .map((r) => `${r.testId}@${label.get(r.nodeId)}: ${r.status}: ${r.details}${r.remediation ? ` => ${r.remediation}` : ''}`)
    .join('\n')
}

/** The node id of a lab node in a report (its saved connection id once connected). */
export function nodeIdOf(report: ValidationReport, host: string): string {
  const n = report.nodes.find((x) => x.host === host)
  if (!n) throw new Error(`the report has no node ${host}`)
  return n.id
}
