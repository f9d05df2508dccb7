// The Windows validation tests against recorded runs of their scripts (replayed nodes), the
// firewall judgement on its own, and the runner's platform rule: a Linux test is NotRun on a
// Windows node (saying so) and a cluster test judges only the nodes it applies to.
import { describe, expect, it } from 'vitest'
import type { NodeFacts } from '../../../../electron/api/model'
import type { ValidationResult } from '../../../../electron/api/validation'
import { linuxPlatform } from '../../../../electron/backend/platform/linux-platform'
import type { WindowsScriptName } from '../../../../electron/backend/platform/windows/scripts'
import { collectWindowsFactsWith } from '../../../../electron/backend/platform/windows/windows-facts'
import { windowsPlatform } from '../../../../electron/backend/platform/windows/windows-platform'
import { allTests } from '../../../../electron/backend/validation/groups/catalogue'
import { judgeWindowsFirewall, remoteCovers } from '../../../../electron/backend/validation/groups/windows-rules'
import { runTests } from '../../../../electron/backend/validation/runner'
import type { ClusterContext, NodeContext, ValidationTestDef } from '../../../../electron/backend/validation/test-module'
import { replayNode } from '../../../support/windows-fixtures'

const NO_SESSION = new Proxy({}, { get: () => () => Promise.reject(new Error('a Windows test must go through the PowerShell seam')) }) as NodeContext['session']
const VIP = '198.51.100.50'

async function windowsNode(id: string, cases: Partial<Record<WindowsScriptName, string>>, factCases: Partial<Record<WindowsScriptName, string>> = {}): Promise<NodeContext> {
  const facts = await collectWindowsFactsWith(
    replayNode(id, { probe: 'server-2022-admin', 'os-info': 'server-2022-datacenter', network: 'server-2022-static', firewall: 'server-2022-default', ...factCases })
  )
  const iface = facts.interfaces.find((i) => i.name === facts.defaultRoute?.dev)
  return { nodeId: id, label: id, host: id, session: NO_SESSION, facts, platform: windowsPlatform, powershell: replayNode(id, cases), ...(iface ? { iface } : {}) }
}

function linuxNode(id: string, address: string): NodeContext {
  const iface = { name: 'eth0', mtu: 1500, state: 'UP', addresses: [{ family: 'inet' as const, address, prefix: 24 }] }
  const facts: NodeFacts = {
    hostname: id,
    os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian 12' },
    kernel: '6.1.0',
    arch: 'x86_64',
    nodeVersion: null,
    interfaces: [iface],
    defaultRoute: { gateway: '198.51.100.1', dev: 'eth0' },
    platform: 'linux',
    collectedAt: new Date().toISOString()
  }
  return { nodeId: id, label: id, host: id, session: NO_SESSION, facts, platform: linuxPlatform, iface }
}

function cluster(nodes: NodeContext[]): ClusterContext {
  return { nodes, settings: { vip: VIP, prefix: 24, advertIntervalMs: 1000, mode: 'unicast' }, signal: new AbortController().signal, progress: () => {} }
}

function test(id: string): ValidationTestDef {
  const t = allTests().find((x) => x.meta.id === id)
  if (!t) throw new Error(`no test ${id}`)
  return t
}

