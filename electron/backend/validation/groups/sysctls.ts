// The sysctls that decide how a VIP behaves on a node, each judged with its reason. Read from
// /proc/sys (no root needed); the kernel uses max(all, <interface>) for arp_ignore and
// rp_filter, and max(all, <interface>) for arp_announce too.
import type { TestOutcome, ValidationTestDef } from '../test-module'
import { fail, meta, ok, run, warn } from './remote'

export interface SysctlValues {
  ipNonlocalBind?: number
  arpIgnore?: number
  arpAnnounce?: number
  rpFilter?: number
}

/** Judges the values; `multiHomed` = the node has IPv4 on more than one interface besides lo. */
export function judgeSysctls(v: SysctlValues, ifname: string, multiHomed: boolean): TestOutcome {
  const notes: string[] = []
  const fixes: string[] = []
  const seen = new Set<'Warning' | 'Failed'>()
  const worse = (s: 'Warning' | 'Failed'): void => {
    seen.add(s)
  }
  const evidence = [
    { label: 'net.ipv4.ip_nonlocal_bind', value: String(v.ipNonlocalBind ?? '?') },
    { label: `arp_ignore (max of all, ${ifname})`, value: String(v.arpIgnore ?? '?') },
    { label: `arp_announce (max of all, ${ifname})`, value: String(v.arpAnnounce ?? '?') },
    { label: `rp_filter (max of all, ${ifname})`, value: String(v.rpFilter ?? '?') }
  ]

  if (v.arpIgnore === undefined || v.arpAnnounce === undefined || v.rpFilter === undefined) {
    worse('Warning')
    notes.push('some values could not be read from /proc/sys')
    fixes.push('Check that /proc/sys/net/ipv4 is readable on the node.')
  }
  if (v.arpIgnore !== undefined) {
    if (v.arpIgnore >= 8) {
      worse('Failed')
      notes.push(`arp_ignore=${v.arpIgnore}: the node answers no ARP at all, so nobody can reach the VIP on it`)
      fixes.push(`Set net.ipv4.conf.all.arp_ignore and net.ipv4.conf.${ifname}.arp_ignore to 0 or 1 (in /etc/sysctl.d/).`)
    } else if (v.arpIgnore >= 4) {
      worse('Warning')
      notes.push(`arp_ignore=${v.arpIgnore} is a reserved value; ARP for the VIP may go unanswered`)
      fixes.push('Use arp_ignore 0, 1 or 2.')
    } else notes.push(`arp_ignore=${v.arpIgnore}: ARP for the VIP is answered (it sits on ${ifname} itself)`)
  }
  if (v.arpAnnounce !== undefined) {
    if (v.arpAnnounce === 0 && multiHomed) {
      worse('Warning')
      notes.push('arp_announce=0 on a multi-homed node: ARP requests may carry the VIP or another interface\'s address as their source, which confuses neighbours')
      fixes.push(`Set net.ipv4.conf.${ifname}.arp_announce=2 (use the best local address of the interface).`)
    } else notes.push(`arp_announce=${v.arpAnnounce}: fine${v.arpAnnounce === 0 ? ' on a single-homed node' : ''}`)
  }
  if (v.rpFilter !== undefined) {
    if (v.rpFilter === 1 && multiHomed) {
      worse('Warning')
      notes.push('rp_filter=1 (strict) on a multi-homed node: packets to the VIP or adverts arriving on an interface that is not the route back are dropped')
      fixes.push(`Set net.ipv4.conf.all.rp_filter=2 and net.ipv4.conf.${ifname}.rp_filter=2 (loose).`)
    } else notes.push(`rp_filter=${v.rpFilter}: does not drop the VIP's traffic${v.rpFilter === 1 ? ' on a single-homed node' : ''}`)
  }
  if (v.ipNonlocalBind !== undefined) {
    notes.push(
      v.ipNonlocalBind === 1
        ? 'ip_nonlocal_bind=1: services may listen on the VIP on every node, also before it arrives'
        : 'ip_nonlocal_bind=0: a service that must listen on the VIP itself (not on 0.0.0.0) can start only where the VIP is; set it to 1 if you have one'
    )
  }
  const details = notes.join('; ') + '.'
  const status = seen.has('Failed') ? 'Failed' : seen.has('Warning') ? 'Warning' : 'Success'
  if (status === 'Failed') return fail(details, fixes.join(' '), evidence)
  if (status === 'Warning') return warn(details, fixes.join(' '), evidence)
  return ok(details, evidence)
}

/** "path:value" lines of `grep -H . FILE...` → path → number. */
export function parseGrepValues(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^(\/proc\/sys\/[^:]+):\s*(-?\d+)\s*$/.exec(line)
    if (m) out.set(m[1]!, Number(m[2]))
  }
  return out
}

export const sysctlTest: ValidationTestDef = {
  meta: meta('system', 'sysctls', 'Kernel settings for a VIP', 'The sysctls that decide how a VIP behaves: arp_ignore and arp_announce (ARP for the VIP), rp_filter (reverse-path filtering), ip_nonlocal_bind (services listening on the VIP), each with its reason.', 'node', false),
  async runNode(node) {
    const ifname = node.iface?.name
    if (!ifname) return fail(`${node.label}: no interface for the VIP, so its settings cannot be judged.`, 'Name the interface the VIP should go on (see the interface test).')
    const conf = (where: string, key: string): string => `/proc/sys/net/ipv4/conf/${where}/${key}`
    const files = ['/proc/sys/net/ipv4/ip_nonlocal_bind', ...['arp_ignore', 'arp_announce', 'rp_filter'].flatMap((k) => [conf('all', k), conf(ifname, k)])]
    const r = await run(node, ['grep', '-H', '.', '--', ...files])
    const got = parseGrepValues(r.stdout)
    const maxOf = (key: string): number | undefined => {
      const a = got.get(conf('all', key))
      const i = got.get(conf(ifname, key))
      return a === undefined && i === undefined ? undefined : Math.max(a ?? 0, i ?? 0)
    }
    const v: SysctlValues = {
      ...(got.has(files[0]!) ? { ipNonlocalBind: got.get(files[0]!)! } : {}),
      ...(maxOf('arp_ignore') !== undefined ? { arpIgnore: maxOf('arp_ignore')! } : {}),
      ...(maxOf('arp_announce') !== undefined ? { arpAnnounce: maxOf('arp_announce')! } : {}),
      ...(maxOf('rp_filter') !== undefined ? { rpFilter: maxOf('rp_filter')! } : {})
    }
    const multiHomed = node.facts.interfaces.filter((i) => i.name !== 'lo' && i.addresses.some((a) => a.family === 'inet')).length > 1
    return judgeSysctls(v, ifname, multiHomed)
  }
}
