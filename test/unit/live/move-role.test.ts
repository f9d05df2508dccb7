/**
 * Move's decisions before anything is sent, and its outage figure, on recorded agent output:
 * Best Possible Node, the refusals that name the node and what to do, the refusal of a move the
 * failback policy would undo at once, and the outage read from the agents' transition times.
 */
import { describe, expect, it } from 'vitest'
import type { ClusterDefinition } from '../../../electron/api/cluster'
import { bestPossibleNode, measureOutage, moveRole } from '../../../electron/backend/live/move-role'
import { definition, edited, recorded } from './recorded'
import { refusal, watchOf } from './recorded-watch'

const n3Backup = edited(recorded.statusSteady.n2, (i) => { i.effectivePriority = 50; i.basePriority = 50; i.primaryAddress = '198.51.100.13' })

describe('move: choosing and refusing', () => {
  it('Best Possible Node is the highest effective priority among Up nodes that do not hold the role', () => {
    const { w } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: n3Backup })
    expect(bestPossibleNode(w.snapshot(), definition, 'vip1', [])).toBe('n2')
    expect(bestPossibleNode(w.snapshot(), definition, 'vip1', ['n2'])).toBe('n3')
    const paused = watchOf({ n1: recorded.statusPaused.n2, n2: recorded.statusPaused.n1, n3: n3Backup })
    // n2 paused (recorded): it is skipped.
    expect(bestPossibleNode(paused.w.snapshot(), definition, 'vip1', [])).toBe('n3')
  })

  it('refuses, before touching any node, a move to a paused, stopped or unknown node, and one with no candidate', async () => {
    const { w, sessions } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusPaused.n1, n3: 'down' })
    expect(await refusal(moveRole(w, 'vip1', 'n2'))).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/n2 is paused: resume it first/) })
    expect(await refusal(moveRole(w, 'vip1', 'n3'))).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/Cluster Service is stopped on n3/) })
    expect(await refusal(moveRole(w, 'vip1', 'n9'))).toMatchObject({ kind: 'not-found', hint: 'Its nodes: n1, n2, n3.' })
    expect(await refusal(moveRole(w, 'nope', undefined))).toMatchObject({ kind: 'not-found', message: expect.stringMatching(/no role nope/) })
    expect(await refusal(moveRole(w, 'vip1', undefined))).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/No other node can take role vip1/) })
    expect(sessions).toEqual([])
  })

  it('refuses a move to a node whose agent answers but has not loaded its roles yet (just started), saying to try again', async () => {
    const starting = JSON.parse(JSON.stringify(recorded.statusSteady.n2)) as typeof recorded.statusSteady.n2 & { result: { instances: unknown[] } }
    starting.result.instances = []
    const { w, sessions } = watchOf({ n1: recorded.statusSteady.n1, n2: starting, n3: n3Backup })
    expect(await refusal(moveRole(w, 'vip1', 'n2'))).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/n2 has not reported role vip1 yet \(its Cluster Service is starting\): try again in a few seconds/) })
    expect(sessions).toEqual([])
  })

  it('refuses a split role, and a move its failback policy ("immediately") would undo at once, naming the node that would take it back', async () => {
    const split = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: recorded.statusSteady.n3 })
    expect(await refusal(moveRole(split.w, 'vip1', 'n2'))).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/split: n1 and n3/) })
    const immediately: ClusterDefinition = { ...definition, roles: [{ ...definition.roles[0]!, failback: { policy: 'immediately' } }] }
    const m = watchOf({ n1: recorded.statusAfterTakeover.n2, n2: recorded.statusAfterTakeover.n1, n3: n3Backup }, immediately)
    // n1 (recorded as master, 100) -> n3 (50): n2 (150) preempts once the takeover is released.
    const r = await refusal(moveRole(m.w, 'vip1', 'n3'))
    expect(r.message).toMatch(/would go straight back to n2: its failback policy is "immediately" and n2 has a higher priority \(150\) than n3/)
    expect(r.hint).toMatch(/failback to "never"/)
    expect(m.sessions).toEqual([])
  })

  it('moving a role to its owner changes nothing', async () => {
    const { w, sessions } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 })
    expect(await moveRole(w, 'vip1', 'n1')).toMatchObject({ owner: 'n1', from: 'n1', message: expect.stringMatching(/already holds/) })
    expect(sessions).toEqual([])
  })
})

describe('move: the outage from the agents\' transition times', () => {
  it('the recorded planned takeover: n2 became master before n1 let go, so no gap (the overlap is said)', () => {
    const { w } = watchOf({ n1: recorded.statusAfterTakeover.n1, n2: recorded.statusAfterTakeover.n2 })
    const m = measureOutage(w, 'vip1', 'n1', 'n2')
    expect(m.outageMs).toBe(0)
    expect(m.measuredBy).toMatch(/n2 held the VIP 86 ms before n1 let it go/)
  })

  it('the recorded pause of n1: it resigned, and n2 became master after the skew time: that gap is the outage', () => {
    const { w } = watchOf({ n1: recorded.statusPaused.n1, n2: recorded.statusPaused.n2 })
    const m = measureOutage(w, 'vip1', 'n1', 'n2')
    expect(m.outageMs).toBe(Date.parse('2026-12-01T22:07:21.459Z') - Date.parse('2026-12-01T22:07:20.841Z'))
    expect(m.outageMs).toBeGreaterThan(0)
  })

  it('not measurable without an old master or its transition', () => {
    const { w } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 })
    expect(measureOutage(w, 'vip1', null, 'n1').outageMs).toBeNull()
    expect(measureOutage(w, 'vip1', 'n2', 'n1').measuredBy).toMatch(/did not report both transitions/)
  })
})
