/**
 * The live state computed from what real agents printed (recorded in the lab): roles, nodes and
 * the cross-checks, with time passing on a fake clock where it matters (grace, settling, strangers).
 */
import { describe, expect, it } from 'vitest'
import { parseFeedLine, type AgentStatusReport } from '../../../electron/backend/live/agent-report'
import { computeState, noMasterGraceMs, STRANGER_QUIET_MS, type StateInput } from '../../../electron/backend/live/cluster-state-model'
import { AlertBook, SETTLE_MS } from '../../../electron/backend/live/cross-checks'
import { emptyObservation, observe, type NodeObservation } from '../../../electron/backend/live/node-observation'
import { definition, edited, line, recorded } from './recorded'

const T0 = Date.parse('2026-12-01T22:07:12.000Z')
const grace = (a: number) => noMasterGraceMs(a, 5000)

function status(raw: unknown): AgentStatusReport {
  const p = parseFeedLine(line(raw))
  if (p.kind !== 'status') throw new Error(`not a status: ${p.kind}`)
  return p.status
}

function world(statuses: Partial<Record<string, unknown>>, at = T0): Map<string, NodeObservation> {
  const m = new Map<string, NodeObservation>()
  for (const n of definition.nodes) {
    const o = emptyObservation()
    const raw = statuses[n.name]
    if (raw) observe(o, { kind: 'status', status: status(raw), at })
    m.set(n.name, o)
  }
  return m
}

function input(observations: Map<string, NodeObservation>, over: Partial<StateInput> = {}): StateInput {
  return { definition, observations, generationMismatch: new Set(), noMasterSince: new Map(), now: T0, ...over }
}

