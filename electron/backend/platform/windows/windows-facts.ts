// Facts about a Windows node, in the same NodeFacts shape as Linux, read through the
// PowerShell seam (scripts 'probe', 'os-info', 'network', 'firewall'). Parsers are pure and
// defensive like the Linux ones: an unknown value gives an empty one, not an exception; enum
// values are accepted as names (what the scripts cast them to) or as the CIM numbers that
// Windows PowerShell 5.1's ConvertTo-Json writes for an uncast enum.
import type { NetInterface, NodeFacts, WindowsFacts } from '../../../api/model'
import type { PowerShellRunner } from './runner'
import { windowsErrorToSsh, type ScriptOutcome } from './script-result'

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : v && typeof v === 'object' ? [obj(v)] : [])
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined)
const bool = (v: unknown): boolean => v === true || v === 'True' || v === 'true' || v === 1

/** MSFT_NetIPAddress.AddressFamily: 2 = IPv4, 23 = IPv6. */
export function addressFamily(v: unknown): 'inet' | 'inet6' | undefined {
  if (v === 'IPv4' || v === 2) return 'inet'
  if (v === 'IPv6' || v === 23) return 'inet6'
  return undefined
}

/** MSFT_NetIPInterface.Dhcp: 0 = Disabled, 1 = Enabled. */
export function dhcpEnabled(v: unknown): boolean | undefined {
  if (v === 'Enabled' || v === 1) return true
  if (v === 'Disabled' || v === 0) return false
  return undefined
}

/** "00-15-5D-01-0C-21" (Get-NetAdapter) as the Linux facts write it: "00:15:5d:01:0c:21". */
export function macOf(v: unknown): string | undefined {
  const m = str(v)
  return /^[0-9A-Fa-f]{2}([-:][0-9A-Fa-f]{2}){5}$/.test(m) ? m.replace(/-/g, ':').toLowerCase() : undefined
}

/** Get-NetAdapter Status ('Up', 'Disconnected', 'Disabled', ...) in the Linux operstate words. */
export function adapterState(v: unknown): string {
  const s = str(v)
  if (s === 'Up') return 'UP'
  if (s === 'Disconnected' || s === 'Disabled' || s === 'Down') return 'DOWN'
  return s ? s.toUpperCase() : 'UNKNOWN'
}

/** uname -m spelling of PROCESSOR_ARCHITECTURE, so deploy picks the same builds for both platforms. */
export function archOf(cpu: string): string {
  switch (cpu.toUpperCase()) {
    case 'AMD64':
      return 'x86_64'
    case 'ARM64':
      return 'aarch64'
    case 'X86':
      return 'i686'
    default:
      return cpu.toLowerCase()
  }
}

export interface ParsedNetwork {
  interfaces: NetInterface[]
  defaultRoute: NodeFacts['defaultRoute']
  ipv4: WindowsFacts['ipv4']
}

/** The 'network' script's result: adapters (plus interfaces that only have addresses, such as loopback). */
export function parseNetwork(value: unknown): ParsedNetwork {
  const v = obj(value)
  const byIndex = new Map<number, NetInterface>()
  const order: number[] = []
  const add = (index: number, iface: NetInterface): void => {
    byIndex.set(index, iface)
    order.push(index)
  }
  const ipIfs = arr(v.ipInterfaces)
  for (const a of arr(v.adapters)) {
    const index = int(a.ifIndex)
    const name = str(a.name)
    if (index === undefined || !name) continue
    const iface: NetInterface = { name, mtu: int(a.mtu) ?? 0, state: adapterState(a.status), addresses: [] }
    const mac = macOf(a.mac)
    if (mac) iface.mac = mac
    add(index, iface)
  }
  const skip = new Map<number, string[]>()
  for (const a of arr(v.addresses)) {
    const index = int(a.ifIndex)
    const family = addressFamily(a.family)
    const address = str(a.address).replace(/%.*$/, '') // drop the IPv6 zone index
    const prefix = int(a.prefix)
    if (index === undefined || !family || !address || prefix === undefined) continue
    let iface = byIndex.get(index)
    if (!iface) {
      const ipIf = ipIfs.find((x) => int(x.ifIndex) === index)
      iface = { name: str(a.alias) || `ifIndex ${index}`, mtu: Math.min(int(ipIf?.mtu) ?? 0, 2 ** 31 - 1), state: 'UNKNOWN', addresses: [] }
      add(index, iface)
    }
    iface.addresses.push({ family, address, prefix })
    if (family === 'inet' && bool(a.skipAsSource)) skip.set(index, [...(skip.get(index) ?? []), address])
  }
  const ipv4: WindowsFacts['ipv4'] = []
  for (const x of ipIfs) {
    const index = int(x.ifIndex)
    const iface = index === undefined ? undefined : byIndex.get(index)
    const dhcp = dhcpEnabled(x.dhcp)
    if (!iface || dhcp === undefined || iface.state === 'UNKNOWN') continue // loopback and pseudo-interfaces
    ipv4.push({ interface: iface.name, dhcp, skipAsSource: skip.get(index!) ?? [] })
  }
  const routes = arr(v.defaultRoutes)
    .filter((r) => int(r.ifIndex) !== undefined)
    .sort((a, b) => (int(a.metric) ?? 0) - (int(b.metric) ?? 0))
  const first = routes[0]
  let defaultRoute: NodeFacts['defaultRoute'] = null
  if (first) {
    const dev = byIndex.get(int(first.ifIndex)!)?.name ?? str(first.alias)
    const hop = str(first.nextHop)
    if (dev) defaultRoute = { gateway: hop && hop !== '0.0.0.0' ? hop : null, dev }
  }
  return { interfaces: order.map((i) => byIndex.get(i)!), defaultRoute, ipv4 }
}