describe('Windows validation tests (replayed)', () => {
  it('administrator: an elevated token passes, a filtered one fails with what to do', async () => {
    const admin = await windowsNode('w1', {})
    expect(await test('system.windows-administrator').runNode!(admin, cluster([admin]))).toMatchObject({ status: 'Success' })
    const user = await windowsNode('w2', {}, { probe: 'server-2019-not-elevated' })
    const o = await test('system.windows-administrator').runNode!(user, cluster([user]))
    expect(o).toMatchObject({ status: 'Failed' })
    expect(o.details).toContain('CONTOSO\\havip has no elevated administrator token')
    expect(o.remediation).toMatch(/administrators_authorized_keys/)
  })

  it('IP configuration: static passes, DHCP warns and lists SkipAsSource addresses', async () => {
    const st = await windowsNode('w1', {})
    expect(await test('network.windows-ip-config').runNode!(st, cluster([st]))).toMatchObject({ status: 'Success', evidence: expect.arrayContaining([{ label: 'IPv4', value: 'static' }]) })
    const dhcp = await windowsNode('w2', {}, { network: 'dhcp-vip-second-adapter', firewall: 'public-disabled' })
    const o = await test('network.windows-ip-config').runNode!(dhcp, cluster([dhcp]))
    expect(o).toMatchObject({ status: 'Warning', evidence: expect.arrayContaining([{ label: 'SkipAsSource addresses', value: '203.0.113.50' }]) })
    expect(o.details).toMatch(/"NIC1" gets its IPv4 address from DHCP/)
  })

  it('firewall: a rule scoped to the peers passes; none fails and offers the rule; a block rule fails', async () => {
    const peers = [linuxNode('l2', '198.51.100.22'), linuxNode('l3', '198.51.100.23')]
    const run = async (c: string): Promise<Awaited<ReturnType<NonNullable<ValidationTestDef['runNode']>>>> => {
      const w = await windowsNode('w1', { 'vrrp-firewall-check': c })
      return test('system.windows-firewall-vrrp').runNode!(w, cluster([w, ...peers]))
    }
    expect(await run('rule-for-peers')).toMatchObject({ status: 'Success' })
    const none = await run('no-rule')
    expect(none).toMatchObject({ status: 'Failed' })
    expect(none.details).toContain('the Private profile has no rule that admits IP protocol 112 from 198.51.100.22, 198.51.100.23')
    expect(none.remediation).toContain('New-NetFirewallRule -Name HAVIP-VRRP')
    expect(none.remediation).toContain('-Protocol 112 -Action Allow -RemoteAddress 198.51.100.22,198.51.100.23')
    const blocked = await run('block-rule')
    expect(blocked).toMatchObject({ status: 'Failed' })
    expect(blocked.details).toMatch(/Block VRRP block IP protocol 112 in the Private profile/)
    expect(await run('local-subnet-private-only')).toMatchObject({ status: 'Success' })
  })

  it('firewall: a node that cannot run the script fails with why and what to do, not a pass', async () => {
    const w = await windowsNode('w1', { 'vrrp-firewall-check': 'constrained-language' })
    const o = await test('system.windows-firewall-vrrp').runNode!(w, cluster([w]))
    expect(o).toMatchObject({ status: 'Failed' })
    expect(o.details).toBe('w1: the firewall rules could not be read: PowerShell on w1 runs in ConstrainedLanguage, so "vrrp-firewall-check" cannot run.')
    expect(o.remediation).toMatch(/AppLocker or WDAC/)
  })

  it('VIP holder: free, held by Failover Clustering, by another VRRP router, or already here with SkipAsSource', async () => {
    const judge = async (c: string): Promise<Awaited<ReturnType<NonNullable<ValidationTestDef['runNode']>>>> => {
      const w = await windowsNode('w1', { 'vip-check': c })
      return test('network.windows-vip-free').runNode!(w, cluster([w]))
    }
    expect(await judge('free')).toMatchObject({ status: 'Success' })
    const wsfc = await judge('wsfc-holds-vip')
    expect(wsfc).toMatchObject({ status: 'Failed' })
    expect(wsfc.details).toContain('the Windows Failover Clustering resource "Cluster IP Address" (group Cluster Group) holds 198.51.100.50')
    const vrrp = await judge('other-vrrp-router')
    expect(vrrp).toMatchObject({ status: 'Failed' })
    expect(vrrp.details).toContain('another VRRP router (virtual MAC 00-00-5E-00-01-33, VRID 51)')
    expect(await judge('held-here-skip-as-source')).toMatchObject({ status: 'Warning' })
  })
})

describe('clock skew on Windows nodes (replayed w32tm)', () => {
  it('compares Windows clocks, names the time source, and warns when Windows Time does not synchronise', async () => {
    const synced = await windowsNode('w1', { 'time-status': 'domain-synced' })
    const cmos = await windowsNode('w2', { 'time-status': 'local-cmos-clock' })
    const stopped = await windowsNode('w3', { 'time-status': 'service-stopped' })
    const r = await test('inventory.clock-skew').runCluster!(cluster([synced, cmos, stopped]))
    expect(r.w1).toMatchObject({ status: 'Success', evidence: expect.arrayContaining([{ label: 'Windows Time source', value: 'DC01.corp.example.com' }]) })
    expect(r.w2).toMatchObject({ status: 'Warning' })
    expect(r.w2!.details).toMatch(/Windows Time does not synchronise it \(Local CMOS Clock\)/)
    expect(r.w2!.remediation).toMatch(/w32tm \/config/)
    expect(r.w3).toMatchObject({ status: 'Warning' })
    expect(r.w3!.details).toMatch(/The service has not been started/)
  })
})

