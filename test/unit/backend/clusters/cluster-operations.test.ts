// The cluster operations' orchestration, over the in-memory FAKE deployer (fake-cluster-lab.ts):
// the order of the steps on and across nodes, the validation gate, refusing a node of another
// cluster without touching anything, converging when a failed create is run again, the
// two-phase write of a new generation, Add Node / Evict / Destroy / Configure Role / Rollback,
// and reports that survive a restart. The real deployer is proven in test/integration/clusters/.
import { afterEach, describe, expect, it } from 'vitest'
import type { CreateClusterRequest, OperationReport } from '../../../../electron/api/cluster'
import { CreateClusterRequestSchema } from '../../../../electron/api/cluster'
import { ApiException } from '../../../../electron/api/errors'
import { SshError } from '../../../../electron/backend/ssh/errors'
import { ClusterOperations } from '../../../../electron/backend/clusters/operations/cluster-operations'
import { KnownClusters } from '../../../../electron/backend/clusters/known-clusters'
import { fakeLab, MUTATING, validationReport, type FakeLab } from './fake-cluster-lab'

const labs: FakeLab[] = []
afterEach(() => {
  for (const l of labs.splice(0)) l.cleanup()
})

function lab(count: number, opts?: Parameters<typeof fakeLab>[1]): FakeLab {
  const l = fakeLab(count, opts)
  labs.push(l)
  return l
}

function createRequest(l: FakeLab, names: string[], extra: Partial<CreateClusterRequest> & { vrid?: number } = {}): CreateClusterRequest {
  const { vrid, ...rest } = extra
  return CreateClusterRequestSchema.parse({
    name: 'web',
    nodes: names.map((n) => ({ connectionId: l.conn(n) })),
    role: { vip: '198.51.100.210/24', ...(vrid !== undefined ? { vrid } : { vrid: 210 }) },
    validation: { skipReason: 'unit test of the orchestration' },
    ...rest
  })
}

async function createOk(l: FakeLab, names = ['n1', 'n2', 'n3']): Promise<OperationReport> {
  const { operationId } = l.ops.create(createRequest(l, names))
  const r = await l.ops.whenFinished(operationId)
  expect(r.error?.message ?? '').toBe('')
  expect(r.outcome).toBe('succeeded')
  return r
}

function indexOf(calls: string[], call: string): number {
  const i = calls.indexOf(call)
  expect(i, `${call} was called`).toBeGreaterThanOrEqual(0)
  return i
}

function mutations(l: FakeLab): string[] {
  return l.deployer.calls.filter((c) => MUTATING.some((m) => c.split(' ')[1] === m))
}

async function expectRefused(fn: () => unknown, kind: string, message: RegExp): Promise<void> {
  let caught: unknown
  try {
    await fn()
  } catch (err) {
    caught = err
  }
  expect(caught, 'the call was refused').toBeInstanceOf(ApiException)
  expect((caught as ApiException).error.kind).toBe(kind)
  expect((caught as ApiException).error.message).toMatch(message)
}

