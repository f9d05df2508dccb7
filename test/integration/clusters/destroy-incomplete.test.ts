// A Destroy that cannot clean every node, on real lab nodes: n2 drops off the network (its link
// down), Destroy cleans n1 and fails naming n2; the cluster stays in the known clusters list,
// marked with what is left on n2 and why, and a backend started afresh on the same data
// directory (the app restarted) reads the mark back. Changing the cluster is refused while it is
// marked. Once n2 is back, the retried Destroy cleans it and the cluster leaves the list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../electron/api/dispatch'
import { createBackend } from '../../../electron/backend/backend'
import { cleanupNodes, createCluster, makeClusterEnv, nodeExec, snapshot, type ClusterEnv } from './cluster-lab'

const NODES = ['n1', 'n2']
const NAME = 'it-partly'
let env: ClusterEnv
let vip: string

beforeAll(async () => {
  // A short keepalive: the session to a node whose link went down is given up in seconds, not 45 s.
  env = await makeClusterEnv(2, { keepaliveIntervalMs: 1000 })
  vip = `${env.lab.vipPool[16]}/24`
  await cleanupNodes(env, NODES, [vip])
})

afterAll(async () => {
  if (!env) return
  await nodeExec(env.node('n2'), ['ip', 'link', 'set', 'eth0', 'up'])
  await cleanupNodes(env, NODES, [vip])
  await env.dispose()
})

describe('Destroy that could not clean every node', () => {
  it('marks the cluster in the list (kept across a restart), refuses changes, and the retried Destroy finishes it', async () => {
    const before = await Promise.all(NODES.map((n) => snapshot(env.node(n))))
    const clusterId = await createCluster(env, NODES, NAME, { vip, vrid: 216 }, 'lab test of an incomplete destroy')
    let first
    try {
      await nodeExec(env.node('n2'), ['ip', 'link', 'set', 'eth0', 'down'])
      first = await env.run(() => env.call('clusters.destroy', { clusterId, confirmName: NAME }), 120_000)
    } finally {
      await nodeExec(env.node('n2'), ['ip', 'link', 'set', 'eth0', 'up'])
    }
    expect(first.outcome).toBe('failed')
    expect(first.leftovers.map((l) => l.node)).toEqual(['n2'])
    expect(await snapshot(env.node('n1'))).toBe(before[0])

    // Listed, marked: which node, why, which operation.
    const [listed] = await env.call('clusters.list', {})
    expect(listed?.id).toBe(clusterId)
    expect(listed?.destroyIncomplete).toEqual({ at: expect.any(String), operationId: first.id, leftovers: [{ node: 'n2', what: first.leftovers[0]!.what }] })
    expect(first.leftovers[0]!.what).toMatch(/not reached|removal failed/)

    // The app restarted: a new backend on the same data directory reads the mark back.
    const again = createBackend({ dataDir: env.dataDir, mode: 'browser' })
    try {
      const r = await dispatch(again, 'clusters.list', {})
      expect(r.ok && r.value).toEqual([listed])
    } finally {
      await again.dispose()
    }

    // Reading the cluster again from n2 (which still holds it) keeps the mark; changes are refused.
    await env.call('clusters.get', { clusterId }).catch(() => undefined)
    expect((await env.call('clusters.list', {}))[0]?.destroyIncomplete?.operationId).toBe(first.id)
    const refused = await env.call('clusters.removeRole', { clusterId, role: 'vip1' }).then(
      () => undefined,
      (e: { apiError?: { kind: string; message: string } }) => e.apiError
    )
    expect(refused).toMatchObject({ kind: 'conflict', message: `${NAME} was partly destroyed (n2 not cleaned): it cannot be changed.` })

    // n2 is back: the retried Destroy cleans it, and the cluster leaves the list.
    const second = await env.run(() => env.call('clusters.destroy', { clusterId, confirmName: NAME }), 120_000)
    expect(second.error?.message ?? '').toBe('')
    expect(second.outcome).toBe('succeeded')
    expect(await env.call('clusters.list', {})).toEqual([])
    expect(await Promise.all(NODES.map((n) => snapshot(env.node(n))))).toEqual(before)
  })
})
