// The events file of a cluster: bounded by rotation, read again after a restart (a new service
// on the same data dir), damaged lines skipped; and the query's filters and paging.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ClusterEventsService } from '../../../electron/backend/cluster-events/cluster-events-service'
import type { EventInput } from '../../../electron/backend/cluster-events/event-record'
import { ApiException } from '../../../electron/api/errors'

const root = mkdtempSync(join(tmpdir(), 'havip-events-store-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const CL = 'cl-00000000000000a1'
const T0 = Date.parse('2026-12-01T20:00:00.000Z')

function service(dataDir: string, over: { maxFileBytes?: number; now?: () => number } = {}) {
  const emitted: unknown[] = []
  const logs: string[] = []
  const svc = new ClusterEventsService({ dataDir, events: { emit: (_n, p) => emitted.push(p) }, log: (_l, m) => logs.push(m), now: over.now ?? (() => T0 + 3_600_000), ...over })
  return { svc, emitted, logs }
}

const ev = (i: number, over: Partial<EventInput> = {}): EventInput => ({
  at: T0 + i * 1000 * 10,
  level: 'info',
  kind: 'agent',
  source: 'agent-log',
  node: i % 2 ? 'n1' : 'n2',
  message: `event number ${i}`,
  ...over
})

describe('cluster events file', () => {
  it('survives a restart, rotates at its bound and keeps the newest', () => {
    const dataDir = join(root, 'rotate')
    const a = service(dataDir, { maxFileBytes: 4096 })
    for (let i = 0; i < 60; i++) a.svc.record(CL, [ev(i)])
    expect(a.emitted).toHaveLength(60)
    const file = join(dataDir, 'events', `${CL}.jsonl`)
    const older = join(dataDir, 'events', `${CL}.1.jsonl`)
    // Two files at most, each within the bound.
    expect(statSync(file).size).toBeLessThanOrEqual(4096)
    expect(statSync(older).size).toBeLessThanOrEqual(4096)
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const b = service(dataDir, { maxFileBytes: 4096 })
    const page = b.svc.query({ clusterId: CL, limit: 1000 })
    // The newest survive, in time order; the oldest went with the rotation.
    expect(page.events[0]!.message).toBe('event number 59')
    expect(page.total).toBeLessThan(60)
    expect(page.total).toBeGreaterThan(20)
    const times = page.events.map((e) => e.at)
    expect(times).toEqual([...times].sort().reverse())
    // Read again after the restart, the same event is not recorded twice.
    expect(b.svc.record(CL, [ev(59)])).toHaveLength(0)
  })

  it('skips a damaged line and says so', () => {
    const dataDir = join(root, 'damaged')
    const a = service(dataDir)
    a.svc.record(CL, [ev(1), ev(2)])
    appendFileSync(join(dataDir, 'events', `${CL}.jsonl`), '{"id":"half a li\n')
    a.svc.record(CL, []) // nothing new, nothing written
    const b = service(dataDir)
    expect(b.svc.query({ clusterId: CL, limit: 10 }).total).toBe(2)
    expect(b.logs.join('\n')).toMatch(/1 damaged line\(s\) in .*cl-00000000000000a1\.jsonl skipped/)
  })

  it('orders events recorded out of order and keeps one of each happening', () => {
    const { svc } = service(join(root, 'order'))
    svc.record(CL, [ev(5), ev(1), ev(3)])
    svc.record(CL, [ev(2), ev(4), ev(3, { at: T0 + 30_000 + 800, source: 'live' })]) // ev(3) again, seen live 0.8 s later
    const page = svc.query({ clusterId: CL, limit: 100 })
    expect(page.events.map((e) => e.message)).toEqual([5, 4, 3, 2, 1].map((i) => `event number ${i}`))
    // The same words on the same node 10 s apart are two happenings.
    svc.record(CL, [ev(1, { at: T0 + 10_000 + 10_000 })])
    expect(svc.query({ clusterId: CL, limit: 100 }).total).toBe(6)
    // One source saying the same thing twice within a second is two happenings (a node flapping fast).
    svc.record(CL, [ev(7, { source: 'live' }), ev(7, { source: 'live', at: T0 + 70_000 + 500 })])
    expect(svc.query({ clusterId: CL, limit: 100, search: 'number 7' }).total).toBe(2)
  })

  it('filters by node, role, level, time and words, and pages newest first', () => {
    const { svc } = service(join(root, 'filter'))
    svc.record(CL, [
      ev(1, { role: 'web', level: 'warn', message: 'track script chk is now FAILING' }),
      ev(2, { role: 'db', kind: 'transition', from: 'BACKUP', to: 'MASTER', message: 'BACKUP -> MASTER: master down' }),
      ev(3, { level: 'error', message: 'cannot add 198.51.100.9 to eth1' }),
      ...Array.from({ length: 10 }, (_, i) => ev(10 + i))
    ])
    expect(svc.query({ clusterId: CL, limit: 100, nodes: ['n1'] }).events.every((e) => e.node === 'n1')).toBe(true)
    expect(svc.query({ clusterId: CL, limit: 100, roles: ['db'] }).events.map((e) => e.to)).toEqual(['MASTER'])
    expect(svc.query({ clusterId: CL, limit: 100, levels: ['warn', 'error'] }).total).toBe(2)
    expect(svc.query({ clusterId: CL, limit: 100, search: 'FAILING chk' }).total).toBe(1)
    expect(svc.query({ clusterId: CL, limit: 100, since: new Date(T0 + 100_000).toISOString() }).total).toBe(10)
    expect(svc.query({ clusterId: CL, limit: 100, since: '60m' }).total).toBe(13) // the clock is T0 + 1 h
    expect(svc.query({ clusterId: CL, limit: 100, since: '30m' }).total).toBe(0)
    expect(() => svc.query({ clusterId: CL, limit: 100, since: 'yesterday' })).toThrow(ApiException)

    const p1 = svc.query({ clusterId: CL, limit: 5 })
    expect(p1).toMatchObject({ total: 13, more: true })
    const p2 = svc.query({ clusterId: CL, limit: 5, before: p1.events.at(-1)!.id })
    const p3 = svc.query({ clusterId: CL, limit: 5, before: p2.events.at(-1)!.id })
    expect(p3.more).toBe(false)
    const all = [...p1.events, ...p2.events, ...p3.events].map((e) => e.id)
    expect(new Set(all).size).toBe(13)
  })

  it('exports JSON that reads back as the same events, oldest first', () => {
    const { svc } = service(join(root, 'export'))
    svc.record(CL, [ev(2), ev(1)])
    const out = svc.export({ clusterId: CL, format: 'json' })
    expect(out).toMatchObject({ mediaType: 'application/json', count: 2, truncated: false })
    expect(out.filename).toMatch(/^havip-events-cl-00000000000000a1-.*\.json$/)
    expect((JSON.parse(out.content) as { message: string }[]).map((e) => e.message)).toEqual(['event number 1', 'event number 2'])
  })

  it('forget removes the files', () => {
    const dataDir = join(root, 'forget')
    const { svc } = service(dataDir)
    svc.record(CL, [ev(1)])
    svc.forget(CL)
    expect(() => readFileSync(join(dataDir, 'events', `${CL}.jsonl`))).toThrow()
    expect(svc.query({ clusterId: CL, limit: 10 }).total).toBe(0)
  })
})