describe('Create Cluster', () => {
  it('deploys in order on each node, starts no agent before every node is ready, and finds one master with the VIP answering', async () => {
    const l = lab(3)
    const progress: string[] = []
    l.events.on('cluster.progress', (e) => progress.push(`${e.step.step}${e.step.node ? `@${e.step.node}` : ''}:${e.step.state}`))
    const r = await createOk(l)
    const calls = l.deployer.calls
    for (const n of ['n1', 'n2', 'n3']) {
      const seq = ['inspect', 'installRelease', 'writeConfig g1', 'installService', 'start'].map((op) => indexOf(calls, `${n} ${op}`))
      expect(seq).toEqual([...seq].sort((a, b) => a - b))
    }
    const lastPreflight = Math.max(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} inspect`)))
    const firstChange = Math.min(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} installRelease`)))
    expect(lastPreflight).toBeLessThan(firstChange)
    const lastServiceInstall = Math.max(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} installService`)))
    const firstStart = Math.min(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} start`)))
    expect(lastServiceInstall).toBeLessThan(firstStart)
    // n3 has the highest address: VRRP's tie-break makes it master at equal priority.
    expect(r.masters).toEqual([{ role: 'vip1', node: 'n3', vipAnswers: true }])
    expect(r.toGeneration).toBe(1)
    expect(r.validation).toEqual({ skipReason: 'unit test of the orchestration' })
    expect(l.known.get(r.clusterId)?.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3'])
    expect(progress).toContain('install-release@n2:running')
    expect(progress).toContain('wait-master:done')
    expect(progress).toContain('vip-answers:done')
    // The VIP was probed from a node that is not the master.
    expect(calls.filter((c) => c.endsWith('probe 198.51.100.210')).every((c) => !c.startsWith('n3 '))).toBe(true)
  })

  it('keeps its report on disk: a new service (a restart) reads it', async () => {
    const l = lab(2)
    const r = await createOk(l, ['n1', 'n2'])
    const again = new ClusterOperations(l.deps)
    expect(again.operation(r.id)).toMatchObject({ id: r.id, outcome: 'succeeded', masters: r.masters })
  })

  it('a one-node cluster probes its VIP from the master itself and says so', async () => {
    const l = lab(1)
    const r = await createOk(l, ['n1'])
    expect(r.steps.find((s) => s.step === 'vip-answers')?.message).toMatch(/n1 itself \(a one-node cluster/)
  })

  it('uploads the runtime to a node without Node.js and says so', async () => {
    const l = lab(2)
    l.node('n2').nodeVersion = null
    const r = await createOk(l, ['n1', 'n2'])
    expect(r.steps.find((s) => s.step === 'install-release' && s.node === 'n2')?.message).toMatch(/Node\.js .* uploaded/)
    expect(r.steps.filter((s) => s.step === 'upload-runtime').map((s) => [s.node, s.state])).toEqual([['n2', 'done']])
    expect(l.node('n2').uploadedRuntime).not.toBeNull()
    expect(l.node('n1').uploadedRuntime).toBeNull()
  })

  it('refuses a node that is already in another cluster, naming both, and touches no node', async () => {
    const l = lab(3)
    await createOk(l, ['n1', 'n2'])
    const before = mutations(l).length
    const { operationId } = l.ops.create(createRequest(l, ['n2', 'n3'], { name: 'db' }))
    const r = await l.ops.whenFinished(operationId)
    expect(r.outcome).toBe('failed')
    expect(r.error?.kind).toBe('conflict')
    expect(r.error?.message).toMatch(/n2 .* is already in the cluster web \(cl-[0-9a-f]{16}/)
    expect(mutations(l).length).toBe(before)
    expect(r.rollback).toBe('none')
    expect(l.node('n3').releases).toEqual([])
  })

  it('refuses a name this desktop already knows', async () => {
    const l = lab(3)
    await createOk(l, ['n1', 'n2'])
    await expectRefused(() => l.ops.create(createRequest(l, ['n3'])), 'conflict', /already knows a cluster named web/)
  })

  it('a node cut off mid-deploy fails the create with what is left where; the same create again converges on the same cluster id', async () => {
    const l = lab(3)
    l.deployer.failures.set('n2 installService', { times: 1, error: () => new SshError({ kind: 'disconnected', host: '198.51.100.12', message: '198.51.100.12: the connection was lost', hint: 'Check the node.' }) })
    const first = l.ops.create(createRequest(l, ['n1', 'n2', 'n3']))
    const r1 = await l.ops.whenFinished(first.operationId)
    expect(r1.outcome).toBe('failed')
    expect(r1.error?.message).toMatch(/connection was lost/)
    expect(r1.rollback).toBe('remove-everything')
    expect(r1.leftovers.find((x) => x.node === 'n2')?.what).toMatch(/cluster\.json of web .* generation 1/)
    // No agent started anywhere: one node was not ready.
    expect(l.deployer.calls.some((c) => c.endsWith(' start'))).toBe(false)

    const second = l.ops.create(createRequest(l, ['n1', 'n2', 'n3']))
    expect(second.clusterId).toBe(first.clusterId)
    const r2 = await l.ops.whenFinished(second.operationId)
    expect(r2.error?.message ?? '').toBe('')
    expect(r2.outcome).toBe('succeeded')
    expect(r2.steps.find((s) => s.step === 'preflight' && s.node === 'n1')?.message).toMatch(/earlier attempt: converging/)
    expect([...l.nodes.values()].every((n) => n.cluster?.id === first.clusterId && n.service?.running)).toBe(true)
  })

  it('a rerun after the agents started reloads them instead of starting a second one', async () => {
    const l = lab(2)
    l.deployer.failures.set('n1 probe', { times: 3, error: () => new Error('probe failed') })
    l.deployer.failures.set('n2 probe', { times: 3, error: () => new Error('probe failed') })
    const first = l.ops.create(createRequest(l, ['n1', 'n2']))
    const r1 = await l.ops.whenFinished(first.operationId)
    expect(r1.outcome).toBe('failed')
    expect(r1.leftovers.map((x) => x.what).join(' ')).toMatch(/installed and running/)
    const second = l.ops.create(createRequest(l, ['n1', 'n2']))
    const r2 = await l.ops.whenFinished(second.operationId)
    expect(r2.error?.message ?? '').toBe('')
    expect(r2.outcome).toBe('succeeded')
    expect(r2.steps.filter((s) => s.step === 'start').map((s) => s.message)).toEqual(['already running: reloaded', 'already running: reloaded'])
  })

  it('rollback remove-everything cleans every node of a failed create and forgets the cluster', async () => {
    const l = lab(2)
    l.deployer.failures.set('n2 start', { times: 1, error: () => new Error('the agent did not start') })
    const c = l.ops.create(createRequest(l, ['n1', 'n2']))
    const r = await l.ops.whenFinished(c.operationId)
    expect(r.rollback).toBe('remove-everything')
    expect(l.known.get(c.clusterId)).toBeDefined() // recorded before any agent started
    const rb = l.ops.rollback(c.operationId)
    const rr = await l.ops.whenFinished(rb.operationId)
    expect(rr.outcome).toBe('succeeded')
    expect([...l.nodes.values()].every((n) => n.releases.length === 0 && n.cluster === null && n.service === null)).toBe(true)
    expect(l.known.get(c.clusterId)).toBeUndefined()
  })
})

