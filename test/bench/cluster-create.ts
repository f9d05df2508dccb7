/**
 * Bench "cluster-create": wall time of Create Cluster through the API on real lab nodes, from
 * clusters.create to cluster.finished (deploy the agent, write the config, start, wait for one
 * master and the VIP answering), with validation skipped (validation has its own bench):
 *   - 3 nodes whose Node.js the agent uses (no runtime upload);
 *   - 3 nodes without Node.js (the lab's hideNodeJs shape): the runtime is uploaded;
 *   - 8 nodes, no runtime upload.
 * Each run starts from clean nodes and ends with clusters.destroy (not timed).
 * Aims (issue 11): <= 20 s for 3 nodes, <= 40 s with the runtime, 8 nodes <= 1.5x the 3-node time.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { dispatch } from '../../electron/api/dispatch'
import type { ApiInput, ApiMethod, ApiOutput } from '../../electron/api/contract'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { labUp, type LabNode, type LabState } from '../lab/lab'
import { hideNodeJs } from '../lab/shapes'
import { waitFor } from '../support/wait-for'
import { median, type Bench, type BenchContext, type BenchRow } from './registry'

async function call<M extends ApiMethod>(b: Backend, method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
  const r = await dispatch(b, method, input)
  if (!r.ok) throw new Error(`${method}: ${r.error.message}${r.error.hint ? ` (${r.error.hint})` : ''}`)
  return r.value as ApiOutput<M>
}

/** A backend with the lab's host keys pinned and every node connected as root. */
async function connectedBackend(lab: LabState, nodes: LabNode[], dir: string): Promise<{ b: Backend; ids: string[] }> {
  const b = createBackend({ dataDir: fs.mkdtempSync(path.join(dir, 'data-')), mode: 'browser', connectTimeoutMs: 10_000 })
  const ids: string[] = []
  for (const n of nodes) {
    await call(b, 'hostKeys.trust', { host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })
    const r = await call(b, 'connections.connect', { host: n.address, port: n.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    if (r.status !== 'connected') throw new Error(`connect ${n.name}: ${r.status}`)
    ids.push(r.connection.id)
  }
  return { b, ids }
}

/** Runs an operation to its end; returns its report (throws if it did not succeed). */
async function runOperation(b: Backend, start: () => Promise<{ operationId: string }>, what: string) {
  let done = ''
  const off = b.events.on('cluster.finished', (f) => {
    done = f.operationId
  })
  try {
    const { operationId } = await start()
    await waitFor(what, () => done === operationId, 180_000, 5)
    const report = await call(b, 'clusters.operation', { operationId })
    if (report.outcome !== 'succeeded') throw new Error(`${what} ${report.outcome}: ${report.error?.message ?? ''}`)
    return report
  } finally {
    off()
  }
}

/**
 * Where the time went, per step: from the first node's start of it to the last node's end, and
 * the longest single node's duration (the span grows with node count when nodes wait on each
 * other or share the CPU; the longest grows when one node's work gets slower).
 */
function stepTimes(steps: { step: string; startedAt?: string; finishedAt?: string }[], t0: number): string {
  const by = new Map<string, { first: number; last: number; longest: number }>()
  for (const s of steps) {
    if (!s.startedAt || !s.finishedAt) continue
    const a = Date.parse(s.startedAt) - t0
    const b = Date.parse(s.finishedAt) - t0
    const e = by.get(s.step) ?? { first: a, last: b, longest: 0 }
    by.set(s.step, { first: Math.min(e.first, a), last: Math.max(e.last, b), longest: Math.max(e.longest, b - a) })
  }
  return [...by].map(([k, v]) => `${k} ${(v.first / 1000).toFixed(1)}..${(v.last / 1000).toFixed(1)}s (longest ${(v.longest / 1000).toFixed(1)})`).join(', ')
}

async function timeCreate(lab: LabState, nodes: LabNode[], dir: string, run: number): Promise<{ ms: number; runtimeUploads: number; steps: string }> {
  const { b, ids } = await connectedBackend(lab, nodes, dir)
  let clusterId: string | undefined
  try {
    const t0 = performance.now()
    const wall0 = Date.now()
    const report = await runOperation(
      b,
      async () => {
        const r = await call(b, 'clusters.create', {
          name: `bench-${nodes.length}-${run}`,
          nodes: ids.map((connectionId) => ({ connectionId })),
          role: { vip: `${lab.vipPool[14]}/24`, vrid: 214 },
          validation: { skipReason: 'bench: validation is measured by its own bench' }
        })
        clusterId = r.clusterId
        return r
      },
      'create'
    )
    const ms = performance.now() - t0
    const runtimeUploads = report.steps.filter((s) => s.step === 'upload-runtime' && s.state === 'done').length
    if (!report.masters.every((m) => m.node && m.vipAnswers)) throw new Error(`create finished without a master answering: ${JSON.stringify(report.masters)}`)
    return { ms, runtimeUploads, steps: stepTimes(report.steps, wall0) }
  } finally {
    if (clusterId) {
      const name = (await call(b, 'clusters.list', {})).find((c) => c.id === clusterId)?.name
      if (name) await runOperation(b, () => call(b, 'clusters.destroy', { clusterId: clusterId!, confirmName: name }), 'destroy')
    }
    await b.dispose()
  }
}

export const clusterCreateBench: Bench = {
  name: 'cluster-create',
  description: 'Create Cluster through the API: deploy, start, one master, VIP answers (ms from create to finished)',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const rows: BenchRow[] = []
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-bench-create-'))
    try {
      const lab = await labUp({ nodes: 8, progress: (l) => ctx.log(`lab: ${l}`) })
      const cases: { subject: string; size: number; hideNode: boolean }[] = [
        { subject: '3 nodes, system Node.js', size: 3, hideNode: false },
        { subject: '3 nodes, runtime uploaded', size: 3, hideNode: true },
        { subject: '8 nodes, system Node.js', size: 8, hideNode: false }
      ]
      for (const c of cases) {
        const nodes = lab.nodes.slice(0, c.size)
        const samples: (number | null)[] = []
        const notes = new Set<string>()
        for (let i = 0; i < ctx.repeats; i++) {
          const undo = c.hideNode ? await Promise.all(nodes.map((n) => hideNodeJs(n))) : []
          try {
            const r = await timeCreate(lab, nodes, dir, i + 1)
            if (c.hideNode && r.runtimeUploads !== c.size) notes.add(`runtime uploaded to ${r.runtimeUploads} of ${c.size} nodes`)
            samples.push(r.ms)
            ctx.log(`  ${c.subject} #${i + 1}: ${Math.round(r.ms)} ms: ${r.steps}`)
          } catch (err) {
            notes.add((err as Error).message.slice(0, 300))
            samples.push(null)
            ctx.log(`  ${c.subject} #${i + 1}: failed: ${(err as Error).message}`)
          } finally {
            for (const u of undo) await u()
          }
        }
        const note = [...notes].join('; ') || undefined
        rows.push({ metric: 'create cluster ms', subject: c.subject, median: median(samples), unit: 'ms', samples, ...(note ? { note } : {}) })
      }
      const m3 = rows[0]?.median
      const m8 = rows[2]?.median
      if (m3 && m8) rows.push({ metric: 'create 8 nodes / 3 nodes', subject: 'ratio (aim <= 1.5)', median: m8 / m3, unit: 'x', samples: [m8 / m3] })
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
    return rows
  }
}
