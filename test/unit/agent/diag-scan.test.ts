// havip-agent scan without sockets: what the collector makes of real keepalived datagrams and of
// test adverts, how the test VRID is picked, the send schedule, and the command line.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cmdScan, parseScanArgs, sendSchedule } from '../../../agent/diag/scan-command'
import {
  formatScanReport, isTestAdvert, pickTestVrid, ScanCollector, TEST_MARKER_ADDRESS, testAdvert, tokenToAddress
} from '../../../agent/diag/scan-report'
import { decodeVrrpDatagram, encodeAdvert, encodeIpv4, type VrrpAdvert } from '../../../agent/vrrp/packet'

const captures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'keepalived-2.2.7.json'), 'utf8')) as { cases: Record<string, string[]> }
const decoded = (hex: string) => {
  const d = decodeVrrpDatagram(Buffer.from(hex, 'hex'))
  return { src: d.ip.src, dst: d.ip.dst, advert: d.advert }
}
/** An advert as it arrives from the wire: encoded with its IP header, then decoded as the transport does. */
function wire(src: string, dst: string, advert: VrrpAdvert) {
  const payload = encodeAdvert(advert, { src, dst })
  return decoded(encodeIpv4({ src, dst, ttl: 255, protocol: 112, payload }).toString('hex'))
}
const report = (c: ScanCollector, test?: { vrid: number; sent: [] }) => c.report({ interface: 'eth0', source: '198.51.100.11', durationMs: 3500, test })

describe('ScanCollector', () => {
  it('lists keepalived 2.2.7 routers (v2 and v3, multicast and unicast) by VRID with address, priority, version and interval', () => {
    const c = new ScanCollector()
    for (const h of captures.cases['v3-100ms']!.slice(0, 2)) c.add(decoded(h))
    c.add(decoded(captures.cases['v2-unicast']![0]!))
    const r = report(c)
    expect(r.routers).toHaveLength(1)
    expect(r.routers[0]!.vrid).toBe(51)
    // The same sender on the same VRID is one entry; the latest advert wins (here v2, 1 s), counts add up.
    expect(r.routers[0]!.senders).toEqual([
      { address: '198.51.100.201', priority: 150, version: 2, advertIntervalMs: 1000, addresses: ['192.0.2.10', '192.0.2.11'], count: 3, multicast: true }
    ])
    expect(r.test).toBeUndefined()
  })

  it('keeps the latest priority of a router (the priority 0 advert keepalived sends when it stops)', () => {
    const c = new ScanCollector()
    for (const h of captures.cases['v3-multicast']!) c.add(decoded(h))
    const s = report(c).routers[0]!.senders[0]!
    expect(s).toMatchObject({ priority: 0, version: 3, advertIntervalMs: 1000, count: 3, multicast: true })
  })

  it('sorts VRIDs and senders, and tells unicast from multicast senders', () => {
    const c = new ScanCollector()
    const a = (vrid: number, priority: number): VrrpAdvert => ({ version: 3, vrid, priority, advertInterval: 100, addresses: ['198.51.100.250'] })
    c.add(wire('198.51.100.13', '198.51.100.11', a(60, 90)))
    c.add(wire('198.51.100.12', '224.0.0.18', a(60, 100)))
    c.add(wire('198.51.100.12', '224.0.0.18', a(7, 100)))
    const r = report(c)
    expect(r.routers.map((x) => x.vrid)).toEqual([7, 60])
    expect(r.routers[1]!.senders.map((s) => [s.address, s.multicast])).toEqual([['198.51.100.12', true], ['198.51.100.13', false]])
    expect(c.heardVrids().sort()).toEqual([60, 7].sort())
  })

  it('counts its own test adverts per sender and way, never lists them as routers, and ignores other runs\' test adverts', () => {
    const c = new ScanCollector('a1b2c3d4')
    const mine = testAdvert(255, 'a1b2c3d4', 1000)
    c.add(wire('198.51.100.12', '198.51.100.11', mine))
    c.add(wire('198.51.100.12', '198.51.100.11', mine))
    c.add(wire('198.51.100.12', '224.0.0.18', mine))
    c.add(wire('198.51.100.13', '198.51.100.11', testAdvert(254, '00000001', 1000)))
    const r = report(c, { vrid: 255, sent: [] })
    expect(r.routers).toEqual([])
    expect(r.foreignTestAdverts).toBe(1)
    expect(r.test!.received).toEqual([
      { from: '198.51.100.12', multicast: false, count: 2, vrid: 255 },
      { from: '198.51.100.12', multicast: true, count: 1, vrid: 255 }
    ])
    expect(c.heardVrids()).toEqual([])
  })

  it('adds up undecodable datagrams by reason', () => {
    const c = new ScanCollector()
    c.countBad('bad-ttl', 2)
    c.countBad('bad-ttl')
    c.countBad('bad-checksum', 0)
    expect(report(c).bad).toEqual({ 'bad-ttl': 3 })
  })
})

describe('test adverts', () => {
  it('are v3, priority 1 (never 0: that makes backups take over), with the marker and the token as addresses', () => {
    const a = testAdvert(200, 'c6336401', 1000)
    expect(a).toEqual({ version: 3, vrid: 200, priority: 1, advertInterval: 100, addresses: [TEST_MARKER_ADDRESS, '198.51.100.1'] })
    expect(isTestAdvert(a)).toBe(true)
    expect(isTestAdvert({ ...a, addresses: [TEST_MARKER_ADDRESS] })).toBe(false)
    expect(testAdvert(1, '00000000', 100_000).advertInterval).toBe(0xfff)
    expect(testAdvert(1, '00000000', 10).advertInterval).toBe(1)
  })

  it('tokens are 8 lower-case hex digits', () => {
    expect(tokenToAddress('ff000a01')).toBe('255.0.10.1')
    expect(() => tokenToAddress('FF000A01')).toThrow(RangeError)
    expect(() => tokenToAddress('abc')).toThrow(/8 lower-case hex/)
  })

  it('go out on the highest VRID neither heard nor avoided', () => {
    expect(pickTestVrid([])).toBe(255)
    expect(pickTestVrid([255, 254], [253])).toBe(252)
    const all = Array.from({ length: 255 }, (_, i) => i + 1)
    expect(pickTestVrid(all.slice(1))).toBe(1)
    expect(() => pickTestVrid(all)).toThrow(/no free one/)
  })
})

