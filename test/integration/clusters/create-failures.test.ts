// Create Cluster when something is wrong, on real lab nodes: each is a clear error and nothing is
// left half done. A VRID a keepalived pair already uses on the segment (refused by the
// validation's scan, naming the sender); a node that is in another cluster (refused, no node
// touched); the SSH connection to a node cut in the middle of its deployment, then the same
// create again (converges on the same cluster); a node that drops off the network mid-deploy
// (the summary says what is left where; the offered rollback removes everything).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OperationStep } from '../../../electron/api/cluster'
import { startKeepalivedPair } from '../../lab/keepalived-pair'
import { hideNodeJs } from '../../lab/shapes'
import { sshdConnections } from '../../lab/sshd-sessions'
import { waitFor } from '../../support/wait-for'
import { cleanupNodes, makeClusterEnv, nodeExec, snapshot, type ClusterEnv } from './cluster-lab'

const NODES = ['n1', 'n2', 'n3']
let env: ClusterEnv
let vip: string
let pairVip: string
let ids: string[]
let before: Map<string, string>

beforeAll(async () => {
  // A short keepalive: a node that drops off the network is noticed in seconds, not 45 s.
  env = await makeClusterEnv(3, { keepaliveIntervalMs: 1000 })
  vip = `${env.lab.vipPool[18]}/24`
  pairVip = env.lab.vipPool[19]!
  await cleanupNodes(env, NODES, [vip])
  before = new Map(await Promise.all(NODES.map(async (n) => [n, await snapshot(env.node(n))] as const)))
  ids = await env.connect(NODES)
})

afterAll(async () => {
  if (!env) return
  await nodeExec(env.node('n3'), ['ip', 'link', 'set', 'eth0', 'up'])
  await cleanupNodes(env, NODES, [vip])
  await env.dispose()
})

/** Runs `action` once the step `step` starts on `node` (progress events), at most once. */
function onStepStart(step: string, node: string, action: () => Promise<void>): { off: () => void; fired: () => Promise<boolean> } {
  let done: Promise<void> | undefined
  const off = env.backend.events.on('cluster.progress', (e) => {
    const s: OperationStep = e.step
    if (!done && s.step === step && s.node === node && s.state === 'running') done = action()
  })
  return { off, fired: async () => (done ? (await done, true) : false) }
}

