// Flapping on a fake clock: more than maxChanges owner changes within windowMinutes flags the
// role (one event when it starts, a flag on every page while it lasts), and the flag goes once
// the changes age out of the window. Settings are kept per cluster across a restart.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ClusterEvent } from '../../../electron/api/events'
import { ClusterEventsService } from '../../../electron/backend/cluster-events/cluster-events-service'
import type { EventInput } from '../../../electron/backend/cluster-events/event-record'
import { DEFAULT_FLAPPING } from '../../../electron/backend/cluster-events/flapping'

const root = mkdtempSync(join(tmpdir(), 'havip-events-flap-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const CL = 'cl-00000000000000f1'

function setup(dir: string) {
  let now = Date.parse('2026-12-01T21:00:00.000Z')
  const emitted: ClusterEvent[] = []
  const svc = new ClusterEventsService({ dataDir: join(root, dir), events: { emit: (_n, p) => emitted.push(p as ClusterEvent) }, log: () => undefined, now: () => now })
  const master = (node: string, role = 'web'): EventInput => ({ at: now, level: 'info', kind: 'transition', source: 'live', node, role, from: 'BACKUP', to: 'MASTER', message: `BACKUP -> MASTER: takeover` })
  return { svc, emitted, master, advance: (ms: number) => (now += ms), now: () => now }
}

describe('flapping', () => {
  it('flags a role past the threshold once, and the flag goes when the changes age out', () => {
    const t = setup('defaults')
    expect(DEFAULT_FLAPPING).toEqual({ maxChanges: 4, windowMinutes: 10 })
    for (let i = 0; i < 4; i++) {
      t.svc.record(CL, [t.master(i % 2 ? 'n1' : 'n2')])
      t.advance(60_000)
    }
    expect(t.svc.query({ clusterId: CL, limit: 10 }).flapping).toEqual([])
    // Another role's changes do not count for web.
    t.svc.record(CL, [t.master('n1', 'db')])
    expect(t.svc.query({ clusterId: CL, limit: 10 }).flapping).toEqual([])
    t.svc.record(CL, [t.master('n2')]) // the 5th change of web within 10 minutes
    const flags = t.svc.query({ clusterId: CL, limit: 10 }).flapping
    expect(flags).toMatchObject([{ role: 'web', changes: 5, threshold: 4, windowMinutes: 10 }])
    const flapEvents = t.emitted.filter((e) => e.kind === 'flapping')
    expect(flapEvents).toHaveLength(1)
    expect(flapEvents[0]).toMatchObject({ level: 'warn', role: 'web', message: expect.stringMatching(/role web is flapping: its owner changed 5 times in 10 minutes \(more than 4\)/) })
    // A 6th change while flagged: no second flapping event.
    t.advance(30_000)
    t.svc.record(CL, [t.master('n1')])
    expect(t.emitted.filter((e) => e.kind === 'flapping')).toHaveLength(1)
    // Eleven quiet minutes later the window holds fewer changes: no flag.
    t.advance(11 * 60_000)
    expect(t.svc.query({ clusterId: CL, limit: 10 }).flapping).toEqual([])
  })

  it('takes its threshold and window from the settings, kept across a restart', () => {
    const t = setup('settings')
    t.svc.record(CL, [t.master('n1')])
    t.advance(1000)
    t.svc.record(CL, [t.master('n2')])
    expect(t.svc.query({ clusterId: CL, limit: 10 }).flapping).toEqual([])
    t.svc.setFlapping(CL, { maxChanges: 1, windowMinutes: 1 })
    expect(t.svc.query({ clusterId: CL, limit: 10 }).flapping).toMatchObject([{ role: 'web', changes: 2, threshold: 1, windowMinutes: 1 }])
    expect(t.emitted.filter((e) => e.kind === 'flapping')).toHaveLength(1)
    const again = new ClusterEventsService({ dataDir: join(root, 'settings'), events: { emit: () => undefined }, log: () => undefined, now: t.now })
    expect(again.query({ clusterId: CL, limit: 10 }).settings).toEqual({ maxChanges: 1, windowMinutes: 1 })
    t.advance(2 * 60_000)
    expect(again.query({ clusterId: CL, limit: 10 }).flapping).toEqual([])
  })
})
