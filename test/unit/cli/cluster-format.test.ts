import { describe, expect, it } from 'vitest'
import type { ClusterView } from '../../../electron/api/cluster'
import { redactDefinition } from '../../../electron/backend/clusters/definition'
import { knownClusterFrom } from '../../../electron/backend/clusters/known-clusters'
import { clusterNeedsAttention, formatClusterView, formatKnownClusters } from '../../../electron/cli/cluster-format'
import { definition, node, NOW, role } from '../clusters/fixtures'

const def = definition([node(1), node(2)], [role({ version: 2, auth: { type: 'pass', password: 'pw$1' }, preferredOwners: ['n2', 'n1'], failback: { policy: 'window', startHour: 22, endHour: 6 } })], 4)
const status = (name: string, over: Partial<ClusterView['nodes'][number]> = {}): ClusterView['nodes'][number] => ({
  name, host: `198.51.100.1${name.slice(1)}`, port: 22, username: 'admin', reach: 'connected', generation: 4, generationMismatch: false, agentVersion: '0.1.0', serviceKind: 'supervisor', ...over
})

describe('havip cluster output', () => {
  it('lists known clusters, or says how to connect one', () => {
    expect(formatKnownClusters([])).toContain('havip cluster connect')
    const text = formatKnownClusters([knownClusterFrom(def, NOW)])
    expect(text.split('\n')[1]).toMatch(/^web-vip\s+cl-0123456789abcdef\s+4\s+n1,n2\s+vip1=198\.51\.100\.100\/24\s+2026-12-01T21:00:00\.000Z$/)
    expect(text.split('\n')).toHaveLength(2)
  })

  it('marks a cluster whose Destroy left something on a node, with how to retry', () => {
    const mark = { at: NOW.toISOString(), operationId: 'op-0123456789ab', leftovers: [{ node: 'n2', what: 'not reached (timed out): destroy again when it is back.' }] }
    const lines = formatKnownClusters([{ ...knownClusterFrom(def, NOW), destroyIncomplete: mark }]).split('\n')
    expect(lines.at(-1)).toBe('web-vip: Destroy incomplete: n2 not cleaned — not reached (timed out): destroy again when it is back. Retry: havip cluster destroy web-vip --yes')
    const two = { ...mark, leftovers: [...mark.leftovers, { node: 'n1', what: 'removal failed: rm: busy' }] }
    expect(formatKnownClusters([{ ...knownClusterFrom(def, NOW), destroyIncomplete: two }])).toContain(
      'Destroy incomplete: n2, n1 not cleaned — n2: not reached (timed out): destroy again when it is back; n1: removal failed: rm: busy. Retry'
    )
  })

  it('shows nodes, roles (never the password) and what needs attention', () => {
    const healthy: ClusterView = { definition: redactDefinition(def), nodes: [status('n1'), status('n2')] }
    expect(clusterNeedsAttention(healthy)).toBe(false)
    const text = formatClusterView(healthy)
    expect(text).toContain('Cluster web-vip (cl-0123456789abcdef), generation 4')
    expect(text).toMatch(/n2\s+198\.51\.100\.12 \(eth0\)\s+admin@198\.51\.100\.12:22\s+connected\s+4\s+0\.1\.0\s+supervisor/)
    expect(text).toContain('vip1: VIP 198.51.100.100/24, VRID 51, VRRPv2, adverts every 1000 ms, unicast, auth password, preferred owners n2 > n1, failback window 22:00-6:00')
    expect(text).not.toContain('pw$1')
    expect(text).not.toContain('Attention')

    const behind: ClusterView = {
      ...healthy,
      nodes: [status('n1'), status('n2', { generation: 3, generationMismatch: true, error: { kind: 'conflict', message: 'n2 holds generation 3', hint: 'run the change again' } })]
    }
    expect(clusterNeedsAttention(behind)).toBe(true)
    expect(formatClusterView(behind)).toMatch(/3 \(differs\)[\s\S]*Attention:\n {2}n2: n2 holds generation 3\n {4}what to do: run the change again/)
    expect(clusterNeedsAttention({ ...healthy, nodes: [status('n1'), status('n2', { reach: 'host-key-unknown', generation: null, agentVersion: null, serviceKind: null })] })).toBe(true)
  })
})
