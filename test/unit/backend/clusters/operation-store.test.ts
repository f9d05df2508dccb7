// Operation records on disk: owner-only, read back whole, bounded to the last OPERATIONS_KEPT,
// and an unknown or malformed id answered as 'not-found' / refused before it becomes a path.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OperationReport } from '../../../../electron/api/cluster'
import { OperationStore, OPERATIONS_KEPT, operationsDir } from '../../../../electron/backend/clusters/operations/operation-store'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function store(): { s: OperationStore; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-opstore-'))
  dirs.push(dir)
  return { s: new OperationStore(dir), dir }
}

function report(i: number): OperationReport {
  return {
    id: `op-${i.toString(16).padStart(12, '0')}`,
    kind: 'create',
    clusterId: 'cl-0123456789abcdef',
    clusterName: 'web',
    startedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    outcome: 'succeeded',
    fromGeneration: 0,
    toGeneration: 1,
    steps: [],
    masters: [],
    leftovers: [],
    rollback: 'none'
  }
}

describe('operation records', () => {
  it('are saved owner-only and read back whole', () => {
    const { s, dir } = store()
    s.save({ report: report(1) })
    const file = path.join(operationsDir(dir), 'op-000000000001.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(s.load('op-000000000001').report).toEqual(report(1))
  })

  it(`keep only the last ${OPERATIONS_KEPT}`, () => {
    const { s, dir } = store()
    for (let i = 0; i < OPERATIONS_KEPT + 5; i++) {
      s.save({ report: report(i) })
      // Distinct mtimes, oldest first, so "the last" is well defined.
      const t = new Date(1_700_000_000_000 + i * 1000)
      fs.utimesSync(path.join(operationsDir(dir), `${report(i).id}.json`), t, t)
    }
    s.prune()
    expect(fs.readdirSync(operationsDir(dir))).toHaveLength(OPERATIONS_KEPT)
    expect(() => s.load(report(0).id)).toThrow(/There is no cluster operation op-000000000000/)
    expect(s.load(report(OPERATIONS_KEPT + 4).id).report.id).toBe(report(OPERATIONS_KEPT + 4).id)
    expect(s.list()[0]?.report.id).toBe(report(OPERATIONS_KEPT + 4).id)
  })

  it('refuse an id that is not an operation id before it becomes a path', () => {
    const { s } = store()
    expect(() => s.load('../../etc/passwd')).toThrow()
  })
})
