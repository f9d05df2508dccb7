// Cluster Events on real lab nodes: a 2-node cluster made by clusters.create (validation skipped
// with a reason), VIP 198.51.100.236 and VRID 236 (outside the lab's vipPool and every other
// test's VRIDs). One file, one cluster, three steps, to stay lean:
//  1. a failover (the master's link cut, then healed) is read from both nodes' agent logs as
//     ordered events from both nodes;
//  2. the app restarted on the same data dir reads back only what happened since (a takeover and
//     a release run on the nodes directly while it was closed), each happening once;
//  3. forced owner changes flag the role as flapping.
// The cluster is destroyed in afterAll, also when a step failed.
import * as fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiInput, ApiMethod, ApiOutput } from '../../../electron/api/contract'
import { dispatch } from '../../../electron/api/dispatch'
import type { ClusterEvent } from '../../../electron/api/events'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { AGENT, NODE_LINK } from '../../../electron/backend/deploy/layout'
import { waitFor } from '../../support/wait-for'
import { cleanupNodes, makeClusterEnv, nodeExec, type ClusterEnv } from '../clusters/cluster-lab'

const NODES = ['n1', 'n2']
const VIP = '198.51.100.236/24'
const ROLE = 'web'
let env: ClusterEnv
let clusterId = ''
const backends: Backend[] = []
const linkDown: string[] = []

type Call = <M extends ApiMethod>(m: M, i: ApiInput<M>) => Promise<ApiOutput<M>>

/** A backend on the cluster env's data dir: the app (started again). */
function openApp(): { backend: Backend; call: Call } {
  const backend = createBackend({ dataDir: env.dataDir, mode: 'browser', connectTimeoutMs: 8000 })
  backends.push(backend)
  const call: Call = async (method, input) => {
    const r = await dispatch(backend, method, input)
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
    return r.value as ApiOutput<typeof method>
  }
  return { backend, call }
}

async function closeApp(app: { backend: Backend }): Promise<void> {
  backends.splice(backends.indexOf(app.backend), 1)
  await app.backend.dispose()
}

async function allEvents(call: Call): Promise<ClusterEvent[]> {
  return [...(await call('events.query', { clusterId, limit: 1000 })).events].reverse()
}

const ctl = (node: string, ...args: string[]) => nodeExec(env.node(node), [NODE_LINK, AGENT, 'ctl', ...args, '--json'], { timeoutMs: 20_000 })