describe('live state from recorded agent output', () => {
  it('steady: n1 master with the VIP, n2 backup: role Online, owner n1, nodes Up with priorities and the last advert heard', () => {
    const s = computeState(input(world({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 })), grace)
    const role = s.roles[0]!
    expect(role).toMatchObject({ name: 'vip1', state: 'Online', owner: 'n1', claimants: ['n1'], failback: 'never' })
    expect(role.lastTransition).toMatchObject({ node: 'n1', from: 'backup', to: 'master', cause: 'master down timer expired: no master heard' })
    const [n1, n2, n3] = s.nodes
    expect(n1).toMatchObject({ state: 'Up', agentVersion: '0.1.0', roles: [{ role: 'vip1', state: 'Master', effectivePriority: 150, holdsVip: true }] })
    expect(n2).toMatchObject({ state: 'Up', roles: [{ role: 'vip1', state: 'Backup', effectivePriority: 100, holdsVip: false, lastAdvertFrom: '198.51.100.11' }] })
    expect(n2!.roles[0]!.lastAdvertAt).toMatch(/^2026-12-01T22:07/)
    // n3 was never heard: Unreachable without a last-seen time, and no role state shown for it.
    expect(n3).toMatchObject({ state: 'Unreachable', lastSeenAt: null, roles: [] })
    expect(s.conditions).toEqual([])
  })

  it('a recorded split brain (n3 ran VRID 177 without hearing n1): both claim master, the role is Split and a split-brain condition names them', () => {
    const s = computeState(input(world({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2, n3: recorded.statusSteady.n3 })), grace)
    expect(s.roles[0]).toMatchObject({ state: 'Split', owner: null, claimants: ['n1', 'n3'] })
    const split = s.conditions.find((c) => c.kind === 'split-brain')
    expect(split?.message).toMatch(/n1 and n3/)
  })

  it('after the planned takeover: n2 is the owner; paused n1 shows Paused with its role in Maintenance', () => {
    const after = computeState(input(world({ n1: recorded.statusAfterTakeover.n1, n2: recorded.statusAfterTakeover.n2 })), grace)
    expect(after.roles[0]).toMatchObject({ state: 'Online', owner: 'n2' })
    const paused = computeState(input(world({ n1: recorded.statusPaused.n1, n2: recorded.statusPaused.n2 })), grace)
    expect(paused.nodes[0]).toMatchObject({ name: 'n1', state: 'Paused', roles: [{ state: 'Maintenance' }] })
    expect(paused.roles[0]).toMatchObject({ owner: 'n2', state: 'Online' })
    expect(paused.roles[0]!.lastTransition).toMatchObject({ node: 'n2', to: 'master', cause: expect.stringMatching(/resigned \(priority 0 advert\)/) })
  })

  it('watch events recorded from n2 move the state at once, before the next status', () => {
    const obs = world({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 })
    const events = recorded.watchLines.flatMap((l) => { const p = parseFeedLine(line(l)); return p.kind === 'event' ? [p.event] : [] })
    expect(events.length).toBeGreaterThanOrEqual(4)
    const takeover = events.find((e) => e.type === 'transition' && e.to === 'master')!
    observe(obs.get('n2')!, { kind: 'event', event: takeover, at: T0 + 10 })
    const s = computeState(input(obs), grace)
    expect(s.nodes[1]!.roles[0]).toMatchObject({ state: 'Master', holdsVip: true })
    // n1 has not said it stepped down yet: two claimants for a moment (the alert waits to settle, below).
    expect(s.roles[0]!.claimants).toEqual(['n1', 'n2'])
    expect(s.roles[0]!.lastTransition?.cause).toMatch(/planned takeover by admin/)
  })

  it('a resume streamed as a transition out of Maintenance shows the node Up at once (not Paused until the next status)', () => {
    const obs = world({ n1: recorded.statusPaused.n1, n2: recorded.statusPaused.n2 })
    expect(computeState(input(obs), grace).nodes[0]!.state).toBe('Paused')
    observe(obs.get('n1')!, { kind: 'event', event: { time: '2026-12-01T22:07:23.000Z', type: 'transition', instance: 'vip1', from: 'maintenance', to: 'backup', reason: 'resumed by admin' }, at: T0 + 1 })
    const s = computeState(input(obs), grace)
    expect(s.nodes[0]).toMatchObject({ state: 'Up', roles: [{ state: 'Backup' }] })
  })

  it('the watch ack carries a full status; a stopped agent (ctl status fails) reads as agent-down, and a garbled line is skipped', () => {
    expect(parseFeedLine(line(recorded.watchLines[0])).kind).toBe('status')
    const down = parseFeedLine(`havip-live: agent-down ${recorded.statusNoAgent.stderr.trim()}`)
    expect(down).toEqual({ kind: 'agent-down', why: expect.stringMatching(/no havip-agent is listening/) })
    expect(parseFeedLine(line(recorded.takeoverUnknown.json))).toEqual({ kind: 'agent-down', why: 'no instance named "nosuch"; instances here: vip1' })
    expect(parseFeedLine('{"ok":true,"result":{"instances":"nope"}}').kind).toBe('other')
    expect(parseFeedLine('not json').kind).toBe('other')
  })

  it('a node whose agent is down is Down; an unreachable one keeps only its last-seen time, never its last state', () => {
    const obs = world({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 })
    observe(obs.get('n2')!, { kind: 'agent-down', why: 'no havip-agent is listening on /run/havip/agent.sock (ENOENT)', at: T0 + 1000 })
    observe(obs.get('n1')!, { kind: 'unreachable', why: 'no word from n1 for 15 s', at: T0 + 20_000 })
    const s = computeState(input(obs, { now: T0 + 20_000 }), grace)
    expect(s.nodes[1]).toMatchObject({ state: 'Down', roles: [], problem: expect.stringMatching(/not running/) })
    expect(s.nodes[0]).toMatchObject({ state: 'Unreachable', roles: [], lastSeenAt: new Date(T0).toISOString(), problem: 'no word from n1 for 15 s' })
    // The master may be the node the app cannot hear: Pending, never Failed, and no no-master alert.
    expect(s.roles[0]).toMatchObject({ state: 'Pending', owner: null })
    expect(s.conditions.filter((c) => c.kind === 'no-master')).toEqual([])
  })

  it('no master: Pending within the grace (longer than Master_Down_Interval), then Failed with a no-master condition', () => {
    const backup = recorded.statusSteady.n2
    const obs = world({ n1: edited(recorded.statusPaused.n1, () => undefined), n2: backup, n3: backup })
    const since = new Map([['vip1', T0]])
    const g = grace(1000)
    expect(g).toBeGreaterThan(3 * 1000 + 1000 * (256 - 100) / 256)
    expect(computeState(input(obs, { noMasterSince: since, now: T0 + g - 1 }), grace).roles[0]!.state).toBe('Pending')
    const late = computeState(input(obs, { noMasterSince: since, now: T0 + g }), grace)
    expect(late.roles[0]!.state).toBe('Failed')
    expect(late.conditions.map((c) => c.id)).toContain('no-master:vip1')
  })

  it('a VIP on a node that is not master: Split, and a vip-on-non-master condition naming the node', () => {
    const stray = edited(recorded.statusSteady.n2, (i) => { i.vipsHeld = ['198.51.100.207/24'] })
    const s = computeState(input(world({ n1: recorded.statusSteady.n1, n2: stray })), grace)
    expect(s.roles[0]!.state).toBe('Split')
    expect(s.conditions).toEqual([expect.objectContaining({ id: 'vip-on-non-master:vip1:n2', node: 'n2' })])
  })

  it('stranger VRID: n1 counted "unknown-source" adverts (from the stranger on n3); growth after the first status raises it, quiet for 30 s clears it', () => {
    const obs = world({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 })
    // The first status is a baseline: adverts counted before the app watched are history.
    expect(computeState(input(obs), grace).conditions).toEqual([])
    // n1's next recorded status: its unknown-source count went 3 -> 5.
    observe(obs.get('n1')!, { kind: 'status', status: status(recorded.statusAfterTakeover.n1), at: T0 + 5000 })
    observe(obs.get('n2')!, { kind: 'status', status: status(recorded.statusAfterTakeover.n2), at: T0 + 5000 })
    const s = computeState(input(obs, { now: T0 + 5000 }), grace)
    expect(s.conditions).toEqual([expect.objectContaining({ id: 'stranger-vrid:vip1:n1', kind: 'stranger-vrid', message: expect.stringMatching(/VRID 177/) })])
    expect(computeState(input(obs, { now: T0 + 5000 + STRANGER_QUIET_MS }), grace).conditions).toEqual([])
  })

  it('a node holding another generation raises generation-mismatch', () => {
    const s = computeState(input(world({ n1: recorded.statusSteady.n1 }), { generationMismatch: new Set(['n3']) }), grace)
    expect(s.conditions).toEqual([expect.objectContaining({ id: 'generation-mismatch:n3', kind: 'generation-mismatch' })])
  })
})

