/**
 * What `havip-agent scan` saw on protocol 112, gathered into one report. Pure: adverts in,
 * a JSON-able report out, so the parsing and judging are unit-tested without sockets.
 *
 * Test adverts (the protocol-112 reachability test) carry an unmistakable marker instead of
 * VIPs: the documentation address 192.0.2.112 first, then the run's 4-byte token as a second
 * "address". A real router never advertises 192.0.2.112 (RFC 5737 reserves it for examples),
 * so the scan keeps test adverts out of the list of routers, and the test counts only its own.
 * They go out on a VRID nobody was heard on, with priority 1: keepalived (and any RFC router)
 * drops adverts for a VRID it does not run, and priority 1 can never win an election.
 */
import type { VrrpAdvert } from '../vrrp/packet'

/** RFC 5737 TEST-NET-1 address + the protocol number: never a real VIP. */
export const TEST_MARKER_ADDRESS = '192.0.2.112'
/** Lowest priority a running router sends (0 means "master is leaving": never use it for tests). */
export const TEST_PRIORITY = 1
export const VRRP_MULTICAST = '224.0.0.18'

export interface ScanSender {
  address: string
  priority: number
  version: 2 | 3
  advertIntervalMs: number
  /** The VIPs the sender advertises. */
  addresses: string[]
  /** Adverts seen from this sender on this VRID. */
  count: number
  /** true when its adverts went to 224.0.0.18, false when unicast to this node. */
  multicast: boolean
}

export interface ScanRouter {
  vrid: number
  senders: ScanSender[]
}

export interface TestSend {
  to: string
  sent: number
  errors: string[]
}

export interface TestReceipt {
  from: string
  multicast: boolean
  count: number
  vrid: number
}

export interface ScanReport {
  /** Bump when the shape changes; the backend refuses what it does not know. */
  format: 1
  interface: string
  source: string
  durationMs: number
  routers: ScanRouter[]
  test?: { token: string; vrid: number; sent: TestSend[]; received: TestReceipt[] }
  /** Test adverts of other runs (another validation at the same time), ignored. */
  foreignTestAdverts: number
  /** Datagrams on protocol 112 that failed to decode, by reason. */
  bad: Record<string, number>
}

/** "a1b2c3d4" <-> "161.178.195.212": the token rides as the second address of a test advert. */
export function tokenToAddress(token: string): string {
  if (!/^[0-9a-f]{8}$/.test(token)) throw new RangeError(`test token "${token}" must be 8 lower-case hex digits`)
  return [0, 2, 4, 6].map((i) => parseInt(token.slice(i, i + 2), 16)).join('.')
}

export function advertIntervalMs(a: Pick<VrrpAdvert, 'version' | 'advertInterval'>): number {
  // RFC 3768 §5.3.7: v2 counts seconds; RFC 5798 §5.2.7: v3 counts centiseconds.
  return a.version === 2 ? a.advertInterval * 1000 : a.advertInterval * 10
}

export function isTestAdvert(a: VrrpAdvert): boolean {
  return a.addresses[0] === TEST_MARKER_ADDRESS && a.addresses.length === 2
}

/** The advert the test sends: v3, a free VRID, priority 1, the marker and the token. */
export function testAdvert(vrid: number, token: string, intervalMs: number): VrrpAdvert {
  return {
    version: 3,
    vrid,
    priority: TEST_PRIORITY,
    advertInterval: Math.min(0xfff, Math.max(1, Math.round(intervalMs / 10))),
    addresses: [TEST_MARKER_ADDRESS, tokenToAddress(token)]
  }
}

/**
 * The VRID for test adverts: the highest one not heard so far and not to be avoided (the
 * cluster's own choice). Highest, because people number their routers from the bottom.
 */
export function pickTestVrid(heard: Iterable<number>, avoid: Iterable<number> = []): number {
  const taken = new Set([...heard, ...avoid])
  for (let v = 255; v >= 1; v--) if (!taken.has(v)) return v
  throw new Error('every VRID 1..255 is in use on this segment: there is no free one to test with')
}