describe('sendSchedule', () => {
  it('starts after one interval and leaves a quarter of the window (at most 1 s) at the end for late peers (3 x 1 s + 500 ms)', () => {
    expect(sendSchedule(3500, 1000, 3)).toEqual([1000, 1813, 2625])
  })
  it('stays inside the window for short intervals and single rounds', () => {
    for (const [d, i, n] of [[1500, 100, 3], [600, 1000, 2], [3500, 1000, 1], [100, 10, 5]] as const) {
      const s = sendSchedule(d, i, n)
      expect(s).toHaveLength(n)
      for (const t of s) {
        expect(t).toBeGreaterThanOrEqual(Math.min(i, Math.floor(d / 3)))
        expect(t).toBeLessThanOrEqual(d - Math.min(1000, Math.floor(d / 4)))
      }
    }
  })
})

describe('parseScanArgs', () => {
  const src = () => '198.51.100.11'
  it('takes the interface\'s address as the source unless given', () => {
    expect(parseScanArgs(['--interface', 'eth0', '--duration-ms', '3500'], src)).toEqual({ interface: 'eth0', source: '198.51.100.11', durationMs: 3500, json: false })
    expect(parseScanArgs(['--interface', 'eth0', '--duration-ms', '3500', '--source', '198.51.100.50', '--json'], src).source).toBe('198.51.100.50')
  })
  it('reads a test: peers (own address dropped, duplicates once), multicast, count, interval, avoided VRIDs', () => {
    const o = parseScanArgs(['--interface', 'eth0', '--duration-ms', '3500', '--test-token', 'a1b2c3d4', '--peer', '198.51.100.12',
      '--peer', '198.51.100.11', '--peer', '198.51.100.12', '--multicast', '--count', '4', '--advert-interval-ms', '500', '--avoid-vrid', '51'], src)
    expect(o.test).toEqual({ token: 'a1b2c3d4', peers: ['198.51.100.12'], multicast: true, count: 4, advertIntervalMs: 500, avoid: [51] })
  })
  it.each([
    [['--duration-ms', '3500'], /--interface is required/],
    [['--interface', 'eth0;reboot', '--duration-ms', '3500'], /not an interface name/],
    [['--interface', 'eth0'], /--duration-ms is required/],
    [['--interface', 'eth0', '--duration-ms', '5'], /100\.\.600000/],
    [['--interface', 'eth0', '--duration-ms', '3500', '--peer', '198.51.100.12'], /need --test-token/],
    [['--interface', 'eth0', '--duration-ms', '3500', '--test-token', 'zz'], /8 lower-case hex/],
    [['--interface', 'eth0', '--duration-ms', '3500', '--test-token', 'a1b2c3d4'], /--peer ADDR/],
    [['--interface', 'eth0', '--duration-ms', '3500', '--test-token', 'a1b2c3d4', '--peer', 'n2'], /not an IPv4 address/],
    [['--interface', 'eth0', '--duration-ms', '3500', '--test-token', 'a1b2c3d4', '--multicast', '--avoid-vrid', '256'], /avoid-vrid must be/],
    [['--interface', 'eth0', '--duration-ms', '3500', '--bogus'], /Unknown option/]
  ])('refuses %j', (args, message) => {
    expect(() => parseScanArgs(args, src)).toThrow(message)
  })
  it('says when the interface has no IPv4 address', () => {
    expect(() => parseScanArgs(['--interface', 'eth9', '--duration-ms', '3500'], () => undefined)).toThrow(/eth9 has no IPv4 address/)
  })
})

describe('cmdScan', () => {
  it('exits 2 with the usage on bad arguments, before opening any socket', async () => {
    const out: string[] = []
    const err: string[] = []
    const code = await cmdScan(['--interface', 'eth0'], { out: (s) => out.push(s), err: (s) => err.push(s) })
    expect(code).toBe(2)
    expect(out).toEqual([])
    expect(err.join('\n')).toMatch(/--duration-ms is required[\s\S]*usage: havip-agent scan/)
  })
})

describe('formatScanReport', () => {
  it('reads as a list of routers, senders and test results', () => {
    const c = new ScanCollector('a1b2c3d4')
    c.add(decoded(captures.cases['v3-multicast']![0]!))
    c.add(wire('198.51.100.12', '198.51.100.11', testAdvert(255, 'a1b2c3d4', 1000)))
    c.countBad('bad-ttl')
    const text = formatScanReport(c.report({ interface: 'eth0', source: '198.51.100.11', durationMs: 3500, test: { vrid: 255, sent: [{ to: '198.51.100.12', sent: 3, errors: [] }] } }))
    expect(text).toBe([
      'listened on eth0 (198.51.100.11) for 3500 ms',
      'VRID 51:',
      '  198.51.100.201 priority 150 v3 every 1000 ms multicast (1 adverts) VIPs 192.0.2.10, 192.0.2.11',
      'test adverts on VRID 255:',
      '  sent 3 to 198.51.100.12',
      '  received 1 from 198.51.100.12 (unicast)',
      'undecodable: bad-ttl 1'
    ].join('\n'))
  })
})
