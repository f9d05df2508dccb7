/**
 * Linux OS layer: iproute2 for addresses (`ip addr add A/P dev D label L`), /sys for
 * interface state, gratuitous ARP through a packet socket. Every command is an argv array.
 *
 * The takeover path starts no process: VIPs are added and removed by one long-lived
 * `ip -batch` (ip-batch.ts), and gratuitous ARP frames, built here byte for byte, leave through
 * a packet socket held by a long-lived helper (packet-sender.ts). Starting `ip` and `arping` per
 * action cost tens of ms on a busy host, which keepalived, doing both in-process, does not pay.
 * When a helper cannot run, the one-shot `ip` and iputils `arping` are used as before.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { VipConfig } from '../config/model'
import { garpFrame } from './arp-frame'
import { run } from './exec'
import { batchSafe, CoprocessError, IpBatch } from './ip-batch'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from './os-adapter'
import { PacketSender, SendError } from './packet-sender'

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

const IP_TIMEOUT_MS = 5000
const ARPHRD_ETHER = '1'

export class LinuxOs implements OsAdapter {
  private readonly ip: string
  private readonly arping: string | undefined
  private readonly batch: IpBatch
  private readonly packets: PacketSender
  /** Set once the packet sender could not start: gratuitous ARP goes through arping. */
  private packetsFailed?: string

  constructor(deps: { packets?: PacketSender } = {}) {
    this.ip = findBinary('ip') ?? 'ip'
    this.arping = findBinary('arping')
    this.batch = new IpBatch(this.ip, ['-4'])
    this.packets = deps.packets ?? new PacketSender()
  }

  /**
   * Starts the long-lived helpers now, so that the first takeover does not wait for them, and
   * runs the takeover's code once with changes that change nothing: code V8 has not run yet is
   * compiled on its first call, which on a busy host costs ms that a takeover should not pay.
   */
  async prepare(): Promise<void> {
    await Promise.all([
      this.batch.run(['link', 'show', 'dev', 'lo'], IP_TIMEOUT_MS).catch(() => undefined),
      this.startPackets().then((ok) => (ok ? this.packets.ping().catch(() => undefined) : undefined))
    ])
    garpFrame(ethernetLink('lo')?.mac ?? '00:00:00:00:00:00', '0.0.0.0')
  }

  /** Ends the helpers (they would also end on their own when the agent's pipes close). */
  async close(): Promise<void> {
    await Promise.all([this.batch.close(), this.packets.close()])
  }

  private async startPackets(): Promise<boolean> {
    if (this.packetsFailed !== undefined) return false
    try {
      await this.packets.start()
      return true
    } catch (err) {
      this.packetsFailed = (err as Error).message
      return false
    }
  }

  /**
   * An address change: through the long-lived `ip -batch` when its arguments fit a batch line,
   * else (or when that ip cannot be started) a one-shot `ip`. `args` are without '-4'.
   */
  private async ipChange(args: string[], what: string): Promise<void> {
    if (batchSafe(args)) {
      try {
        const r = await this.batch.run(args, IP_TIMEOUT_MS)
        if (!r.ok) throw new IpError(`${what}: ip ${args.join(' ')} failed: ${r.stderr.trim() || 'no message'}`, r.stderr)
        return
      } catch (err) {
        if (!(err instanceof CoprocessError)) throw err
        if (err.reason === 'timeout') throw new Error(`${what}: ip ${args.join(' ')} did not finish within ${IP_TIMEOUT_MS / 1000} s and was killed; the host may be overloaded: retry, or run the same ip command by hand to see where it hangs`)
        if (err.reason === 'died') throw new IpError(`${what}: ip ${args.join(' ')} failed: ${err.stderr.trim() || err.message}`, err.stderr)
        // 'spawn' or 'closed': the one-shot ip below says what is wrong, or does the job.
      }
    }
    await this.ipCmd(['-4', ...args], what)
  }

  private async ipCmd(args: string[], what: string): Promise<string> {
    const r = await run(this.ip, args, { timeoutMs: IP_TIMEOUT_MS })
    if (r.spawnError) throw new Error(`${what}: cannot run "ip" (${r.spawnError}); install iproute2`)
    if (r.timedOut) throw new Error(`${what}: ip ${args.join(' ')} did not finish within 5 s and was killed; the host may be overloaded: retry, or run the same ip command by hand to see where it hangs`)
    if (r.code !== 0) throw new IpError(`${what}: ip ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`, r.stderr)
    return r.stdout
  }

  async addVip(vip: VipConfig, dev: string): Promise<void> {
    const args = ['addr', 'add', `${vip.address}/${vip.prefix}`, 'dev', dev]
    if (vip.label) args.push('label', vip.label)
    try {
      await this.ipChange(args, `adding VIP ${vip.address}/${vip.prefix} on ${dev}`)
    } catch (err) {
      if (err instanceof IpError && /File exists|Address already assigned/i.test(err.stderr)) return
      throw err
    }
  }

  async removeVip(vip: VipConfig, dev: string): Promise<void> {
    try {
      await this.ipChange(['addr', 'del', `${vip.address}/${vip.prefix}`, 'dev', dev], `removing VIP ${vip.address}/${vip.prefix} from ${dev}`)
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
    if (await this.startPackets()) {
      const h = this.packets.helper!
      return { ok: true, method: 'packet-socket', detail: `packet socket held by a ${h.kind} helper (${h.file})${this.arping ? `; ${this.arping} if it fails` : ''}` }
    }
    if (!this.arping) return { ok: false, method: 'none', detail: `no way to send gratuitous ARP: the packet-socket helper cannot run (${this.packetsFailed}) and arping is not in /usr/sbin or /usr/bin: install perl or python3, or iputils-arping (Debian/Ubuntu) / iputils (RHEL); without it neighbours keep the old owner of a VIP until their ARP cache expires` }
    return { ok: true, method: 'arping', detail: `${this.arping} (iputils), one process per announcement: the packet-socket helper cannot run (${this.packetsFailed}); install perl or python3 for faster takeovers` }
  }

  async sendGarp(address: string, dev: string): Promise<void> {
    const link = ethernetLink(dev)
    if (link && (await this.startPackets())) {
      try {
        return await this.packets.send(link.ifindex, garpFrame(link.mac, address))
      } catch (err) {
        if (err instanceof SendError) throw new Error(`gratuitous ARP for ${address} on ${dev} failed: ${err.message}`)
        // The helper itself failed (it starts again next time): this one goes through arping.
        if (!this.arping) throw new Error(`gratuitous ARP for ${address} on ${dev} failed: ${(err as Error).message}`)
      }
    }
    return this.arpingOnce(address, dev)
  }

  private async arpingOnce(address: string, dev: string): Promise<void> {
    if (!this.arping) throw new Error(`gratuitous ARP for ${address} on ${dev} not sent: ${this.packetsFailed ? `the packet-socket helper cannot run (${this.packetsFailed}) and ` : ''}arping is missing; install iputils-arping`)
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

/** Index and MAC of an Ethernet interface, from /sys; undefined for other link types (arping handles those). */
function ethernetLink(dev: string): { ifindex: number; mac: string } | undefined {
  if (dev.includes('/')) return undefined
  try {
    const base = `/sys/class/net/${dev}`
    if (readFileSync(`${base}/type`, 'utf8').trim() !== ARPHRD_ETHER) return undefined
    return { ifindex: Number(readFileSync(`${base}/ifindex`, 'utf8').trim()), mac: readFileSync(`${base}/address`, 'utf8').trim() }
  } catch {
    return undefined
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