export class ScanCollector {
  private readonly routers = new Map<number, Map<string, ScanSender>>()
  private readonly receipts = new Map<string, TestReceipt>()
  private readonly bad: Record<string, number> = {}
  private foreign = 0

  constructor(private readonly token?: string) {}

  add(r: { src: string; dst: string; advert: VrrpAdvert }): void {
    const a = r.advert
    const multicast = r.dst === VRRP_MULTICAST
    if (isTestAdvert(a)) {
      if (this.token === undefined || a.addresses[1] !== tokenToAddress(this.token)) {
        this.foreign++
        return
      }
      const key = `${r.src}|${multicast}`
      const t = this.receipts.get(key) ?? { from: r.src, multicast, count: 0, vrid: a.vrid }
      t.count++
      this.receipts.set(key, t)
      return
    }
    const senders = this.routers.get(a.vrid) ?? new Map<string, ScanSender>()
    this.routers.set(a.vrid, senders)
    const s = senders.get(r.src)
    if (s) {
      // Keep the latest view: a router's priority changes when it goes master or is tracked down.
      Object.assign(s, { priority: a.priority, version: a.version, advertIntervalMs: advertIntervalMs(a), addresses: a.addresses })
      s.count++
      s.multicast ||= multicast
      return
    }
    senders.set(r.src, {
      address: r.src,
      priority: a.priority,
      version: a.version,
      advertIntervalMs: advertIntervalMs(a),
      addresses: [...a.addresses],
      count: 1,
      multicast
    })
  }

  countBad(code: string, n = 1): void {
    if (n > 0) this.bad[code] = (this.bad[code] ?? 0) + n
  }

  heardVrids(): number[] {
    return [...this.routers.keys()]
  }

  report(o: { interface: string; source: string; durationMs: number; test?: { vrid: number; sent: TestSend[] } }): ScanReport {
    const routers = [...this.routers.entries()]
      .sort(([a], [b]) => a - b)
      .map(([vrid, m]) => ({ vrid, senders: [...m.values()].sort((x, y) => x.address.localeCompare(y.address)) }))
    const base: ScanReport = { format: 1, interface: o.interface, source: o.source, durationMs: o.durationMs, routers, foreignTestAdverts: this.foreign, bad: { ...this.bad } }
    if (this.token !== undefined && o.test) {
      base.test = { token: this.token, vrid: o.test.vrid, sent: o.test.sent, received: [...this.receipts.values()] }
    }
    return base
  }
}

/** Human output of `havip-agent scan` without --json. */
export function formatScanReport(r: ScanReport): string {
  const lines = [`listened on ${r.interface} (${r.source}) for ${r.durationMs} ms`]
  if (r.routers.length === 0) lines.push('no VRRP adverts seen')
  for (const router of r.routers) {
    lines.push(`VRID ${router.vrid}:`)
    for (const s of router.senders) {
      lines.push(`  ${s.address} priority ${s.priority} v${s.version} every ${s.advertIntervalMs} ms ${s.multicast ? 'multicast' : 'unicast'} ` +
        `(${s.count} adverts) VIPs ${s.addresses.join(', ') || '-'}`)
    }
  }
  if (r.test) {
    lines.push(`test adverts on VRID ${r.test.vrid}:`)
    for (const s of r.test.sent) lines.push(`  sent ${s.sent} to ${s.to}${s.errors.length ? ` (errors: ${s.errors.join('; ')})` : ''}`)
    for (const t of r.test.received) lines.push(`  received ${t.count} from ${t.from} (${t.multicast ? 'multicast' : 'unicast'})`)
  }
  const bad = Object.entries(r.bad)
  if (bad.length) lines.push(`undecodable: ${bad.map(([k, v]) => `${k} ${v}`).join(', ')}`)
  return lines.join('\n')
}
