// What every cluster command that changes nodes shares: following an operation (each step per node on stderr as it changes) to its end, and the summary.
import type { OperationReport, OperationStep } from '../api/cluster'
import type { Backend } from '../backend/backend'
import type { CallApi } from './api-client'
import { EXIT_FAILED, EXIT_OK, type Output } from './output'

function stepLine(s: OperationStep): string | undefined {
  if (s.state === 'pending') return undefined
  const where = s.node ? `[${s.node}] ` : ''
  const state = s.state === 'running' ? '...' : s.state
  return `  ${where}${s.title}: ${state}${s.message && s.state !== 'running' ? ` (${s.message})` : ''}`
}

/**
 * Starts an operation and follows it: progress lines on stderr, then the report. Subscribed
 * before the start, so neither a step nor the end can be missed.
 */
export async function followOperation(backend: Backend, call: CallApi, out: Output, start: () => Promise<{ operationId: string }>): Promise<OperationReport> {
  let opId: string | undefined
  const early: { operationId: string; line: string | undefined }[] = []
  let resolveEnd: () => void = () => {}
  const ended = new Promise<void>((r) => (resolveEnd = r))
  const endedIds = new Set<string>()
  const offProgress = backend.events.on('cluster.progress', (e) => {
    const line = stepLine(e.step)
    if (opId === undefined) early.push({ operationId: e.operationId, line })
    else if (e.operationId === opId && line) out.progress(line)
  })
  const offFinished = backend.events.on('cluster.finished', (e) => {
    endedIds.add(e.operationId)
    if (e.operationId === opId) resolveEnd()
  })
  try {
    ;({ operationId: opId } = await start())
    for (const e of early) if (e.operationId === opId && e.line) out.progress(e.line)
    if (endedIds.has(opId)) resolveEnd()
    const now = await call('clusters.operation', { operationId: opId })
    if (now.outcome === 'running') await ended
    return await call('clusters.operation', { operationId: opId })
  } finally {
    offProgress()
    offFinished()
  }
}

export function formatOperation(r: OperationReport): string {
  const lines: string[] = []
  const gen = r.fromGeneration === r.toGeneration ? `generation ${r.toGeneration}` : `generation ${r.fromGeneration} → ${r.toGeneration}`
  lines.push(`${r.kind} of cluster ${r.clusterName} (${r.clusterId}): ${r.outcome.toUpperCase()}, ${gen}, operation ${r.id}`)
  if (r.validation) lines.push('runId' in r.validation ? `Validation: run ${r.validation.runId} (${r.validation.overall})` : `Validation skipped: ${r.validation.skipReason}`)
  for (const m of r.masters) lines.push(`Role ${m.role}: master ${m.node ?? '(none)'}${m.node ? (m.vipAnswers ? ', VIP answers' : ', VIP does NOT answer') : ''}`)
  if (r.error) lines.push(`Error: ${r.error.message}`, ...(r.error.hint ? [`  what to do: ${r.error.hint}`] : []))
  if (r.leftovers.length > 0) {
    lines.push('Left on the nodes:')
    for (const l of r.leftovers) lines.push(`  ${l.node}: ${l.what}`)
  }
  if (r.outcome === 'failed' && r.rollback !== 'none') {
    lines.push(`Rollback offered (${r.rollback === 'remove-everything' ? 'remove everything this create put on the nodes' : 'write the previous generation back'}): havip cluster rollback ${r.id}`)
  }
  return lines.join('\n')
}

/** Prints the report (or its JSON) and returns the exit code: 0 succeeded, 2 failed. */
export function finishOperation(out: Output, r: OperationReport, extra: Record<string, unknown> = {}): number {
  if (out.json) out.resultJson({ ...extra, operation: r })
  else out.result(formatOperation(r))
  return r.outcome === 'succeeded' ? EXIT_OK : EXIT_FAILED
}