describe('judgeWindowsFirewall', () => {
  const on = [{ name: 'Private', enabled: true, defaultInboundAction: 'Block' }]
  it('reads the RemoteAddress forms Windows writes', () => {
    const local = { address: '198.51.100.21', prefix: 24 }
    expect(remoteCovers('Any', '198.51.100.22', local)).toBe(true)
    expect(remoteCovers('198.51.100.0/24', '198.51.100.22', local)).toBe(true)
    expect(remoteCovers('198.51.100.0/255.255.255.0', '198.51.100.22', local)).toBe(true)
    expect(remoteCovers('198.51.100.20-198.51.100.29', '198.51.100.22', local)).toBe(true)
    expect(remoteCovers('198.51.100.30-198.51.100.39', '198.51.100.22', local)).toBe(false)
    expect(remoteCovers('LocalSubnet', '198.51.100.22', local)).toBe(true)
    expect(remoteCovers('LocalSubnet', '203.0.113.5', local)).toBe(false)
    expect(remoteCovers('198.51.100.23', '198.51.100.22', local)).toBe(false)
  })
  it('counts a profile that is off as open, and names the peers no rule admits', () => {
    expect(judgeWindowsFirewall('Private', [{ ...on[0]!, enabled: false }], [], ['198.51.100.22'], undefined)).toEqual({ verdict: 'off', profile: 'Private' })
    const partial = [{ name: 'r', displayName: 'r', enabled: true, direction: 'Inbound', action: 'Allow', profile: 'Any', remoteAddress: ['198.51.100.22'] }]
    expect(judgeWindowsFirewall('Private', on, partial, ['198.51.100.22', '198.51.100.23'], undefined)).toEqual({ verdict: 'missing', profile: 'Private', uncovered: ['198.51.100.23'] })
    expect(judgeWindowsFirewall('Public', on, [{ ...partial[0]!, profile: 'Private' }], ['198.51.100.22'], undefined)).toMatchObject({ verdict: 'missing' })
    expect(judgeWindowsFirewall('Private', on, [{ ...partial[0]!, enabled: false }], ['198.51.100.22'], undefined)).toMatchObject({ verdict: 'missing' })
  })
})

describe('validation runner and platforms', () => {
  it('runs Windows tests on Windows nodes only, Linux tests on Linux nodes only, and facts tests on both', async () => {
    const w = await windowsNode('w1', { 'vrrp-firewall-check': 'rule-for-peers', 'vip-check': 'free' })
    const l = linuxNode('l2', '198.51.100.22')
    const results: ValidationResult[] = []
    const pick = ['system.root-or-sudo', 'system.windows-administrator', 'network.vip-in-subnet', 'network.same-subnet', 'inventory.os-kernel'].map(test)
    await runTests({
      tests: pick,
      nodes: [w, l],
      unreachable: [],
      settings: { vip: VIP, prefix: 24, advertIntervalMs: 1000, mode: 'unicast' },
      signal: new AbortController().signal,
      onProgress: () => {},
      onResult: (r) => results.push(r)
    })
    const status = (t: string, n: string): string | undefined => results.find((r) => r.testId === t && r.nodeId === n)?.status
    expect(status('system.windows-administrator', 'w1')).toBe('Success')
    expect(status('system.windows-administrator', 'l2')).toBe('NotRun')
    expect(status('system.root-or-sudo', 'w1')).toBe('NotRun')
    expect(results.find((r) => r.testId === 'system.root-or-sudo' && r.nodeId === 'w1')?.details).toMatch(/is a test for Linux nodes, and this node runs Windows/)
    expect(status('inventory.os-kernel', 'w1')).toBe('NotRun')
    // Facts-only tests judge both, and the cluster test compares the Windows and the Linux node.
    expect(status('network.vip-in-subnet', 'w1')).toBe('Success')
    expect(status('network.same-subnet', 'w1')).toBe('Success')
    expect(status('network.same-subnet', 'l2')).toBe('Success')
    expect(results).toHaveLength(10)
  })
})
