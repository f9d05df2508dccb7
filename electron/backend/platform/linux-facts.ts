// Facts about a Linux node, read over SSH with plain, read-only commands.
// Parsers are pure and defensive: a node with an odd distro, an old iproute2 or no Node.js
// still yields facts, with the unknown parts empty rather than an exception.
import type { NetInterface, NodeFacts } from '../../api/model'
import type { SshSession } from '../ssh/session'

/** os-release(5): KEY=value lines, values optionally quoted shell-style. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (!m) continue
    const key = m[1]!
    let v = m[2]!
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
      v = v.slice(1, -1).replace(/\\([$"`\\])/g, '$1')
    } else if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) {
      v = v.slice(1, -1)
    }
    if (!(key in out)) out[key] = v // first file wins (/etc/os-release before /usr/lib/os-release)
  }
  return out
}

interface IpJsonAddr {
  family?: unknown
  local?: unknown
  prefixlen?: unknown
  label?: unknown
}
interface IpJsonLink {
  ifname?: unknown
  mtu?: unknown
  operstate?: unknown
  address?: unknown
  link_type?: unknown
  addr_info?: unknown
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** The JSON array `ip -j` prints, or undefined when the text is not one (an iproute2 without -j). */
function parseIpJsonArray(text: string): unknown[] | undefined {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return undefined
  }
  return Array.isArray(data) ? data : undefined
}

/** `ip -j addr` (iproute2 >= 4.14). Returns undefined if the text is not that JSON. */
export function parseIpAddrJson(text: string): NetInterface[] | undefined {
  const data = parseIpJsonArray(text)
  if (!data) return undefined
  const out: NetInterface[] = []
  for (const item of data as IpJsonLink[]) {
    const name = str(item?.ifname)
    if (!name) continue
    const iface: NetInterface = {
      name,
      mtu: num(item.mtu) ?? 0,
      state: str(item.operstate) ?? 'UNKNOWN',
      addresses: []
    }
    const mac = str(item.address)
    if (mac && str(item.link_type) !== 'loopback' && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(mac)) iface.mac = mac
    const infos = Array.isArray(item.addr_info) ? (item.addr_info as IpJsonAddr[]) : []
    for (const a of infos) {
      const family = str(a?.family)
      const address = str(a?.local)
      const prefix = num(a?.prefixlen)
      if ((family !== 'inet' && family !== 'inet6') || !address || prefix === undefined) continue
      const entry: NetInterface['addresses'][number] = { family, address, prefix }
      const label = str(a.label)
      if (label && label !== name) entry.label = label
      iface.addresses.push(entry)
    }
    out.push(iface)
  }
  return out
}

/** Plain `ip addr` output, for iproute2 without JSON support. */
export function parseIpAddrText(text: string): NetInterface[] {
  const out: NetInterface[] = []
  let cur: NetInterface | undefined
  for (const line of text.split('\n')) {
    const head = /^\d+:\s+([^:@\s]+)(?:@[^:\s]+)?:\s+<[^>]*>(.*)$/.exec(line)
    if (head) {
      const rest = head[2] ?? ''
      cur = {
        name: head[1]!,
        mtu: Number(/\bmtu (\d+)/.exec(rest)?.[1] ?? 0),
        state: /\bstate (\S+)/.exec(rest)?.[1] ?? 'UNKNOWN',
        addresses: []
      }
      out.push(cur)
      continue
    }
    if (!cur) continue
    const link = /^\s+link\/(\S+)\s+([0-9a-f:]+)/i.exec(line)
    if (link && link[1] !== 'loopback' && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(link[2]!)) {
      cur.mac = link[2]!
      continue
    }
    const addr = /^\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)(.*)$/.exec(line)
    if (addr) {
      const entry: NetInterface['addresses'][number] = {
        family: addr[1] as 'inet' | 'inet6',
        address: addr[2]!,
        prefix: Number(addr[3])
      }
      // For IPv4 the label (e.g. eth0:1) is the last word of the line.
      const words = (addr[4] ?? '').trim().split(/\s+/)
      const last = words[words.length - 1]
      if (entry.family === 'inet' && last && last !== cur.name && last.startsWith(cur.name + ':')) entry.label = last
      cur.addresses.push(entry)
    }
  }
  return out
}

/** `ip -j route show default`: the first IPv4 default route, or null when there is none. */
export function parseDefaultRouteJson(text: string): NodeFacts['defaultRoute'] | undefined {
  const data = parseIpJsonArray(text)
  if (!data) return undefined
  for (const r of data as Array<{ dst?: unknown; gateway?: unknown; dev?: unknown }>) {
    const dev = str(r?.dev)
    if (!dev) continue
    return { gateway: str(r.gateway) ?? null, dev }
  }
  return null
}

/** `ip route show default` text: "default via 192.0.2.1 dev eth0 ...". */
export function parseDefaultRouteText(text: string): NodeFacts['defaultRoute'] {
  for (const line of text.split('\n')) {
    if (!/^default\b/.test(line)) continue
    const dev = /\bdev (\S+)/.exec(line)?.[1]
    if (!dev) continue
    return { gateway: /\bvia (\S+)/.exec(line)?.[1] ?? null, dev }
  }
  return null
}

export function parseNodeVersion(code: number, stdout: string): string | null {
  const v = stdout.trim()
  return code === 0 && /^v\d+\.\d+\.\d+/.test(v) ? v : null
}

/**
 * Collect the node's facts. Commands run concurrently on one connection; all are read-only
 * and need no root. Missing tools or files give empty values, not a failure; an unusable
 * connection fails with the session's SshError.
 */
export async function collectLinuxFacts(s: SshSession): Promise<NodeFacts> {
  const t = { timeoutMs: 20_000 }
  const [host, uname, osr, node, addrJson, routeJson] = await Promise.all([
    s.execOk(['uname', '-n'], t),
    s.execOk(['uname', '-r', '-m'], t),
    s.exec(['cat', '/etc/os-release', '/usr/lib/os-release'], t),
    s.exec(['node', '--version'], t),
    s.exec(['ip', '-j', 'addr', 'show'], t),
    s.exec(['ip', '-j', 'route', 'show', 'default'], t)
  ])

  let interfaces = addrJson.code === 0 ? parseIpAddrJson(addrJson.stdout) : undefined
  if (!interfaces) {
    const txt = await s.exec(['ip', 'addr', 'show'], t)
    interfaces = txt.code === 0 ? parseIpAddrText(txt.stdout) : []
  }
  let defaultRoute = routeJson.code === 0 ? parseDefaultRouteJson(routeJson.stdout) : undefined
  if (defaultRoute === undefined) {
    const txt = await s.exec(['ip', 'route', 'show', 'default'], t)
    defaultRoute = txt.code === 0 ? parseDefaultRouteText(txt.stdout) : null
  }

  const unameParts = uname.stdout.trim().split(/\s+/)
  const os = parseOsRelease(osr.stdout)
  const name = os.NAME ?? 'Linux'
  return {
    hostname: host.stdout.trim(),
    os: {
      id: os.ID ?? 'linux',
      name,
      version: os.VERSION_ID ?? os.VERSION ?? '',
      prettyName: os.PRETTY_NAME ?? name
    },
    kernel: unameParts[0] ?? '',
    arch: unameParts.length > 1 ? unameParts[unameParts.length - 1]! : '',
    nodeVersion: parseNodeVersion(node.code, node.stdout),
    interfaces,
    defaultRoute,
    platform: 'linux',
    collectedAt: new Date().toISOString()
  }
}
