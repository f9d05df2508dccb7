// Facts of a Windows node from recorded runs of the facts scripts: the same NodeFacts shape as
// Linux (valid against the API schema), with the Windows part (edition, domain, elevated
// token, DHCP or static, SkipAsSource addresses, firewall profiles) filled in.
import { describe, expect, it } from 'vitest'
import { NodeFactsSchema } from '../../../../electron/api/model'
import { SshError } from '../../../../electron/backend/ssh/errors'
import { addressFamily, archOf, collectWindowsFactsWith, dhcpEnabled, macOf, parseNetwork } from '../../../../electron/backend/platform/windows/windows-facts'
import { replayNode, windowsFixture } from '../../../support/windows-fixtures'

const HOST = '198.51.100.21'

describe('collectWindowsFactsWith (replayed)', () => {
  it('reads a Windows Server 2022 node with a static address', async () => {
    const runner = replayNode(HOST, { probe: 'server-2022-admin', 'os-info': 'server-2022-datacenter', network: 'server-2022-static', firewall: 'server-2022-default' })
    const facts = await collectWindowsFactsWith(runner)
    expect(NodeFactsSchema.parse(facts)).toEqual(facts)
    expect(facts).toMatchObject({
      platform: 'windows',
      hostname: 'WIN-NODE1',
      os: { id: 'windows', name: 'Windows Server', version: '2022', prettyName: 'Microsoft Windows Server 2022 Datacenter' },
      kernel: '10.0.20348.2582',
      arch: 'x86_64',
      nodeVersion: null,
      defaultRoute: { gateway: '198.51.100.1', dev: 'Ethernet' }
    })
    expect(facts.interfaces[0]).toEqual({
      name: 'Ethernet',
      mac: '00:15:5d:01:0c:21',
      mtu: 1500,
      state: 'UP',
      addresses: [
        { family: 'inet6', address: 'fe80::8d4f:1a2b:3c4d:5e6f', prefix: 64 },
        { family: 'inet', address: '198.51.100.21', prefix: 24 }
      ]
    })
    expect(facts.interfaces.map((i) => i.name)).toEqual(['Ethernet', 'Loopback Pseudo-Interface 1'])
    expect(facts.windows).toMatchObject({
      editionId: 'ServerDatacenter',
      installationType: 'Server',
      build: '20348.2582',
      domain: 'WORKGROUP',
      partOfDomain: false,
      user: 'win-node1\\administrator',
      elevated: true,
      languageMode: 'FullLanguage',
      nodePath: null,
      ipv4: [{ interface: 'Ethernet', dhcp: false, skipAsSource: [] }],
      networkCategories: [{ interface: 'Ethernet', category: 'Private' }]
    })
    expect(facts.windows?.firewallProfiles).toEqual([
      { name: 'Domain', enabled: true, defaultInboundAction: 'Block' },
      { name: 'Private', enabled: true, defaultInboundAction: 'Block' },
      { name: 'Public', enabled: true, defaultInboundAction: 'Block' }
    ])
  })

  it('reads a domain-joined Server Core 2019 node with Node.js, DHCP and a VIP, not elevated', async () => {
    const runner = replayNode(HOST, { probe: 'server-2019-not-elevated', 'os-info': 'server-2019-core-domain-node', network: 'dhcp-vip-second-adapter', firewall: 'public-disabled' })
    const facts = await collectWindowsFactsWith(runner)
    expect(NodeFactsSchema.parse(facts)).toEqual(facts)
    expect(facts).toMatchObject({ hostname: 'havip-w2', os: { version: '2019' }, nodeVersion: 'v20.18.0', defaultRoute: { gateway: '203.0.113.1', dev: 'NIC1' } })
    expect(facts.windows).toMatchObject({
      installationType: 'Server Core',
      domain: 'corp.example.com',
      partOfDomain: true,
      elevated: false,
      nodePath: 'C:\\Program Files\\nodejs\\node.exe',
      ipv4: [
        { interface: 'NIC1', dhcp: true, skipAsSource: ['203.0.113.50'] },
        { interface: 'Ethernet 2', dhcp: true, skipAsSource: [] }
      ]
    })
    expect(facts.interfaces.find((i) => i.name === 'Ethernet 2')?.state).toBe('DOWN')
    expect(facts.windows?.firewallProfiles?.find((p) => p.name === 'Public')).toEqual({ name: 'Public', enabled: false, defaultInboundAction: 'NotConfigured' })
  })

  it('reads non-ASCII text that travelled as \\u escapes', async () => {
    const runner = replayNode(HOST, { probe: 'server-2022-admin', 'os-info': 'server-2025-localized', network: 'server-2022-static', firewall: 'server-2022-default' })
    const facts = await collectWindowsFactsWith(runner)
    expect(windowsFixture('os-info', 'server-2025-localized').stdout).toMatch(/^[\x20-\x7e\n]*$/)
    expect(facts.os.prettyName).toBe('Microsoft Windows Server 2025 Datacenter Évaluation')
    expect(facts.hostname).toBe('SRV-ÉTAGE2')
    expect(facts.windows?.build).toBe('26100.1742')
  })

  it('fails with the probe\'s clear error when PowerShell is constrained', async () => {
    const runner = replayNode(HOST, { probe: 'constrained-language', 'os-info': 'server-2022-datacenter', network: 'server-2022-static', firewall: 'server-2022-default' })
    const err = await collectWindowsFactsWith(runner).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SshError)
    expect(err).toMatchObject({ kind: 'command-failed', host: HOST, exitCode: 3 })
    expect((err as SshError).message).toMatch(/runs in ConstrainedLanguage/)
    expect((err as SshError).hint).toMatch(/AppLocker or WDAC/)
  })
})

describe('Windows fact parsers', () => {
  it('accept the CIM numbers Windows PowerShell 5.1 writes for uncast enums', () => {
    const n = parseNetwork(JSON.parse(windowsFixture('network', 'enum-numbers').stdout).result)
    expect(n.interfaces[0]?.addresses).toEqual([{ family: 'inet', address: '192.0.2.30', prefix: 24 }])
    expect(n.ipv4).toEqual([{ interface: 'Ethernet0', dhcp: false, skipAsSource: [] }])
    expect(n.defaultRoute).toBeNull()
    expect([addressFamily(23), addressFamily('IPv6'), addressFamily(7)]).toEqual(['inet6', 'inet6', undefined])
    expect([dhcpEnabled(1), dhcpEnabled('Disabled'), dhcpEnabled('x')]).toEqual([true, false, undefined])
  })

  it('normalise MAC addresses and architectures like the Linux facts', () => {
    expect(macOf('00-15-5D-01-0C-21')).toBe('00:15:5d:01:0c:21')
    expect(macOf('')).toBeUndefined()
    expect([archOf('AMD64'), archOf('ARM64'), archOf('x86')]).toEqual(['x86_64', 'aarch64', 'i686'])
  })

  it('take a single adapter that ConvertTo-Json wrote as an object, and skip junk', () => {
    const n = parseNetwork({ adapters: { name: 'Ethernet', ifIndex: 3, status: 'Up', mtu: 9000 }, addresses: [{ ifIndex: 3 }, 'junk', null], ipInterfaces: null })
    expect(n.interfaces).toEqual([{ name: 'Ethernet', mtu: 9000, state: 'UP', addresses: [] }])
  })
})