describe('Create Cluster refuses or recovers, leaving nothing half done', () => {
  it('refuses a VRID a keepalived pair uses on the segment, naming the sender, and touches no node', async () => {
    const pair = await startKeepalivedPair({ vrid: 219, vip: pairVip })
    try {
      const { runId } = await env.call('validation.start', { nodes: ids.slice(0, 2).map((connectionId) => ({ connectionId })), vip })
      const ended = new Set<string>()
      const off = env.backend.events.on('validation.finished', (f) => ended.add(f.runId))
      try {
        await waitFor('validation to finish', async () => ended.has(runId) || (await env.call('validation.report', { runId })).finishedAt !== undefined, 90_000, 200)
      } finally {
        off()
      }
      const err = await env.call('clusters.create', { name: 'it-vrid', nodes: ids.slice(0, 2).map((connectionId) => ({ connectionId })), role: { vip, vrid: 219 }, validation: { runId } }).then(
        () => undefined,
        (e: { apiError?: { kind: string; message: string } }) => e.apiError
      )
      expect(err?.kind).toBe('conflict')
      expect(err?.message).toMatch(/VRID 219 is already in use on this segment: 198\.51\.100\.31 \(priority 150, VRRPv3/)
    } finally {
      await pair.stop()
    }
    for (const n of NODES) expect(await snapshot(env.node(n)), n).toBe(before.get(n))
  })

  it('refuses a node that is already in another cluster, naming both, and touches no node', async () => {
    const a = await env.run(() => env.call('clusters.create', { name: 'it-a', nodes: [{ connectionId: ids[0]! }], role: { vip, vrid: 218 }, validation: { skipReason: 'lab test' } }))
    expect(a.outcome).toBe('succeeded')
    const b = await env.run(() => env.call('clusters.create', { name: 'it-b', nodes: ids.slice(0, 2).map((connectionId) => ({ connectionId })), role: { vip: `${env.lab.vipPool[17]}/24`, vrid: 217 }, validation: { skipReason: 'lab test' } }))
    expect(b.outcome).toBe('failed')
    expect(b.error?.kind).toBe('conflict')
    expect(b.error?.message).toMatch(/n1 \(198\.51\.100\.11\) is already in the cluster it-a \(cl-[0-9a-f]{16}, generation 1\)/)
    expect(b.steps.filter((s) => s.state === 'done' || s.state === 'running').map((s) => s.step)).toEqual(['preflight'])
    expect(await snapshot(env.node('n2'))).toBe(before.get('n2'))
    const d = await env.run(() => env.call('clusters.destroy', { clusterId: a.clusterId, confirmName: 'it-a' }))
    expect(d.outcome).toBe('succeeded')
    expect(await snapshot(env.node('n1'))).toBe(before.get('n1'))
  })

  it('an SSH connection cut while a node deploys fails the create with what is left where; the same create again converges', async () => {
    // n2 uploads the runtime (no Node.js there): a window of seconds to cut its connection in.
    const undoHide = await hideNodeJs(env.node('n2'))
    try {
      const cut = onStepStart('upload-runtime', 'n2', async () => {
        // This backend's connection to n2 (the lab's host end): its sshd processes, killed as a cut link would end them.
        const ours = (await sshdConnections(env.node('n2'))).filter((c) => c.peer.startsWith(`${env.lab.hostAddress}:`))
        for (const c of ours) for (const pid of c.pids) process.kill(pid, 'SIGKILL')
      })
      const request = { name: 'it-cut', nodes: ids.map((connectionId) => ({ connectionId })), role: { vip, vrid: 218 }, validation: { skipReason: 'lab test' } }
      let first
      try {
        first = await env.run(() => env.call('clusters.create', request))
      } finally {
        cut.off()
      }
      expect(await cut.fired()).toBe(true)
      expect(first.outcome).toBe('failed')
      expect(first.steps.find((s) => s.node === 'n2' && s.state === 'failed')?.step).toMatch(/upload-runtime|install-release/)
      expect(first.rollback).toBe('remove-everything')
      // No agent started anywhere, and the summary names what the deploy left.
      expect(first.steps.filter((s) => s.step === 'start' && s.state === 'done')).toEqual([])
      expect(first.leftovers.map((l) => l.node)).toEqual(expect.arrayContaining(['n1', 'n3']))

      const second = await env.run(() => env.call('clusters.create', request), 180_000)
      expect(second.error?.message ?? '').toBe('')
      expect(second.outcome).toBe('succeeded')
      expect(second.clusterId).toBe(first.clusterId)
      expect(second.masters[0]?.vipAnswers).toBe(true)
      const d = await env.run(() => env.call('clusters.destroy', { clusterId: second.clusterId, confirmName: 'it-cut' }))
      expect(d.outcome).toBe('succeeded')
    } finally {
      await undoHide()
    }
    for (const n of NODES) expect(await snapshot(env.node(n)), n).toBe(before.get(n))
  })

  it('a node that drops off the network mid-deploy: the create fails naming it, the rollback removes everything once it is back', async () => {
    const undoHide = await hideNodeJs(env.node('n3'))
    try {
      const drop = onStepStart('upload-runtime', 'n3', async () => {
        await nodeExec(env.node('n3'), ['ip', 'link', 'set', 'eth0', 'down'])
      })
      let r
      try {
        r = await env.run(() => env.call('clusters.create', { name: 'it-gone', nodes: ids.map((connectionId) => ({ connectionId })), role: { vip, vrid: 218 }, validation: { skipReason: 'lab test' } }), 180_000)
      } finally {
        drop.off()
      }
      expect(await drop.fired()).toBe(true)
      expect(r.outcome).toBe('failed')
      expect(r.error?.message).toMatch(/198\.51\.100\.13|n3/)
      expect(r.rollback).toBe('remove-everything')
      expect(r.leftovers.find((l) => l.node === 'n3')?.what).toMatch(/could not be read/)
      expect(r.steps.filter((s) => s.step === 'start' && s.state === 'done')).toEqual([])

      await nodeExec(env.node('n3'), ['ip', 'link', 'set', 'eth0', 'up'])
      const rb = await env.run(() => env.call('clusters.rollback', { operationId: r.id }), 180_000)
      expect(rb.error?.message ?? '').toBe('')
      expect(rb.outcome).toBe('succeeded')
      expect(await env.call('clusters.list', {})).toEqual([])
    } finally {
      await nodeExec(env.node('n3'), ['ip', 'link', 'set', 'eth0', 'up'])
      await undoHide()
    }
    for (const n of NODES) expect(await snapshot(env.node(n)), n).toBe(before.get(n))
  })
})
