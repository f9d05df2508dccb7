// Create Cluster and Destroy Cluster through the API on real lab nodes (LinuxDeployer over SSH,
// the agent under its supervisor): three nodes form with exactly one master holding the VIP,
// the lab client's pings reach the VIP, and Destroy leaves every node as it was before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupNodes, clientPings, makeClusterEnv, nodeExec, snapshot, type ClusterEnv } from './cluster-lab'

const NODES = ['n1', 'n2', 'n3']
let env: ClusterEnv
let vip: string

beforeAll(async () => {
  env = await makeClusterEnv(3)
  vip = `${env.lab.vipPool[18]}/24`
})

afterAll(async () => {
  if (env) {
    await cleanupNodes(env, NODES, [vip])
    await env.dispose()
  }
})

describe('Create Cluster through the API', () => {
  it('forms 3 nodes with exactly one master whose VIP answers the lab client; Destroy leaves each node as it was', async () => {
    const before = await Promise.all(NODES.map((n) => snapshot(env.node(n))))
    const ids = await env.connect(NODES)
    const t0 = Date.now()
    let clusterId = ''
    const report = await env.run(async () => {
      const r = await env.call('clusters.create', { name: 'it-create', nodes: ids.map((connectionId) => ({ connectionId })), role: { vip, vrid: 218 }, validation: { skipReason: 'lab test of deployment' } })
      clusterId = r.clusterId
      return r
    })
    const ms = Date.now() - t0
    console.log(`create 3 nodes: ${ms} ms; steps: ${report.steps.filter((s) => s.state === 'failed').map((s) => `${s.step}@${s.node}: ${s.message}`).join(' | ')}`)
    expect(report.error?.message ?? '').toBe('')
    expect(report.outcome).toBe('succeeded')
    expect(report.masters).toHaveLength(1)
    expect(report.masters[0]).toMatchObject({ role: 'vip1', vipAnswers: true })
    // On the nodes: exactly one holds the VIP, and it is the master the report names.
    const holders: string[] = []
    for (const n of NODES) {
      const a = await nodeExec(env.node(n), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
      if (a.stdout.includes(` ${vip} `)) holders.push(n)
    }
    expect(holders).toEqual([report.masters[0]!.node])
    expect(await clientPings(vip.split('/')[0]!)).toBe(true)
    // The desktop remembers it, and the nodes hold generation 1.
    const view = await env.call('clusters.get', { clusterId })
    expect(view.nodes.map((n) => [n.name, n.generation])).toEqual(NODES.map((n) => [n, 1]))

    const destroyed = await env.run(() => env.call('clusters.destroy', { clusterId, confirmName: 'it-create' }))
    expect(destroyed.error?.message ?? '').toBe('')
    expect(destroyed.outcome).toBe('succeeded')
    expect(await env.call('clusters.list', {})).toEqual([])
    const after = await Promise.all(NODES.map((n) => snapshot(env.node(n))))
    expect(after).toEqual(before)
    expect(await clientPings(vip.split('/')[0]!)).toBe(false)
  })
})
