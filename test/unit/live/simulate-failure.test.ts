/**
 * Simulate Failure in the console's backend, on recorded agent output: the drill goes to the
 * role's owner as `ctl simulate-failure ROLE --duration-ms N`, the result names the new owner and
 * the outage read from the agents' transition times (as Move reads it) and says what the failback
 * policy does after the window; a drill with no owner, or no other node to take the role (a full
 * outage), is refused before anything is sent, naming the nodes and their states; a failover that
 * never comes ends the drill at once.
 */
import { describe, expect, it } from 'vitest'
import type { ClusterDefinition, Role } from '../../../electron/api/cluster'
import { SIMULATE_FAILURE_MAX_MS, SIMULATE_FAILURE_MIN_MS, SimulateFailureRequestSchema } from '../../../electron/api/console'
import { parseFeedLine } from '../../../electron/backend/live/agent-report'
import { computeState, noMasterGraceMs } from '../../../electron/backend/live/cluster-state-model'
import { emptyObservation, observe } from '../../../electron/backend/live/node-observation'
import { failbackAfter, simulateFailure } from '../../../electron/backend/live/simulate-failure'
import { SIMULATE_FAILURE_MAX_MS as AGENT_MAX, SIMULATE_FAILURE_MIN_MS as AGENT_MIN } from '../../../agent/track/simulated-failure'
import { definition, edited, recorded } from './recorded'
import { refusal, T0, watchOf, type AgentStandIn } from './recorded-watch'

const n3Backup = edited(recorded.statusSteady.n2, (i) => { i.effectivePriority = 50; i.basePriority = 50; i.primaryAddress = '198.51.100.13' })
const UNTIL = '2026-12-01T22:07:35.000Z'
const LEFT = '2026-12-01T22:07:30.100Z'
const TOOK = '2026-12-01T22:07:30.720Z'

/** n1 goes to Fault on simulate-failure and n2 takes over after its skew time, as the lab shows. */
const failingOver: AgentStandIn = (node, argv, set) => {
  if (argv[1] !== 'simulate-failure') return { ok: false, error: `unexpected ${argv.join(' ')}` }
  if (argv.includes('--cancel')) return { ok: true, result: [] }
  const fault = edited(recorded.statusSteady.n1, (i) => {
    Object.assign(i, { state: 'fault', fault: true, vipsHeld: [], holdsVips: false, health: `simulated failure until ${UNTIL}`, simulatedFailure: { until: UNTIL, durationMs: 5000, startedAt: LEFT } })
    i.lastTransition = { from: 'master', to: 'fault', reason: `fault: simulated failure until ${UNTIL}`, at: LEFT }
  })
  set(node, fault)
  set('n2', edited(recorded.statusSteady.n2, (i) => {
    Object.assign(i, { state: 'master', vipsHeld: i.vips, holdsVips: true })
    i.lastTransition = { from: 'backup', to: 'master', reason: 'master 198.51.100.11 resigned (priority 0 advert); skew time 340 ms passed', at: TOOK }
  }))
  return { ok: true, result: (fault as { result: { instances: unknown[] } }).result.instances }
}

const withFailback = (failback: Role['failback']): ClusterDefinition => ({ ...definition, roles: [{ ...definition.roles[0]!, failback }] })

