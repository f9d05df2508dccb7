/**
 * Linux OS layer: iproute2 for addresses (`ip addr add A/P dev D label L`), /sys for
 * interface state, iputils arping for gratuitous ARP. Every command is an argv array.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { VipConfig } from '../config/model'
import { run } from './exec'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from './os-adapter'

const IFF_UP = 0x1

/**
 * Up = administratively up (IFF_UP in /sys/.../flags) and operationally up. The flags file does
 * not carry IFF_RUNNING (the kernel computes it), so operstate stands in for it; 'unknown' is
 * what drivers without carrier reporting (lo, some virtual NICs) show while working.
 */
function sysfsUp(dev: string): boolean {
  const flags = parseInt(readFileSync(`/sys/class/net/${dev}/flags`, 'utf8').trim(), 16)
  const oper = readFileSync(`/sys/class/net/${dev}/operstate`, 'utf8').trim()
  return (flags & IFF_UP) !== 0 && (oper === 'up' || oper === 'unknown')
}

function findBinary(name: string, dirs = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']): string | undefined {
  for (const d of dirs) if (existsSync(`${d}/${name}`)) return `${d}/${name}`
  return undefined
}

interface IpJsonAddr {
  ifname?: string
  addr_info?: { family?: string; local?: string; prefixlen?: number; label?: string; secondary?: boolean }[]
}

export class LinuxOs implements OsAdapter {
  private readonly ip: string
  private readonly arping: string | undefined

  constructor() {
    this.ip = findBinary('ip') ?? 'ip'
    this.arping = findBinary('arping')
  }

  private async ipCmd(args: string[], what: string): Promise<string> {
    const r = await run(this.ip, args, { timeoutMs: 5000 })
    if (r.spawnError) throw new Error(`${what}: cannot run "ip" (${r.spawnError}); install iproute2`)
    if (r.timedOut) throw new Error(`${what}: ip ${args.join(' ')} did not finish within 5 s and was killed; the host may be overloaded: retry, or run the same ip command by hand to see where it hangs`)
    if (r.code !== 0) throw new IpError(`${what}: ip ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`, r.stderr)
    return r.stdout
  }

  async addVip(vip: VipConfig, dev: string): Promise<void> {
    const args = ['-4', 'addr', 'add', `${vip.address}/${vip.prefix}`, 'dev', dev]
    if (vip.label) args.push('label', vip.label)
    try {
      await this.ipCmd(args, `adding VIP ${vip.address}/${vip.prefix} on ${dev}`)
    } catch (err) {
      if (err instanceof IpError && /File exists|Address already assigned/i.test(err.stderr)) return
      throw err
    }
  }

  async removeVip(vip: VipConfig, dev: string): Promise<void> {
    try {
      await this.ipCmd(['-4', 'addr', 'del', `${vip.address}/${vip.prefix}`, 'dev', dev], `removing VIP ${vip.address}/${vip.prefix} from ${dev}`)
    } catch (err) {
      // Already gone (EADDRNOTAVAIL) or the interface vanished: nothing left to remove.
      if (err instanceof IpError && /Cannot assign requested address|Address not found|Cannot find device|does not exist/i.test(err.stderr)) return
      throw err
    }
  }

  private jsonSupported = true

  async listAddresses(dev?: string): Promise<HeldAddress[]> {
    const what = `listing addresses${dev ? ` on ${dev}` : ''}`
    const devArgs = dev ? ['dev', dev] : []
    if (this.jsonSupported) {
      try {
        return parseIpJson(await this.ipCmd(['-j', '-4', 'addr', 'show', ...devArgs], what), dev)
      } catch (err) {
        // iproute2 before 4.13 (e.g. RHEL/CentOS 7) has no -j: fall back to the one-line text form.
        if (!(err instanceof IpError) || !/json|Option "-j"|unknown/i.test(err.stderr)) throw err
        this.jsonSupported = false
      }
    }
    return parseIpOneline(await this.ipCmd(['-o', '-4', 'addr', 'show', ...devArgs], what))
  }

  async interfaceState(dev: string): Promise<InterfaceState> {
    const base = `/sys/class/net/${dev}`
    let up: boolean
    let index: number
    try {
      index = Number(readFileSync(`${base}/ifindex`, 'utf8').trim())
      up = sysfsUp(dev)
    } catch {
      return { exists: false, up: false, addresses: [] }
    }
    let addresses: string[] = []
    try {
      addresses = (await this.listAddresses(dev)).map((a) => a.address)
    } catch {
      // The interface may vanish between the two reads; state is still meaningful.
    }
    return { exists: true, up, index, addresses }
  }

  /** Cheap, exec-free up/down check for frequent interface tracking. */
  interfaceUpSync(dev: string): boolean {
    try {
      return sysfsUp(dev)
    } catch {
      return false
    }
  }

  async garpSupport(): Promise<GarpSupport> {
    if (!this.arping) return { ok: false, detail: 'arping not found in /usr/sbin or /usr/bin: install iputils-arping (Debian/Ubuntu) or iputils (RHEL); without it neighbours keep the old owner of a VIP until their ARP cache expires' }
    return { ok: true, detail: `${this.arping} (iputils)` }
  }

  async sendGarp(address: string, dev: string): Promise<void> {
    if (!this.arping) throw new Error(`gratuitous ARP for ${address} on ${dev} not sent: arping is missing; install iputils-arping`)
    // -U: unsolicited ARP (sender = target = VIP) so neighbours update their caches.
    // -w 1 bounds the wait; -c 1 sends one packet.
    const r = await run(this.arping, ['-U', '-c', '1', '-w', '1', '-I', dev, '-s', address, address], { timeoutMs: 3000 })
    // A killed arping also reports code 1: check timedOut first so it is not taken for success.
    if (r.timedOut) throw new Error(`gratuitous ARP for ${address} on ${dev} failed: arping did not finish within 3 s and was killed`)
    if (r.spawnError || (r.code !== 0 && r.code !== 1)) {
      // iputils arping exits 1 when no reply came, which is normal for unsolicited ARP.
      throw new Error(`gratuitous ARP for ${address} on ${dev} failed: ${r.spawnError ?? r.stderr.trim()}`)
    }
  }
}

/** `ip -j -4 addr show` output -> addresses. */
export function parseIpJson(out: string, dev?: string): HeldAddress[] {
  const parsed = JSON.parse(out || '[]') as IpJsonAddr[]
  const held: HeldAddress[] = []
  for (const link of parsed) {
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' || !a.local) continue
      held.push({ address: a.local, prefix: a.prefixlen ?? 32, dev: link.ifname ?? dev ?? '?', label: a.label })
    }
  }
  return held
}

/** `ip -o -4 addr show` lines ("2: eth0    inet 198.51.100.11/24 brd ... scope global secondary eth0:vip\ ...") -> addresses. */
export function parseIpOneline(out: string): HeldAddress[] {
  const held: HeldAddress[] = []
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?\s+(.*)$/.exec(line)
    if (!m) continue
    const rest = (m[4] ?? '').split('\\')[0]!.trim().split(/\s+/)
    // The label is the last word before the backslash when it names the device (eth0 or eth0:vip).
    const last = rest[rest.length - 1]
    const label = last && (last === m[1] || last.startsWith(`${m[1]}:`)) ? last : undefined
    held.push({ address: m[2]!, prefix: Number(m[3] ?? 32), dev: m[1]!, label })
  }
  return held
}

class IpError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message)
  }
}