/** The 'firewall' script's result. */
export function parseFirewall(value: unknown): Pick<WindowsFacts, 'firewallProfiles' | 'networkCategories'> {
  const v = obj(value)
  return {
    firewallProfiles: arr(v.profiles)
      .filter((p) => str(p.name))
      .map((p) => ({ name: str(p.name), enabled: bool(p.enabled), defaultInboundAction: str(p.defaultInboundAction) || 'NotConfigured' })),
    networkCategories: arr(v.connections)
      .filter((c) => str(c.alias))
      .map((c) => ({ interface: str(c.alias), category: str(c.category) }))
  }
}

export interface ParsedOs {
  hostname: string
  os: NodeFacts['os']
  kernel: string
  arch: string
  nodeVersion: string | null
  windows: Pick<WindowsFacts, 'caption' | 'editionId' | 'installationType' | 'build' | 'domain' | 'partOfDomain' | 'nodePath'>
}

/** The 'os-info' script's result. */
export function parseOsInfo(value: unknown): ParsedOs {
  const v = obj(value)
  const caption = str(v.caption).trim()
  const build = str(v.build)
  const ubr = int(v.ubr)
  const fullBuild = ubr !== undefined && build ? `${build}.${ubr}` : build
  const server = int(v.productType) !== 1 // 1 = workstation; 2 = domain controller, 3 = server
  const year = /Server (\d{4})\b/.exec(caption)?.[1]
  const nodeVersion = str(v.nodeVersion).trim()
  return {
    hostname: str(v.hostname),
    os: {
      id: 'windows',
      name: server ? 'Windows Server' : 'Windows',
      version: year ?? (str(v.displayVersion) || build),
      prettyName: caption || (server ? 'Windows Server' : 'Windows')
    },
    // The NT kernel version with the update revision, e.g. 10.0.20348.2582.
    kernel: ubr !== undefined && str(v.version) ? `${str(v.version)}.${ubr}` : str(v.version),
    arch: archOf(str(v.cpuArchitecture)),
    nodeVersion: /^v\d+\.\d+\.\d+/.test(nodeVersion) ? nodeVersion : null,
    windows: {
      caption,
      editionId: str(v.editionId),
      installationType: str(v.installationType),
      build: fullBuild,
      domain: str(v.domain),
      partOfDomain: bool(v.partOfDomain),
      nodePath: str(v.nodePath) || null
    }
  }
}

export interface ParsedProbe {
  user: string
  elevated: boolean
  psVersion: string
  languageMode: string
}

export function parseProbe(value: unknown): ParsedProbe {
  const v = obj(value)
  return { user: str(v.user), elevated: bool(v.elevated), psVersion: str(v.psVersion), languageMode: str(v.languageMode) }
}

function valueOrThrow<T>(o: ScriptOutcome<T>): T {
  if (!o.ok) throw windowsErrorToSsh(o.error)
  return o.value
}

/**
 * Collect the facts. The four scripts run concurrently; any error of the probe, os-info or
 * network is the facts' error (as an SshError saying what to do); firewall profiles that
 * cannot be read are left null.
 */
export async function collectWindowsFactsWith(runner: PowerShellRunner): Promise<NodeFacts> {
  const [probe, os, net, fw] = await Promise.all([runner.run('probe'), runner.run('os-info'), runner.run('network'), runner.run('firewall')])
  const p = parseProbe(valueOrThrow(probe))
  const o = parseOsInfo(valueOrThrow(os))
  const n = parseNetwork(valueOrThrow(net))
  const f = fw.ok ? parseFirewall(fw.value) : { firewallProfiles: null, networkCategories: [] }
  return {
    hostname: o.hostname,
    os: o.os,
    kernel: o.kernel,
    arch: o.arch,
    nodeVersion: o.nodeVersion,
    interfaces: n.interfaces,
    defaultRoute: n.defaultRoute,
    platform: 'windows',
    windows: { ...o.windows, ...p, ipv4: n.ipv4, ...f },
    collectedAt: new Date().toISOString()
  }
}
