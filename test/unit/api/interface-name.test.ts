// Interface names per platform, with hostile input: Windows adapter names with spaces and
// parentheses are accepted for Windows nodes (validation requests, the cluster definition, the
// agent config), while Linux keeps its strict rule, so nothing a shell would read specially
// reaches a Linux node as an interface name.
import { describe, expect, it } from 'vitest'
import { parseJsonConfig } from '../../../agent/config/json-config'
import { ClusterNodeSchema } from '../../../electron/api/cluster'
import { InterfaceNameSchema, interfaceNameProblem, isLinuxInterfaceName, isWindowsInterfaceName } from '../../../electron/api/interface-name'
import { ValidationRequestSchema } from '../../../electron/api/validation'
import { linuxPlatform } from '../../../electron/backend/platform/linux-platform'
import { allTests } from '../../../electron/backend/validation/groups/catalogue'
import type { NodeContext } from '../../../electron/backend/validation/test-module'

const WINDOWS_NAMES = ['Ethernet', 'Ethernet 2', 'vEthernet (External)', 'vEthernet (Default Switch)', 'Wi-Fi', 'Team #1 - LAN', "O'Brien's NIC", 'Ethernet & $(whoami) `x`', 'Réseau local', 'x'.repeat(256)]
const LINUX_NAMES = ['eth0', 'ens3', 'bond0.100', 'enp0s31f6', 'br-lan', 'veth_1', 'a'.repeat(15)]
/** Shell metacharacters, spaces, separators: none is a Linux interface name. */
const HOSTILE_FOR_LINUX = ['Ethernet 2', 'eth0;reboot', 'eth0 && rm -rf /', '$(id)', '`id`', 'eth0|nc', 'a/b', 'eth0\nreboot', "eth0'", '"eth0"', '-eth0', '.hidden', 'eth0:1', '', 'a'.repeat(16), 'eth0\u0000']
/** What Windows itself refuses in a connection name, control characters, and padding. */
const HOSTILE_FOR_WINDOWS = ['', 'Ethernet\t2', 'Ethernet\n2', 'Ethernet\r\nSet-Item', 'a\\b', 'a/b', 'C:', 'a*', 'a?', '<a>', 'a|b', ' Ethernet', 'Ethernet ', 'x'.repeat(257), 'eth\u0000', 'eth\u007f', 'line\u2028sep', 'nel\u0085']

describe('interface names per platform', () => {
  it('Linux: the strict rule, hostile names refused', () => {
    for (const n of LINUX_NAMES) expect(isLinuxInterfaceName(n), n).toBe(true)
    for (const n of [...HOSTILE_FOR_LINUX, ...WINDOWS_NAMES.filter((w) => /[^A-Za-z0-9_.-]/.test(w) || w.length > 15)]) {
      expect(isLinuxInterfaceName(n), JSON.stringify(n)).toBe(false)
      expect(interfaceNameProblem('linux', n)).toMatch(/is not a Linux interface name/)
    }
  })

  it('Windows: adapter names with spaces and parentheses; what Windows refuses, control characters and padding are refused', () => {
    for (const n of WINDOWS_NAMES) expect(isWindowsInterfaceName(n), n).toBe(true)
    for (const n of HOSTILE_FOR_WINDOWS) {
      expect(isWindowsInterfaceName(n), JSON.stringify(n)).toBe(false)
      expect(interfaceNameProblem('windows', n)).toMatch(/is not a Windows adapter name: .*none of \\ \/ : \* \? < > \|/)
    }
  })

  it('a validation request accepts either kind, and refuses what neither platform allows', () => {
    const req = (iface: string) => ValidationRequestSchema.safeParse({ nodes: [{ connectionId: 'c1', interface: iface }], vip: '198.51.100.50/24' })
    for (const n of [...WINDOWS_NAMES, ...LINUX_NAMES]) expect(req(n).success, n).toBe(true)
    for (const n of ['eth0\nreboot', 'a|b', 'C:\\x', '', ' eth0', 'Ethernet\t2']) expect(req(n).success, JSON.stringify(n)).toBe(false)
    expect(InterfaceNameSchema.safeParse('x'.repeat(257)).success).toBe(false)
  })

  it('the cluster definition holds a Windows adapter name only for a Windows node', () => {
    const node = { name: 'n1', host: '198.51.100.21', port: 22, username: 'administrator', address: '198.51.100.21', priority: 100 }
    expect(ClusterNodeSchema.safeParse({ ...node, platform: 'windows', interface: 'vEthernet (External)' }).success).toBe(true)
    expect(ClusterNodeSchema.safeParse({ ...node, platform: 'linux', interface: 'eth0' }).success).toBe(true)
    const linux = ClusterNodeSchema.safeParse({ ...node, platform: 'linux', interface: 'Ethernet 2' })
    expect(linux.success).toBe(false)
    if (!linux.success) expect(linux.error.issues[0]).toMatchObject({ path: ['interface'], message: expect.stringContaining('"Ethernet 2" is not a Linux interface name') })
    for (const bad of ['$(reboot)', 'eth0;id']) expect(ClusterNodeSchema.safeParse({ ...node, platform: 'linux', interface: bad }).success, bad).toBe(false)
    expect(ClusterNodeSchema.safeParse({ ...node, platform: 'windows', interface: 'Ethernet\n2' }).success).toBe(false)
  })

  it('the agent config takes every Windows adapter name for a Windows node and none for a Linux one', () => {
    for (const n of WINDOWS_NAMES) {
      const config = JSON.stringify({ instances: [{ name: 'web', interface: n, vrid: 51, priority: 150, unicastPeers: ['198.51.100.22'], vips: [{ address: '192.0.2.10', prefix: 24 }] }] })
      expect(parseJsonConfig(config, { target: 'windows' }).issues.filter((i) => i.severity === 'error'), n).toEqual([])
      if (!isLinuxInterfaceName(n)) expect(parseJsonConfig(config, { target: 'linux' }).issues.map((i) => i.message).join('\n'), n).toMatch(/is not a Linux interface name/)
    }
  })

  it('a Linux node asked for a Windows-style or hostile interface: the interface test refuses the name and says why', async () => {
    const test = allTests().find((t) => t.meta.id === 'network.interface')!
    for (const requested of ['Ethernet 2', '$(reboot) x']) {
      const node = {
        nodeId: 'l1',
        label: 'l1',
        host: 'l1',
        session: new Proxy({}, { get: () => () => Promise.reject(new Error('no command may run for a refused interface name')) }),
        facts: { platform: 'linux', interfaces: [{ name: 'eth0', mtu: 1500, state: 'UP', addresses: [] }] },
        platform: linuxPlatform,
        requestedInterface: requested
      } as unknown as NodeContext
      const o = await test.runNode!(node, { nodes: [node], settings: { vip: '198.51.100.50', prefix: 24, advertIntervalMs: 1000, mode: 'unicast' }, signal: new AbortController().signal, progress: () => {} })
      expect(o.status).toBe('Failed')
      expect(o.details).toContain(`l1: "${requested}" is not a Linux interface name`)
      expect(o.details).toContain('It has: eth0.')
    }
  })
})
