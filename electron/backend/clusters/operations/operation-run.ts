// One running cluster operation: its report, kept current step by step. Every change of a step
// is announced ('cluster.progress') and saved (operation-store.ts) before the work goes on, so
// a window that reconnects, a CLI that waits, or the app after a restart all read the same
// state; the end is announced once ('cluster.finished').
import { randomBytes } from 'node:crypto'
import type { ClusterDefinition, OperationKind, OperationReport, OperationStep } from '../../../api/cluster'
import type { ApiError } from '../../../api/errors'
import type { EventHub } from '../../events'
import type { BackendLog } from '../../log'
import type { OperationRecord, OperationStore } from './operation-store'

/** 'op-' and 12 hex digits from the system's CSPRNG. */
export function newOperationId(): string {
  return `op-${randomBytes(6).toString('hex')}`
}

export interface RunDeps {
  events: EventHub
  store: OperationStore
  log: BackendLog
  now: () => Date
}

export interface RunInit {
  kind: OperationKind
  clusterId: string
  clusterName: string
  fromGeneration: number
  previous?: ClusterDefinition
  validation?: OperationReport['validation']
}

const MESSAGE_MAX = 4000

function clip(s: string): string {
  return s.length <= MESSAGE_MAX ? s : `${s.slice(0, MESSAGE_MAX - 1)}…`
}

export class OperationRun {
  readonly record: OperationRecord
  private readonly finishedWaiters: Array<() => void> = []

  constructor(private readonly deps: RunDeps, init: RunInit, readonly id = newOperationId()) {
    const report: OperationReport = {
      id,
      kind: init.kind,
      clusterId: init.clusterId,
      clusterName: init.clusterName,
      startedAt: deps.now().toISOString(),
      outcome: 'running',
      fromGeneration: init.fromGeneration,
      toGeneration: init.fromGeneration,
      steps: [],
      masters: [],
      leftovers: [],
      rollback: 'none',
      ...(init.validation ? { validation: init.validation } : {})
    }
    this.record = { report, ...(init.previous ? { previous: init.previous } : {}) }
    this.save()
  }

  get report(): OperationReport {
    return this.record.report
  }

  /** Adds steps as pending so the whole plan shows before the work starts. */
  plan(steps: { step: string; title: string; node?: string }[]): void {
    for (const s of steps) this.upsert(s.step, s.node, { title: s.title, state: 'pending' })
  }

  /**
   * Runs one step: running → done (with the message `fn` returns) or failed (with the error's
   * message, then rethrown). `note` updates the running step's message.
   */
  async step<T>(step: string, title: string, node: string | undefined, fn: (note: (message: string) => void) => Promise<T>, doneMessage?: (value: T) => string | undefined): Promise<T> {
    this.upsert(step, node, { title, state: 'running', startedAt: this.now(), message: undefined })
    try {
      const value = await fn((message) => this.upsert(step, node, { title, state: 'running', message }))
      const message = doneMessage?.(value) ?? (typeof value === 'string' ? value : undefined)
      this.upsert(step, node, { title, state: 'done', finishedAt: this.now(), ...(message ? { message } : {}) })
      return value
    } catch (err) {
      this.upsert(step, node, { title, state: 'failed', finishedAt: this.now(), message: errorText(err) })
      throw err
    }
  }

  skip(step: string, title: string, node: string | undefined, why: string): void {
    this.upsert(step, node, { title, state: 'skipped', message: why })
  }

  /** Steps still pending when the operation ends are skipped, saying why. */
  private skipPending(why: string): void {
    for (const s of this.report.steps) if (s.state === 'pending' || s.state === 'running') this.upsert(s.step, s.node, { title: s.title, state: 'skipped', message: why })
  }

  /** The definition before the change (what 'previous-generation' rolls back to). */
  setPrevious(def: ClusterDefinition): void {
    this.record.previous = def
    this.record.report.fromGeneration = def.generation
    this.record.report.toGeneration = def.generation
    this.save()
  }

  setTarget(def: ClusterDefinition): void {
    this.record.target = def
    this.save()
  }

  setConnections(connections: Record<string, string>): void {
    this.record.connections = { ...(this.record.connections ?? {}), ...connections }
    this.save()
  }

  update(fields: Partial<Pick<OperationReport, 'fromGeneration' | 'toGeneration' | 'masters' | 'leftovers' | 'rollback' | 'clusterName'>>): void {
    Object.assign(this.record.report, fields)
    this.save()
  }

  finish(outcome: 'succeeded' | 'failed', error?: ApiError): void {
    if (this.report.outcome !== 'running') return
    this.skipPending(outcome === 'failed' ? 'not done: the operation stopped at an earlier failure' : 'not needed')
    const r = this.record.report
    r.outcome = outcome
    r.finishedAt = this.now()
    if (error) r.error = error
    this.save()
    this.deps.events.emit('cluster.finished', { operationId: r.id, clusterId: r.clusterId, outcome, ...(error ? { error } : {}) })
    this.deps.log(outcome === 'succeeded' ? 'info' : 'warn', `Cluster ${r.clusterName}: ${r.kind} ${r.id} ${outcome}${error ? `: ${error.message}` : ''}`)
    for (const w of this.finishedWaiters.splice(0)) w()
  }

  whenFinished(): Promise<OperationReport> {
    if (this.report.outcome !== 'running') return Promise.resolve(this.report)
    return new Promise((resolve) => this.finishedWaiters.push(() => resolve(this.report)))
  }

  private now(): string {
    return this.deps.now().toISOString()
  }

  private upsert(step: string, node: string | undefined, fields: Partial<OperationStep> & { title: string }): void {
    const steps = this.record.report.steps
    let s = steps.find((x) => x.step === step && x.node === node)
    if (!s) {
      s = { step, title: fields.title, state: 'pending', ...(node ? { node } : {}) }
      steps.push(s)
    }
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) delete (s as Record<string, unknown>)[k]
      else (s as Record<string, unknown>)[k] = k === 'message' ? clip(String(v)) : v
    }
    this.save()
    this.deps.events.emit('cluster.progress', { operationId: this.id, clusterId: this.report.clusterId, step: { ...s } })
  }

  private save(): void {
    try {
      this.deps.store.save(this.record)
    } catch (err) {
      // The operation goes on (the nodes matter more than the desktop's copy); the log says so.
      this.deps.log('error', `Saving cluster operation ${this.id} failed: ${errorText(err)}`)
    }
  }
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'error' in err && (err as { error?: { message?: unknown } }).error?.message) return String((err as { error: { message: string } }).error.message)
  return err instanceof Error ? err.message : String(err)
}
