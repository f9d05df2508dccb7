// The live console's pure model: an older snapshot never replaces a newer one, an Unreachable
// node shows since when it was last seen and never its last known role states, Split names every
// claimant, and the action guards / result sentences read as the issue asks.
import { describe, expect, it } from 'vitest'
import type { ClusterState, NodeLive } from '../../../electron/api/console'
import {
  alertRows,
  drillDurationText,
  failoverTakers,
  moveBlocked,
  moveResultText,
  moveTargets,
  newerSnapshot,
  nodeActionBlocked,
  nodeActionText,
  nodeRows,
  roleRows,
  simulateBlocked,
  simulateResultText
} from '../../../renderer/src/stores/live-state-model'

const NOW = new Date('2026-12-01T23:00:00Z')

function node(name: string, state: NodeLive['state'], roleState: 'Master' | 'Backup' = 'Backup'): NodeLive {
  return {
    name,
    host: `198.51.100.${name.slice(1)}`,
    state,
    lastSeenAt: '2026-12-01T22:58:00Z',
    agentVersion: '0.3.0',
    roles: [{ role: 'web', state: roleState, effectivePriority: 100, holdsVip: roleState === 'Master', lastAdvertAt: '2026-12-01T22:59:59Z', lastAdvertFrom: '198.51.100.1' }]
  }
}

function snapshot(over: Partial<ClusterState> = {}): ClusterState {
  return {
    clusterId: 'c1',
    name: 'lab',
    generation: 1,
    at: NOW.toISOString(),
    revision: 5,
    roles: [
      {
        name: 'web',
        vip: '198.51.100.200',
        vrid: 51,
        state: 'Online',
        owner: 'n1',
        claimants: ['n1'],
        preferredOwners: ['n1', 'n2'],
        failback: 'never',
        lastTransition: { node: 'n1', from: 'BACKUP', to: 'MASTER', cause: 'master down timer expired', at: '2026-12-01T22:59:00Z' }
      }
    ],
    nodes: [node('n1', 'Up', 'Master'), node('n2', 'Up'), node('n3', 'Unreachable')],
    alerts: [],
    ...over
  }
}

describe('newerSnapshot', () => {
  it('keeps the newer revision when an older snapshot arrives late', () => {
    const newer = snapshot({ revision: 7 })
    expect(newerSnapshot(newer, snapshot({ revision: 6 }))).toBe(newer)
    const next = snapshot({ revision: 8 })
    expect(newerSnapshot(newer, next)).toBe(next)
  })
  it('takes a newer generation even with a lower revision, and any snapshot of another cluster', () => {
    const cur = snapshot({ revision: 9 })
    const regen = snapshot({ generation: 2, revision: 0 })
    expect(newerSnapshot(cur, regen)).toBe(regen)
    expect(newerSnapshot(regen, snapshot({ revision: 10 }))).toBe(regen)
    const other = snapshot({ clusterId: 'c2', revision: 0 })
    expect(newerSnapshot(cur, other)).toBe(other)
  })
})

describe('roleRows', () => {
  it('shows owner, preferred owners, failback and the last transition with its cause', () => {
    const r = roleRows(snapshot(), NOW)[0]!
    expect(r).toMatchObject({ name: 'web', owner: 'n1', tone: 'ok', preferredOwners: 'n1, n2', failback: 'Prevent failback', transition: 'n1: BACKUP → MASTER', transitionCause: 'master down timer expired' })
    expect(r.transitionAt).not.toBe('')
  })
  it('names every claimant of a split role and says when nobody owns it', () => {
    const s = snapshot()
    const web = s.roles[0]!
    const split = roleRows({ ...s, roles: [{ ...web, state: 'Split', owner: null, claimants: ['n1', 'n2'] }] }, NOW)[0]!
    expect(split.owner).toBe('n1 + n2 (both claim it)')
    expect(split.tone).toBe('bad')
    const failed = roleRows({ ...s, roles: [{ ...web, state: 'Failed', owner: null, claimants: [], lastTransition: null }] }, NOW)[0]!
    expect(failed.owner).toBe('(none)')
    expect(failed.transition).toBe('')
  })
})

describe('nodeRows', () => {
  it('shows an Unreachable node as Unknown per role with since when it was last seen', () => {
    const s = snapshot()
    // Even if a stale entry were still present, an Unreachable node must not show it.
    const [up, gone] = nodeRows({ ...s, nodes: [node('n1', 'Up', 'Master'), { ...node('n3', 'Unreachable', 'Master') }] }, NOW)
    expect(up?.lastSeen).toBe('')
    expect(up?.roles[0]).toMatchObject({ state: 'Master', priority: '100', holdsVip: true, lastAdvert: '1 s ago from 198.51.100.1' })
    expect(gone?.roles[0]).toMatchObject({ state: 'Unknown', priority: '', holdsVip: false })
    expect(gone?.lastSeen).toContain('2 min ago')
  })
})