describe('simulate failure: the drill', () => {
  it('runs ctl simulate-failure on the owner; the result names the new owner, the outage by the agents\' clocks, when the node recovers and what failback does', async () => {
    const { w, commands } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: n3Backup }, definition, failingOver)
    const r = await simulateFailure(w, 'vip1', 5000)
    expect(commands).toEqual([['n1', 'ctl', 'simulate-failure', 'vip1', '--duration-ms', '5000', '--json']])
    expect(r).toMatchObject({ role: 'vip1', failedNode: 'n1', newOwner: 'n2', outageMs: 620, recoversAt: UNTIL })
    expect(r.measuredBy).toMatch(/agents' transition times .*n1 left master at 2026-12-01T22:07:30.100Z, n2 became master at 2026-12-01T22:07:30.720Z/)
    expect(r.failback).toBe('failback "never": n1 rejoins as a backup and the role stays on n2 until someone moves it')
    expect(r.message).toBe(`Simulated failure of n1: role vip1 failed over to n2; outage 620 ms. n1 recovers at ${UNTIL}; ${r.failback}.`)
  })

  it('equal backups that both became master: the result names the one that won the tie once it settled, not the first seen', async () => {
    const tieWonByN3 = (set: (node: string, status: unknown) => void): void => {
      set('n2', edited(recorded.statusSteady.n2, (i) => { i.lastTransition = { from: 'master', to: 'backup', reason: 'advert from 198.51.100.13 with priority 100: equal to ours, and 198.51.100.13 > 198.51.100.12 wins the tie', at: '2026-12-01T22:07:30.900Z' } }))
      set('n3', edited(recorded.statusSteady.n2, (i) => {
        Object.assign(i, { state: 'master', primaryAddress: '198.51.100.13', vipsHeld: i.vips, holdsVips: true })
        i.lastTransition = { from: 'backup', to: 'master', reason: 'master 198.51.100.11 resigned (priority 0 advert); skew time 340 ms passed', at: '2026-12-01T22:07:30.721Z' }
      }))
    }
    const { w } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: n3Backup }, definition, failingOver, tieWonByN3)
    const r = await simulateFailure(w, 'vip1', 5000)
    expect(r).toMatchObject({ failedNode: 'n1', newOwner: 'n3', outageMs: 621 })
    expect(r.message).toMatch(/failed over to n3; outage 621 ms/)
  })

  it('a failover that does not come ends the drill at once, and says which node and what the nodes are doing', async () => {
    const stuck: AgentStandIn = (_node, argv) => ({ ok: true, result: argv.includes('--cancel') ? [] : [{ name: 'vip1', vrid: 177, state: 'fault', simulatedFailure: { until: UNTIL } }] })
    const { w, commands } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: n3Backup }, definition, stuck)
    const e = await refusal(simulateFailure(w, 'vip1', 5000))
    expect(e).toMatchObject({ kind: 'timeout', node: 'n1' })
    expect(e.message).toMatch(/No other node took role vip1 within 5 s of n1's simulated failure; the simulated failure was cancelled\. Nodes: n1 Up \(Master\), n2 Up \(Backup\), n3 Up \(Backup\)/)
    expect(commands.map((c) => c.slice(1).join(' '))).toEqual(['ctl simulate-failure vip1 --duration-ms 5000 --json', 'ctl simulate-failure vip1 --cancel --json'])
  })
})