describe('alerts', () => {
  it('a split brain shorter than the settle time (a planned takeover) raises nothing; a lasting one is raised with its first-seen time, stays, and clears on heal', () => {
    const book = new AlertBook()
    const split = { id: 'split-brain:vip1', kind: 'split-brain' as const, role: 'vip1', message: 'two masters' }
    expect(book.update([split], T0).raised).toEqual([])
    expect(book.update([], T0 + 100).cleared).toEqual([])
    expect(book.list()).toEqual([])
    book.update([split], T0 + 1000)
    const raised = book.update([split], T0 + 1000 + SETTLE_MS['split-brain']).raised
    expect(raised).toEqual([expect.objectContaining({ id: 'split-brain:vip1', since: new Date(T0 + 1000).toISOString(), clearedAt: null })])
    expect(book.update([split], T0 + 9000).raised).toEqual([])
    const cleared = book.update([], T0 + 10_000).cleared
    expect(cleared).toEqual([expect.objectContaining({ clearedAt: new Date(T0 + 10_000).toISOString() })])
    expect(book.list()).toHaveLength(1) // still listed, cleared
    book.update([], T0 + 10_000 + 11 * 60_000)
    expect(book.list()).toEqual([])
  })

  it('is bounded: at most 64 alerts, the oldest cleared dropped first', () => {
    const book = new AlertBook()
    const many = Array.from({ length: 70 }, (_, i) => ({ id: `generation-mismatch:n${i}`, kind: 'generation-mismatch' as const, node: `n${i}`, message: 'x' }))
    book.update(many, T0)
    expect(book.list()).toHaveLength(64)
  })
})