describe('alertRows', () => {
  it('lists raised alerts before cleared ones', () => {
    const a = { kind: 'no-master' as const, message: 'x', since: NOW.toISOString() }
    const rows = alertRows(snapshot({ alerts: [{ ...a, id: 'old', clearedAt: NOW.toISOString() }, { ...a, id: 'now', clearedAt: null }] }))
    expect(rows.map((r) => [r.id, r.raised])).toEqual([['now', true], ['old', false]])
  })
})

describe('action guards and results', () => {
  it('offers Up nodes other than the owner as Move targets', () => {
    expect(moveTargets(snapshot(), 'web')).toEqual(['n2'])
    expect(moveBlocked(snapshot(), 'web')).toBeUndefined()
    const alone = snapshot({ nodes: [node('n1', 'Up', 'Master'), node('n2', 'Paused')] })
    expect(moveBlocked(alone, 'web')).toMatch(/No other node is Up/)
  })
  it('allows each node action only in the state it applies to', () => {
    expect(nodeActionBlocked(node('n1', 'Up'), 'pause')).toBeUndefined()
    expect(nodeActionBlocked(node('n1', 'Up'), 'resume')).toMatch(/not paused/)
    expect(nodeActionBlocked(node('n1', 'Paused'), 'resume')).toBeUndefined()
    expect(nodeActionBlocked(node('n1', 'Down'), 'start')).toBeUndefined()
    expect(nodeActionBlocked(node('n1', 'Unreachable'), 'start')).toMatch(/SSH/)
    expect(nodeActionBlocked(node('n1', 'Down'), 'stop')).toMatch(/not running/)
  })
  it('says who holds the role now and the measured outage', () => {
    const m = { role: 'web', from: 'n1', owner: 'n2', outageMs: 0, measuredBy: 'agent clocks', message: 'moved' }
    expect(moveResultText(m)).toBe('web is now on n2 (was n1); measured outage 0 ms (agent clocks).')
    expect(moveResultText({ ...m, outageMs: null, from: null })).toBe('web is now on n2; outage not measurable (agent clocks).')
    const lines = nodeActionText({ node: 'n1', nodeState: 'Paused', moves: [m], message: 'Paused.', warnings: [{ kind: 'command-failed', message: 'db could not move', hint: 'Move it by hand.' }] })
    expect(lines).toEqual(['Paused. n1 is now Paused.', moveResultText(m), 'Warning: db could not move Move it by hand.'])
  })
})

describe('Simulate Failure', () => {
  it('is offered when the role has an owner and another Up node in Backup can take it; otherwise says why (a full outage)', () => {
    expect(failoverTakers(snapshot(), 'web')).toEqual(['n2'])
    expect(simulateBlocked(snapshot(), 'web')).toBeUndefined()
    const alone = snapshot({ nodes: [node('n1', 'Up', 'Master'), node('n2', 'Paused'), node('n3', 'Down')] })
    expect(simulateBlocked(alone, 'web')).toBe('No other node can take web (n2 Paused, n3 Down): the drill would be a full outage. Resume or start a node first.')
    const ownerless = snapshot({ roles: [{ ...snapshot().roles[0]!, state: 'Failed', owner: null, claimants: [] }] })
    expect(simulateBlocked(ownerless, 'web')).toBe('web has no owner now (Failed): there is nothing to fail over.')
    const split = snapshot({ roles: [{ ...snapshot().roles[0]!, state: 'Split', owner: null, claimants: ['n1', 'n2'] }] })
    expect(simulateBlocked(split, 'web')).toMatch(/split \(n1 and n2 both claim it\)/)
  })
  it('reads the result: who took the role, the measured outage and how, when the node recovers and what failback does', () => {
    const lines = simulateResultText({
      role: 'web', failedNode: 'n1', newOwner: 'n2', outageMs: 612.4, measuredBy: 'agent clocks', recoversAt: '2026-12-01T23:00:30Z',
      failback: 'failback "never": n1 rejoins as a backup and the role stays on n2 until someone moves it', message: 'unused'
    })
    expect(lines[0]).toBe('web failed over from n1 to n2; measured outage 612 ms (agent clocks).')
    expect(lines[1]).toMatch(/^n1 recovers at .+; failback "never": n1 rejoins as a backup and the role stays on n2 until someone moves it\.$/)
    expect([5000, 30_000, 120_000].map(drillDurationText)).toEqual(['5 s', '30 s', '2 min'])
  })
  it('shows why a node is in Fault next to its state (a simulated failure says until when)', () => {
    const failed: NodeLive = { ...node('n1', 'Up'), roles: [{ ...node('n1', 'Up').roles[0]!, state: 'Fault', faultCause: 'simulated failure until 2026-12-01T23:00:30Z' }] }
    const rows = nodeRows(snapshot({ nodes: [failed, node('n2', 'Up', 'Master')] }), NOW)
    expect(rows[0]!.roles[0]).toMatchObject({ state: 'Fault', tone: 'bad', faultCause: 'simulated failure until 2026-12-01T23:00:30Z' })
    expect(rows[1]!.roles[0]!.faultCause).toBe('')
  })
})