describe('the validation gate', () => {
  it('takes the VRID the scan proposed and records the run', async () => {
    const l = lab(2)
    validationReport(l, 'run-1', ['n1', 'n2'], { proposedVrid: 77 })
    const req = CreateClusterRequestSchema.parse({ name: 'web', nodes: [{ connectionId: l.conn('n1') }, { connectionId: l.conn('n2') }], role: { vip: '198.51.100.210/24' }, validation: { runId: 'run-1' } })
    const { operationId } = l.ops.create(req)
    const r = await l.ops.whenFinished(operationId)
    expect(r.outcome).toBe('succeeded')
    expect(r.validation).toEqual({ runId: 'run-1', overall: 'Success' })
    expect(l.node('n1').cluster?.roles[0]?.vrid).toBe(77)
  })

  it('refuses a run with Failed results, naming the tests and nodes, before anything starts', async () => {
    const l = lab(2)
    const rep = validationReport(l, 'run-2', ['n1', 'n2'])
    rep.results.push({ testId: 'network.vip-in-subnet', nodeId: l.conn('n2'), status: 'Failed', details: 'not in subnet' })
    await expectRefused(() => l.ops.create(createRequest(l, ['n1', 'n2'], { validation: { runId: 'run-2' } })), 'invalid-input', /Failed results: network\.vip-in-subnet on root@198\.51\.100\.12/)
    expect(l.deployer.calls).toEqual([])
  })

  it('refuses a run that did not cover every node', async () => {
    const l = lab(3)
    validationReport(l, 'run-3', ['n1', 'n2'])
    await expectRefused(() => l.ops.create(createRequest(l, ['n1', 'n2', 'n3'], { validation: { runId: 'run-3' } })), 'invalid-input', /did not cover the node c-n3/)
  })

  it('refuses a VRID the scan heard from someone else, naming the sender', async () => {
    const l = lab(2)
    const rep = validationReport(l, 'run-4', ['n1', 'n2'])
    rep.results[0]!.evidence = [{ label: 'VRID 51', value: '198.51.100.31 (priority 150, VRRPv3, every 1 s, multicast, VIPs 198.51.100.219)' }]
    await expectRefused(() => l.ops.create(createRequest(l, ['n1', 'n2'], { vrid: 51, validation: { runId: 'run-4' } })), 'conflict', /VRID 51 is already in use on this segment: 198\.51\.100\.31 \(priority 150/)
  })

  it('with validation skipped, asks for a VRID', async () => {
    const l = lab(1)
    const req = CreateClusterRequestSchema.parse({ name: 'web', nodes: [{ connectionId: l.conn('n1') }], role: { vip: '198.51.100.210/24' }, validation: { skipReason: 'lab' } })
    await expectRefused(() => l.ops.create(req), 'invalid-input', /Validation was skipped.*give the role a VRID/)
  })
})

describe('changing a cluster', () => {
  it('Add Node deploys the new node, writes the next generation on all nodes before any reload, and the cluster forms', async () => {
    const l = lab(4)
    const c = await createOk(l)
    l.deployer.calls.length = 0
    const { operationId } = l.ops.addNode({ clusterId: c.clusterId, node: { connectionId: l.conn('n4') }, validation: { skipReason: 'unit' } })
    const r = await l.ops.whenFinished(operationId)
    expect(r.error?.message ?? '').toBe('')
    expect(r).toMatchObject({ outcome: 'succeeded', fromGeneration: 1, toGeneration: 2 })
    const calls = l.deployer.calls
    const lastWrite = Math.max(...['n1', 'n2', 'n3', 'n4'].map((n) => indexOf(calls, `${n} writeConfig g2`)))
    const firstReload = Math.min(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} reload`)))
    expect(lastWrite).toBeLessThan(firstReload)
    expect(indexOf(calls, 'n4 installRelease')).toBeLessThan(indexOf(calls, 'n4 writeConfig g2'))
    expect(indexOf(calls, 'n4 start')).toBeGreaterThan(lastWrite)
    expect(r.masters[0]?.node).toBe('n4')
    expect(l.known.get(c.clusterId)?.generation).toBe(2)
  })

  it('a write that fails on one node puts the old generation back where it was written and reloads nothing', async () => {
    const l = lab(3)
    const c = await createOk(l)
    l.deployer.calls.length = 0
    l.deployer.failures.set('n3 writeConfig', { times: 1, error: () => new Error('No space left on device') })
    const { operationId } = l.ops.addRole({ clusterId: c.clusterId, role: { name: 'vip2', vip: '198.51.100.211/24', vrid: 211, version: 3, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'none' }, preferredOwners: ['n1'], failback: { policy: 'never' } } })
    const r = await l.ops.whenFinished(operationId)
    expect(r.outcome).toBe('failed')
    expect(r.error?.message).toMatch(/Generation 2 could not be written on n3 \(n3: No space left on device\)\. Generation 1 was written back on n1, n2/)
    expect(l.deployer.calls.filter((x) => x.endsWith(' reload'))).toEqual([])
    expect([...l.nodes.values()].map((n) => n.cluster?.generation)).toEqual([1, 1, 1])
    expect(r.toGeneration).toBe(1)
  })

  it('a second role with a preferred owner becomes master on that owner; removing it again bumps the generation', async () => {
    const l = lab(3)
    const c = await createOk(l)
    const add = l.ops.addRole({ clusterId: c.clusterId, role: { name: 'vip2', vip: '198.51.100.211/24', vrid: 211, version: 3, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'none' }, preferredOwners: ['n1'], failback: { policy: 'never' } } })
    const r = await l.ops.whenFinished(add.operationId)
    expect(r.masters).toEqual([{ role: 'vip1', node: 'n3', vipAnswers: true }, { role: 'vip2', node: 'n1', vipAnswers: true }])
    const rm = l.ops.removeRole({ clusterId: c.clusterId, role: 'vip2' })
    const r2 = await l.ops.whenFinished(rm.operationId)
    expect(r2).toMatchObject({ outcome: 'succeeded', toGeneration: 3 })
    expect(l.node('n2').cluster?.roles.map((x) => x.name)).toEqual(['vip1'])
  })

  it('Configure Role refuses a VRID the scan hears in use, before writing anything', async () => {
    const scan = { scan: async () => ({ inUseBy: '198.51.100.31 (keepalived)', proposed: 99 }) }
    const l = lab(2, { vridScan: scan })
    const c = await createOk(l, ['n1', 'n2'])
    l.deployer.calls.length = 0
    const { operationId } = l.ops.setRole({ clusterId: c.clusterId, role: 'vip1', changes: { vrid: 51 } })
    const r = await l.ops.whenFinished(operationId)
    expect(r.error).toMatchObject({ kind: 'conflict' })
    expect(r.error?.message).toMatch(/VRID 51 is already in use .* 198\.51\.100\.31/)
    expect(mutations(l)).toEqual([])
  })

  it('Evict moves the role away from the master first, then removes the agent there, and the rest form without it', async () => {
    const l = lab(3)
    const c = await createOk(l)
    l.deployer.calls.length = 0
    const { operationId } = l.ops.evictNode({ clusterId: c.clusterId, node: 'n3' })
    const r = await l.ops.whenFinished(operationId)
    expect(r.error?.message ?? '').toBe('')
    const calls = l.deployer.calls
    // n2 takes vip1 over (planned) before n3 stops, and lets go of its takeover once n3 is gone.
    expect(indexOf(calls, 'n2 control takeover vip1')).toBeLessThan(indexOf(calls, 'n3 stop'))
    expect(indexOf(calls, 'n3 stop')).toBeLessThan(indexOf(calls, 'n2 control release vip1'))
    expect(indexOf(calls, 'n3 stop')).toBeLessThan(indexOf(calls, 'n3 removeAll'))
    expect(r.steps.find((s) => s.step === 'release')?.message).toBe('moved vip1 → n2')
    expect(r.masters).toEqual([{ role: 'vip1', node: 'n2', vipAnswers: true }])
    expect(l.node('n3').cluster).toBeNull()
    expect(l.node('n1').cluster?.nodes.map((n) => n.name)).toEqual(['n1', 'n2'])
    expect(l.known.get(c.clusterId)?.nodes.map((n) => n.name)).toEqual(['n1', 'n2'])
  })

  it('refuses to evict the last node: that is Destroy', async () => {
    const l = lab(1)
    const c = await createOk(l, ['n1'])
    await expectRefused(() => l.ops.evictNode({ clusterId: c.clusterId, node: 'n1' }), 'invalid-input', /last node .* Destroy/)
  })

  it('one operation per cluster at a time', async () => {
    const l = lab(2)
    const c = await createOk(l, ['n1', 'n2'])
    l.ops.removeRole({ clusterId: c.clusterId, role: 'vip1' })
    await expectRefused(() => l.ops.removeRole({ clusterId: c.clusterId, role: 'vip1' }), 'conflict', /busy with operation op-/)
  })

  it('rollback to the previous generation writes it again as a new generation', async () => {
    const l = lab(3)
    const c = await createOk(l)
    // A role whose VIP never answers: formation fails after the generation was committed.
    l.deployer.failures.set('n1 probe', { times: 100, error: () => new Error('probe failed') })
    const add = l.ops.addRole({ clusterId: c.clusterId, role: { name: 'vip2', vip: '198.51.100.211/24', vrid: 211, version: 3, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'none' }, preferredOwners: ['n3'], failback: { policy: 'never' } } })
    const r = await l.ops.whenFinished(add.operationId)
    expect(r).toMatchObject({ outcome: 'failed', rollback: 'previous-generation', toGeneration: 2 })
    l.deployer.failures.clear()
    const rb = l.ops.rollback(add.operationId)
    const rr = await l.ops.whenFinished(rb.operationId)
    expect(rr.error?.message ?? '').toBe('')
    expect(rr).toMatchObject({ outcome: 'succeeded', toGeneration: 3 })
    expect([...l.nodes.values()].map((n) => [n.cluster?.generation, n.cluster?.roles.map((x) => x.name).join()])).toEqual([[3, 'vip1'], [3, 'vip1'], [3, 'vip1']])
  })
})

describe('Destroy Cluster', () => {
  it('needs the name repeated', async () => {
    const l = lab(1)
    const c = await createOk(l, ['n1'])
    await expectRefused(() => l.ops.destroy({ clusterId: c.clusterId, confirmName: 'other' }), 'invalid-input', /type its name exactly/)
  })

  it('with a node unreachable: cleans the others, says what is left there, keeps the cluster known and marked Destroy incomplete (persisted; changes refused); once it is back, destroys it and forgets the cluster', async () => {
    const l = lab(3)
    const c = await createOk(l)
    l.node('n2').reachable = false
    const d1 = l.ops.destroy({ clusterId: c.clusterId, confirmName: 'web' })
    const r1 = await l.ops.whenFinished(d1.operationId)
    expect(r1.outcome).toBe('failed')
    expect(r1.leftovers).toHaveLength(1)
    expect(r1.leftovers[0]).toMatchObject({ node: 'n2' })
    expect(r1.leftovers[0]!.what).toMatch(/not reached/)
    expect(l.node('n1').releases).toEqual([])
    expect(l.node('n3').service).toBeNull()
    // Still listed, marked with what is left where, in the list file (a restart reads it back).
    const mark = { at: expect.any(String), operationId: d1.operationId, leftovers: [{ node: 'n2', what: expect.stringMatching(/^not reached/) }] }
    expect(l.known.get(c.clusterId)?.destroyIncomplete).toEqual(mark)
    expect(new KnownClusters(l.dataDir).get(c.clusterId)?.destroyIncomplete).toEqual(mark)
    expect(r1.error?.hint).toMatch(/marked "Destroy incomplete"/)
    // Reading the cluster again from n2 (which still holds it) keeps the mark; a change is refused.
    l.known.upsert({ ...l.known.get(c.clusterId)!, destroyIncomplete: undefined, lastSeenAt: new Date().toISOString() })
    expect(l.known.get(c.clusterId)?.destroyIncomplete).toEqual(mark)
    await expectRefused(() => l.ops.evictNode({ clusterId: c.clusterId, node: 'n3' }), 'conflict', /web was partly destroyed \(n2 not cleaned\)/)

    l.node('n2').reachable = true
    const d2 = l.ops.destroy({ clusterId: c.clusterId, confirmName: 'web' })
    const r2 = await l.ops.whenFinished(d2.operationId)
    expect(r2.outcome).toBe('succeeded')
    expect(l.node('n2').cluster).toBeNull()
    expect(l.known.get(c.clusterId)).toBeUndefined()
    expect(new KnownClusters(l.dataDir).list()).toEqual([])
  })

  it('stops every agent before removing anything', async () => {
    const l = lab(3)
    const c = await createOk(l)
    l.deployer.calls.length = 0
    const d = l.ops.destroy({ clusterId: c.clusterId, confirmName: 'web' })
    await l.ops.whenFinished(d.operationId)
    const calls = l.deployer.calls
    const lastStop = Math.max(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} stop`)))
    const firstRemove = Math.min(...['n1', 'n2', 'n3'].map((n) => indexOf(calls, `${n} removeAll`)))
    expect(lastStop).toBeLessThan(firstRemove)
  })
})