describe('simulate failure: refused before anything is sent', () => {
  it('a role with no owner: nothing to fail over; the nodes and their states are named', async () => {
    const backup1 = edited(recorded.statusSteady.n2, (i) => { i.primaryAddress = '198.51.100.11' })
    const { w, sessions } = watchOf({ n1: backup1, n2: recorded.statusSteady.n2, n3: 'down' })
    const e = await refusal(simulateFailure(w, 'vip1', 5000))
    expect(e).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/Role vip1 has no owner now \((Pending|Failed)\): there is nothing to fail over\. Nodes: n1 Up \(Backup\), n2 Up \(Backup\), n3 Down\./) })
    expect(sessions).toEqual([])
  })

  it('no other node can take the role: a full outage, said as such, naming each node and why', async () => {
    const { w, sessions } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusPaused.n1, n3: 'down' })
    const e = await refusal(simulateFailure(w, 'vip1', 30_000))
    expect(e.message).toMatch(/Simulating a failure of n1 would be a full outage of role vip1 for 30 s: no other node can take it \(n2 is paused: resume it first \(Resume\); the Cluster Service is stopped on n3: start it first\)/)
    expect(e).toMatchObject({ kind: 'conflict', node: 'n1', hint: expect.stringMatching(/Resume or start another node/) })
    expect(sessions).toEqual([])
  })

  it('a split role, and an unknown role', async () => {
    const { w, sessions } = watchOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: recorded.statusSteady.n3 })
    expect((await refusal(simulateFailure(w, 'vip1', 5000))).message).toMatch(/Role vip1 is split: n1 and n3 both claim it/)
    expect(await refusal(simulateFailure(w, 'nope', 5000))).toMatchObject({ kind: 'not-found', message: expect.stringMatching(/no role nope/) })
    expect(sessions).toEqual([])
  })

  it('the API refuses durations out of 1 s..10 min, the same bounds as the agent', () => {
    expect([SIMULATE_FAILURE_MIN_MS, SIMULATE_FAILURE_MAX_MS]).toEqual([AGENT_MIN, AGENT_MAX])
    const ok = (durationMs: number) => SimulateFailureRequestSchema.safeParse({ clusterId: definition.id, role: 'vip1', durationMs }).success
    expect([ok(999), ok(1000), ok(600_000), ok(600_001), ok(1500.5)]).toEqual([false, true, true, false, false])
  })
})

describe('simulate failure: what the failback policy does after the window', () => {
  it('says whether the failed node takes the role back, by policy and priority', () => {
    expect(failbackAfter(withFailback({ policy: 'immediately' }).roles[0]!, 'n1', 'n2', 150, 100)).toMatch(/"immediately": n1 outranks n2 \(150 > 100\), so it takes the role back as soon as it recovers/)
    expect(failbackAfter(withFailback({ policy: 'immediately' }).roles[0]!, 'n1', 'n2', 100, 150)).toMatch(/n1 does not outrank n2: the role stays on n2/)
    expect(failbackAfter(withFailback({ policy: 'window', startHour: 22, endHour: 6 }).roles[0]!, 'n1', 'n2', 150, 100)).toMatch(/within its window \(22:00-6:00 on the node's clock\): n1 takes the role back when it recovers only inside that window/)
  })
})

describe('simulate failure: the console shows it', () => {
  it('from the watch events alone (before the next status): the node in Fault with its cause, and Backup again when it ends', () => {
    const o = emptyObservation()
    const p = parseFeedLine(JSON.stringify(recorded.statusSteady.n1))
    if (p.kind !== 'status') throw new Error('recorded status did not parse')
    observe(o, { kind: 'status', status: p.status, at: T0 })
    const event = (e: Record<string, unknown>) => {
      const f = parseFeedLine(JSON.stringify({ event: { instance: 'vip1', ...e } }))
      if (f.kind !== 'event') throw new Error('event did not parse')
      observe(o, { kind: 'event', event: f.event, at: T0 })
    }
    const n1 = () => computeState({ definition, observations: new Map([['n1', o]]), generationMismatch: new Set(), noMasterSince: new Map(), now: T0 }, (a) => noMasterGraceMs(a, 5000)).nodes.find((n) => n.name === 'n1')!.roles[0]!
    event({ time: LEFT, type: 'health', reason: `simulated failure until ${UNTIL}`, priority: 150 })
    event({ time: LEFT, type: 'transition', from: 'master', to: 'fault', reason: `fault: simulated failure until ${UNTIL}`, priority: 150 })
    expect(n1()).toMatchObject({ state: 'Fault', holdsVip: false, faultCause: `simulated failure until ${UNTIL}` })
    event({ time: UNTIL, type: 'health', reason: 'all tracked checks ok', priority: 150 })
    event({ time: UNTIL, type: 'transition', from: 'fault', to: 'backup', reason: 'fault cleared: all tracked checks ok', priority: 150 })
    expect(n1().state).toBe('Backup')
    expect(n1().faultCause).toBeUndefined()
  })
})
