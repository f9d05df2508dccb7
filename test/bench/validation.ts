/**
 * Bench "validation": wall time of "Validate a Configuration" through the API on 3 and on 8 lab
 * nodes, every test of the catalogue, from validation.start to validation.finished:
 *   - cold: the nodes given as SSH targets (as the CLI gives them): connect, facts, tests;
 *   - warm: the nodes already connected (as the wizard passes them): facts cached, tests only.
 * Aim (issue 10): <= 6 s for 3 nodes, 8 nodes no more than 1.5x that.
 * Grows the lab to 8 nodes if it has fewer (labUp grows in place; nothing else changes).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { dispatch } from '../../electron/api/dispatch'
import type { ApiInput, ApiMethod, ApiOutput } from '../../electron/api/contract'
import type { ValidationNodeInput, ValidationReport } from '../../electron/api/validation'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { labUp, type LabNode, type LabState } from '../lab/lab'
import { waitFor } from '../support/wait-for'
import { median, type Bench, type BenchContext, type BenchRow } from './registry'

const SIZES = [3, 8] as const

async function call<M extends ApiMethod>(b: Backend, method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
  const r = await dispatch(b, method, input)
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
  return r.value as ApiOutput<M>
}

async function freshBackend(lab: LabState, dir: string): Promise<Backend> {
  const b = createBackend({ dataDir: fs.mkdtempSync(path.join(dir, 'data-')), mode: 'browser', connectTimeoutMs: 10_000 })
  for (const n of lab.nodes) await call(b, 'hostKeys.trust', { host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })
  return b
}

const rootTarget = (lab: LabState, n: LabNode) => ({ host: n.address, port: n.sshPort, username: 'root', auth: { kind: 'key' as const, privateKeyPath: lab.rootKeyPath } })

/** One run from start to finished, in ms; the report too, to check it is a real, complete run. */
async function timeOneRun(b: Backend, nodes: ValidationNodeInput[], vip: string): Promise<{ ms: number; report: ValidationReport }> {
  let finished = ''
  const off = b.events.on('validation.finished', (f) => {
    finished = f.runId
  })
  try {
    const t0 = performance.now()
    const { runId } = await call(b, 'validation.start', { nodes, vip })
    await waitFor(`validation ${runId}`, () => finished === runId, 120_000, 5)
    const ms = performance.now() - t0
    return { ms, report: await call(b, 'validation.report', { runId }) }
  } finally {
    off()
  }
}

function checkComplete(report: ValidationReport, size: number): string | undefined {
  const unreached = report.nodes.filter((n) => !n.facts)
  if (unreached.length) return `${unreached.length} node(s) unreached: ${unreached[0]!.error?.message}`
  if (report.results.length !== report.tests.length * size) return `only ${report.results.length} results`
  return undefined
}

export const validationBench: Bench = {
  name: 'validation',
  description: 'Validate a Configuration through the API, every test, 3 and 8 nodes (ms from start to finished)',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-bench-validation-'))
    try {
      const lab = await labUp({ nodes: Math.max(...SIZES), progress: (l) => ctx.log(`lab: ${l}`) })
      const vip = `${lab.vipPool[12]}/24`
      for (const size of SIZES) {
        const nodes = lab.nodes.slice(0, size)
        const cold: (number | null)[] = []
        const warm: (number | null)[] = []
        const notes = new Set<string>()
        for (let i = 0; i < ctx.repeats; i++) {
          const b = await freshBackend(lab, dir)
          try {
            const c = await timeOneRun(b, nodes.map((n) => ({ target: rootTarget(lab, n) })), vip)
            const bad = checkComplete(c.report, size)
            if (bad) notes.add(bad)
            cold.push(bad ? null : c.ms)
            ctx.log(`  ${size} nodes cold #${i + 1}: ${Math.round(c.ms)} ms, ${c.report.summary.overall} (${c.report.summary.failed} failed)`)
            // The same backend: the sessions from the cold run are live, as after the wizard's connect.
            const ids = c.report.nodes.map((n) => ({ connectionId: n.id }))
            const w = await timeOneRun(b, ids, vip)
            const badW = checkComplete(w.report, size)
            if (badW) notes.add(badW)
            warm.push(badW ? null : w.ms)
            ctx.log(`  ${size} nodes warm #${i + 1}: ${Math.round(w.ms)} ms, ${w.report.summary.overall}`)
          } finally {
            await b.dispose()
          }
        }
        const note = [...notes].join('; ') || undefined
        rows.push({ metric: 'validate ms, cold (connect + facts + tests)', subject: `${size} nodes`, median: median(cold), unit: 'ms', samples: cold, ...(note ? { note } : {}) })
        rows.push({ metric: 'validate ms, warm (already connected)', subject: `${size} nodes`, median: median(warm), unit: 'ms', samples: warm, ...(note ? { note } : {}) })
      }
      const m3 = rows.find((r) => r.subject === '3 nodes' && r.metric.includes('cold'))?.median
      const m8 = rows.find((r) => r.subject === '8 nodes' && r.metric.includes('cold'))?.median
      if (m3 && m8) rows.push({ metric: 'cold 8 nodes / 3 nodes', subject: 'ratio (aim <= 1.5)', median: m8 / m3, unit: 'x', samples: [m8 / m3] })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
    return rows
  }
}
