// The reachability service over fake node sessions (the lab test runs the real agent): the
// agent's probe command as it is started, its JSON lines becoming ordered batches, an owner
// change becoming a transition whose outage is measured from the samples, and every way a
// session ends aborting its remote probes (stop, forgetting the cluster, dispose).
import { describe, expect, it } from 'vitest'
import type { ApiEventPayload } from '../../../electron/api/contract'
import type { ClusterReading } from '../../../electron/backend/clusters/cluster-directory'
import type { OwnerChange } from '../../../electron/backend/reachability/ownership'
import { ReachabilityService } from '../../../electron/backend/reachability/reachability-service'
import type { ExecOptions, SshSession } from '../../../electron/backend/ssh/session'
import { waitFor } from '../../support/wait-for'
import { agentAccess } from '../live/fake-session'

interface FakeRun {
  node: string
  argv: string[]
  opts: ExecOptions
  line(o: object): void
}

function fakeCluster(clusterId: string): { reading: ClusterReading; runs: FakeRun[]; sessionFor(id: string): Promise<SshSession> } {
  const runs: FakeRun[] = []
  const reading = {
    definition: {
      name: 'web', id: clusterId,
      nodes: [{ name: 'n1' }, { name: 'n2' }, { name: 'n3' }],
      roles: [{ name: 'vip1', vip: '198.51.100.210/24' }]
    },
    nodes: [],
    connectionIds: { n1: 'c-1', n2: 'c-2', n3: 'c-3' }
  } as unknown as ClusterReading
  const sessionFor = async (id: string): Promise<SshSession> => {
    const node = `n${id.slice(2)}`
    return {
      exec: (argv: string[], opts: ExecOptions = {}) =>
        new Promise((_resolve, reject) => {
          runs.push({ node, argv, opts, line: (o) => opts.onStdout?.(JSON.stringify(o) + '\n') })
          opts.signal?.addEventListener('abort', () => reject(new Error('stopped on request')))
        })
    } as unknown as SshSession
  }
  return { reading, runs, sessionFor }
}

function setup(clusterId = 'cl-0123456789abcdef', firstOwner: string | null = 'n1') {
  const cluster = fakeCluster(clusterId)
  const events: Array<{ name: string; payload: unknown }> = []
  let ownerChange: ((c: OwnerChange) => void) | undefined
  let ownerStopped = false
  let now = 0
  const service = new ReachabilityService({
    read: async () => cluster.reading,
    sessionFor: cluster.sessionFor,
    agent: agentAccess,
    owners: {
      follow: async (_c, _r, onChange) => {
        ownerChange = onChange
        return { owner: firstOwner, stop: () => (ownerStopped = true) }
      }
    },
    events: { emit: (name, payload) => events.push({ name, payload }) },
    log: () => {},
    now: () => now,
    flushMs: 10
  })
  return {
    service, cluster, events,
    setNow: (t: number) => (now = t),
    changeOwner: (c: OwnerChange) => ownerChange!(c),
    ownerStopped: () => ownerStopped,
    of: <E extends 'reachability.samples' | 'reachability.transition'>(name: E) => events.filter((e) => e.name === name).map((e) => e.payload as ApiEventPayload<E>)
  }
}

