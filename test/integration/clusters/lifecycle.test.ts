// A cluster's life on real lab nodes, through the API, as a key-only user with NOPASSWD sudo
// (as cloud images have it): Create on three nodes, one of them without Node.js (the runtime is
// uploaded there); a second role with its own VIP and preferred owner; Add Node (a 4th); Evict
// the node that holds a role (the role moves first); Destroy. Every node ends as it was before.
// One cluster is shared by the steps, in order (each step needs the one before): creating a
// cluster per step would cost minutes of CI for the same proofs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hideNodeJs, type Undo } from '../../lab/shapes'
import { cleanupNodes, clientPings, makeClusterEnv, nodeExec, snapshot, type ClusterEnv } from './cluster-lab'

const NODES = ['n1', 'n2', 'n3', 'n4']
let env: ClusterEnv
let vip1: string
let vip2: string
let before: Map<string, string>
let undoHide: Undo | undefined
let clusterId = ''
let keyUser: { name: string; privateKeyPath: string }
/** Who holds vip2 once n4 joined (a reload that changes an instance's peers restarts it, so the role may move). */
let vip2Owner = ''

async function holders(vip: string, names: string[]): Promise<string[]> {
  const out: string[] = []
  for (const n of names) {
    const a = await nodeExec(env.node(n), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
    if (a.stdout.includes(` ${vip} `)) out.push(n)
  }
  return out
}

beforeAll(async () => {
  env = await makeClusterEnv(4)
  vip1 = `${env.lab.vipPool[20]}/24`
  vip2 = `${env.lab.vipPool[10]}/24`
  keyUser = env.lab.keyUsers.nopasswdSudo
  await cleanupNodes(env, NODES, [vip1, vip2]) // a leftover of an aborted run
  before = new Map(await Promise.all(NODES.map(async (n) => [n, await snapshot(env.node(n))] as const)))
  undoHide = await hideNodeJs(env.node('n3'))
})

afterAll(async () => {
  if (!env) return
  await cleanupNodes(env, NODES, [vip1, vip2])
  await undoHide?.()
  await env.dispose()
})

describe('a cluster from create to destroy, as havipkey', () => {
  it('creates 3 nodes as a key-only NOPASSWD sudo user; the node without Node.js gets the runtime and runs the agent', async () => {
    const ids = await env.connect(['n1', 'n2', 'n3'], keyUser)
    const t0 = Date.now()
    const report = await env.run(async () => {
      const r = await env.call('clusters.create', { name: 'it-life', nodes: ids.map((connectionId) => ({ connectionId })), role: { vip: vip1, vrid: 220 }, validation: { skipReason: 'lab lifecycle test' } })
      clusterId = r.clusterId
      return r
    }, 180_000)
    console.log(`create 3 nodes as ${keyUser.name}, runtime uploaded to n3: ${Date.now() - t0} ms`)
    expect(report.error?.message ?? '').toBe('')
    expect(report.outcome).toBe('succeeded')
    expect(report.steps.filter((s) => s.step === 'upload-runtime').map((s) => [s.node, s.state])).toEqual([['n3', 'done']])
    expect(report.masters).toEqual([{ role: 'vip1', node: expect.any(String), vipAnswers: true }])
    expect(await holders(vip1, ['n1', 'n2', 'n3'])).toEqual([report.masters[0]!.node])
    // n3's agent runs on the uploaded runtime (its own /usr/bin/node is hidden).
    const n3 = await nodeExec(env.node('n3'), ['readlink', '-f', '/opt/havip/node'])
    expect(n3.stdout).toMatch(/^\/opt\/havip\/runtime\//)
    expect(await clientPings(vip1.split('/')[0]!)).toBe(true)
  })

  it('a second role with its own VIP and preferred owner n1 becomes master on n1', async () => {
    const report = await env.run(() => env.call('clusters.addRole', { clusterId, role: { name: 'vip2', vip: vip2, vrid: 210, preferredOwners: ['n1'] } }))
    expect(report.error?.message ?? '').toBe('')
    expect(report).toMatchObject({ outcome: 'succeeded', fromGeneration: 1, toGeneration: 2 })
    expect(report.masters.find((m) => m.role === 'vip2')).toEqual({ role: 'vip2', node: 'n1', vipAnswers: true })
    expect(await holders(vip2, ['n1', 'n2', 'n3'])).toEqual(['n1'])
    expect(await clientPings(vip2.split('/')[0]!)).toBe(true)
  })

  it('Add Node: n4 joins and every node holds generation 3', async () => {
    const [n4] = await env.connect(['n4'], keyUser)
    const report = await env.run(() => env.call('clusters.addNode', { clusterId, node: { connectionId: n4! }, validation: { skipReason: 'lab lifecycle test' } }))
    expect(report.error?.message ?? '').toBe('')
    expect(report).toMatchObject({ outcome: 'succeeded', toGeneration: 3 })
    vip2Owner = report.masters.find((m) => m.role === 'vip2')?.node ?? ''
    expect(NODES).toContain(vip2Owner)
    const view = await env.call('clusters.get', { clusterId })
    expect(view.nodes.map((n) => [n.name, n.generation, n.generationMismatch])).toEqual(NODES.map((n) => [n, 3, false]))
  })

  it('Evict the owner of vip2: vip2 moves away first, and the node is left as it was', async () => {
    const report = await env.run(() => env.call('clusters.evictNode', { clusterId, node: vip2Owner }))
    expect(report.error?.message ?? '').toBe('')
    expect(report.outcome).toBe('succeeded')
    expect(report.steps.find((s) => s.step === 'release')?.message).toMatch(/moved (vip1 → n\d, )?vip2 → n\d/)
    const rest = NODES.filter((n) => n !== vip2Owner)
    const vip2Master = report.masters.find((m) => m.role === 'vip2')
    expect(vip2Master?.vipAnswers).toBe(true)
    expect(rest).toContain(vip2Master?.node)
    expect(await snapshot(env.node(vip2Owner))).toBe(before.get(vip2Owner))
    const view = await env.call('clusters.get', { clusterId })
    expect(view.definition.nodes.map((n) => n.name)).toEqual(rest)
    expect(view.definition.roles.find((r) => r.name === 'vip2')?.preferredOwners).toEqual(vip2Owner === 'n1' ? [] : ['n1'])
  })

  it('Destroy: every node as it was before, the runtime uploaded to n3 included', async () => {
    const report = await env.run(() => env.call('clusters.destroy', { clusterId, confirmName: 'it-life' }))
    expect(report.error?.message ?? '').toBe('')
    expect(report.outcome).toBe('succeeded')
    for (const n of NODES) expect(await snapshot(env.node(n)), n).toBe(before.get(n))
    expect(await env.call('clusters.list', {})).toEqual([])
  })
})