async function vipHolders(): Promise<string[]> {
  const out: string[] = []
  for (const n of NODES) {
    const a = await nodeExec(env.node(n), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
    if (a.stdout.includes(` ${VIP} `)) out.push(n)
  }
  return out
}

/** A planned move as the console makes it: takeover where it should go, then release (nothing pinned). */
async function moveTo(node: string): Promise<void> {
  expect((await ctl(node, 'takeover', ROLE)).code).toBe(0)
  await waitFor(`${node} holds the VIP`, async () => (await oneHolder()) === node, 20_000, 100)
  expect((await ctl(node, 'release', ROLE)).code).toBe(0)
}

const oneHolder = async (): Promise<string | undefined> => {
  const h = await vipHolders()
  return h.length === 1 ? h[0] : undefined
}

beforeAll(async () => {
  env = await makeClusterEnv(2)
  const ids = await env.connect(NODES)
  const report = await env.run(async () => {
    const r = await env.call('clusters.create', {
      name: 'it-events',
      nodes: ids.map((connectionId) => ({ connectionId })),
      role: { name: ROLE, vip: VIP, vrid: 236, advertIntervalMs: 200 },
      validation: { skipReason: 'lab test of cluster events' }
    })
    clusterId = r.clusterId
    return r
  })
  if (report.outcome !== 'succeeded') throw new Error(`create failed: ${report.error?.message}`)
}, 180_000)

afterAll(async () => {
  for (const n of linkDown) await nodeExec(env.node(n), ['ip', 'link', 'set', 'eth0', 'up']).catch(() => undefined)
  for (const b of backends) await b.dispose().catch(() => undefined)
  if (env) {
    await cleanupNodes(env, NODES, [VIP])
    await env.dispose()
  }
}, 180_000)

describe('cluster events in the lab', () => {
  it('a failover from both nodes in order; the time the app was closed read back once; forced owner changes flag flapping', async () => {
    // Create Cluster is an event (cluster.finished, recorded by the app that ran it).
    expect((await allEvents(env.call)).some((e) => e.kind === 'action' && /^Create Cluster succeeded/.test(e.message))).toBe(true)

    // --- 1. a failover: the master's link cut, then healed ---------------------------------
    let master: string | undefined
    await waitFor('one VIP holder', async () => (master = await oneHolder()) !== undefined, 20_000, 200)
    const other = NODES.find((n) => n !== master)!
    linkDown.push(master!)
    const cutAt = new Date().toISOString()
    await nodeExec(env.node(master!), ['ip', 'link', 'set', 'eth0', 'down'])
    await waitFor(`${other} takes the VIP`, async () => (await vipHolders()).includes(other), 20_000, 100)
    const healAt = new Date().toISOString()
    await nodeExec(env.node(master!), ['ip', 'link', 'set', 'eth0', 'up'])
    linkDown.splice(0)
    await waitFor('one VIP holder again', async () => (await oneHolder()) !== undefined, 30_000, 200)

    const app1 = openApp()
    const first = await app1.call('events.readBack', { clusterId })
    expect(first.nodes.map((n) => [n.node, n.error ?? ''])).toEqual(NODES.map((n) => [n, '']))
    const afterFailover = await allEvents(app1.call)
    const times = afterFailover.map((e) => e.at)
    expect(times).toEqual([...times].sort())
    // Both nodes' sides, in order: the master's agent finds its link gone (its adverts fail), the
    // other takes over; once healed, the two masters meet and one steps back.
    const story = afterFailover.map((e) => `${e.at} ${e.node ?? '-'} ${e.message}`).join('\n')
    const masterSaw = afterFailover.findIndex((e) => e.node === master && e.at >= cutAt && e.level !== 'info')
    const otherTook = afterFailover.findIndex((e) => e.node === other && e.at >= cutAt && e.kind === 'transition' && e.to === 'MASTER')
    const stepBack = afterFailover.findIndex((e) => e.at >= healAt && e.kind === 'transition' && e.from === 'MASTER' && e.to === 'BACKUP')
    expect(masterSaw, story).toBeGreaterThanOrEqual(0)
    expect(otherTook, story).toBeGreaterThan(masterSaw)
    expect(stepBack, story).toBeGreaterThan(otherTook)
    expect(afterFailover.filter((e) => e.source === 'agent-log').map((e) => e.node)).toEqual(expect.arrayContaining(NODES))
    const held = afterFailover.length
    await closeApp(app1)
    const closedAt = new Date().toISOString()

    // --- 2. while the app is closed: a takeover and a release on the nodes directly ---------
    const holder = (await oneHolder())!
    const taker = NODES.find((n) => n !== holder)!
    await moveTo(taker)
    await moveTo(holder)

    const app2 = openApp()
    const back = await app2.call('events.readBack', { clusterId })
    expect(back.nodes.map((n) => n.error ?? '')).toEqual(['', ''])
    expect(back.added).toBeGreaterThan(0)
    const afterRestart = await allEvents(app2.call)
    expect(afterRestart.filter((e) => e.at <= closedAt)).toHaveLength(held) // nothing held before was read twice
    const closedTime = afterRestart.filter((e) => e.at > closedAt)
    expect(closedTime.some((e) => e.node === taker && e.kind === 'transition' && e.to === 'MASTER')).toBe(true)
    expect(closedTime.some((e) => e.node === holder && e.kind === 'transition' && e.from === 'MASTER')).toBe(true)
    expect((await app2.call('events.readBack', { clusterId })).added).toBe(0)

    // --- 3. flapping: owner changes forced past a low threshold ------------------------------
    const flapped: ClusterEvent[] = []
    app2.backend.events.on('cluster.event', (e) => {
      if (e.kind === 'flapping') flapped.push(e)
    })
    await app2.call('events.setFlapping', { clusterId, maxChanges: 3, windowMinutes: 10 })
    for (let i = 0; i < 2; i++) {
      await moveTo(taker)
      await moveTo(holder)
    }
    await app2.call('events.readBack', { clusterId })
    const page = await app2.call('events.query', { clusterId, limit: 1 })
    expect(page.flapping).toMatchObject([{ role: ROLE, threshold: 3 }])
    expect(page.flapping[0]!.changes).toBeGreaterThan(3)
    expect(flapped).toHaveLength(1) // once, while it lasts
    expect(flapped[0]).toMatchObject({ role: ROLE, level: 'warn', message: expect.stringMatching(/^role web is flapping/) })
    // The events file on the desktop: owner-only.
    expect(fs.statSync(`${env.dataDir}/events/${clusterId}.jsonl`).mode & 0o777).toBe(0o600)
  }, 240_000)
})