describe('ReachabilityService', () => {
  it('runs the agent\'s probe as root on each chosen node and hands its lines on in send order, in batches', async () => {
    const t = setup()
    const s = await t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n2', 'n3'], intervalMs: 50, timeoutMs: 1000 })
    expect(s.target).toBe('198.51.100.210')
    expect(s.owner).toBe('n1')
    expect(t.cluster.runs.map((r) => r.node)).toEqual(['n2', 'n3'])
    const run = t.cluster.runs[0]!
    expect(run.argv.slice(2)).toEqual(['probe', '198.51.100.210', '--interval-ms', '50', '--timeout-ms', '1000', '--json'])
    expect(run.opts).toMatchObject({ sudo: true, streamOnly: true, quiet: true })
    run.line({ seq: 1, sentAt: 1050, rttMs: 0.3 })
    run.line({ seq: 0, sentAt: 1000, lost: true })
    run.opts.onStdout!('{"seq":2,"sentAt":1100,"rt') // a line split across chunks
    run.opts.onStdout!('tMs":0.4}\nnot json\n')
    await waitFor('a batch', () => t.of('reachability.samples').length > 0, 2000, 5)
    const batches = t.of('reachability.samples').flatMap((e) => e.batches)
    expect(batches).toEqual([{ sourceId: 'node:n2', t: [1000, 1050, 1100], rtt: [null, 0.3, 0.4] }])
    await t.service.dispose()
  })

  it('an owner change is a transition whose outage is measured from the samples', async () => {
    const t = setup()
    await t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n2'], intervalMs: 100, timeoutMs: 1000 })
    const run = t.cluster.runs[0]!
    // n1 stops answering at 1.0 s; n3 takes over at 3.0 s; answers again from 3.1 s.
    for (let i = 0; i < 60; i++) run.line(i >= 10 && i < 31 ? { seq: i, sentAt: i * 100, lost: true } : { seq: i, sentAt: i * 100, rttMs: 0.5 })
    t.setNow(6000)
    t.changeOwner({ owner: null, at: 2000 })
    t.changeOwner({ owner: 'n1', at: 2500 }) // back after a moment with none: no transition
    t.changeOwner({ owner: 'n3', at: 3000 })
    await waitFor('the measured transition', () => t.of('reachability.transition').some((x) => x.outages[0]!.status === 'measured'), 2000, 5)
    expect(new Set(t.of('reachability.transition').map((x) => x.transitionId))).toEqual(new Set([0]))
    const tr = t.of('reachability.transition').pop()!
    expect(tr).toMatchObject({ from: 'n1', to: 'n3', at: 3000, outages: [{ sourceId: 'node:n2', outageMs: 2100, lostProbes: 21, status: 'measured' }] })
    await t.service.dispose()
  })

  it('the first owner known after start (a forming cluster) is announced without an outage to measure', async () => {
    const t = setup('cl-0123456789abcdef', null)
    await t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n2'], intervalMs: 100, timeoutMs: 1000 })
    t.changeOwner({ owner: null, at: 100 })
    t.changeOwner({ owner: 'n3', at: 200 })
    expect(t.of('reachability.transition')).toEqual([{ sessionId: expect.any(String), transitionId: 0, at: 200, from: null, to: 'n3', outages: [] }])
    await t.service.dispose()
  })

  it('stop, forgetting the cluster and dispose each abort the remote probes', async () => {
    const t = setup()
    const a = await t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n1', 'n2'], intervalMs: 100, timeoutMs: 1000 })
    await t.service.stop(a.sessionId)
    expect(t.cluster.runs.map((r) => r.opts.signal!.aborted)).toEqual([true, true])
    expect(t.ownerStopped()).toBe(true)
    expect(t.service.running).toEqual([])

    await t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n3'], intervalMs: 100, timeoutMs: 1000 })
    await t.service.stopCluster('cl-0123456789abcdef')
    expect(t.cluster.runs[2]!.opts.signal!.aborted).toBe(true)

    await t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n1'], intervalMs: 100, timeoutMs: 1000 })
    await t.service.dispose()
    expect(t.cluster.runs[3]!.opts.signal!.aborted).toBe(true)
    await expect(t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n1'], intervalMs: 100, timeoutMs: 1000 })).rejects.toThrow(/shutting down/)
  })

  it('refuses a role or node the cluster does not have, naming it', async () => {
    const t = setup()
    await expect(t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'nope', nodes: ['n1'], intervalMs: 100, timeoutMs: 1000 })).rejects.toThrow(/no role "nope"/)
    await expect(t.service.start({ clusterId: 'cl-0123456789abcdef', role: 'vip1', nodes: ['n9'], intervalMs: 100, timeoutMs: 1000 })).rejects.toThrow(/n9 is not in cluster web/)
  })
})
