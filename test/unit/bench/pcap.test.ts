/**
 * The bench's pcap reader and its takeover timing: frames built here byte by byte, written as
 * dumpcap writes them (classic pcap, µs or ns), read back, named, and timed: the new master's
 * first GARP and first reply, the old master's last advert before that reply.
 */
import { describe, expect, it } from 'vitest'
import { garpFrame } from '../../../agent/os/arp-frame'
import { encodeAdvert, encodeIpv4 } from '../../../agent/vrrp/packet'
import { decodeFrame, parsePcap, takeoverTimes } from '../../bench/pcap'

const OLD = '198.51.100.11'
const NEW = '198.51.100.12'
const VIP = '198.51.100.216'
const MAC_OLD = '02:00:00:00:00:11'
const MAC_NEW = '02:00:00:00:00:12'
const MAC_CLIENT = '02:00:00:00:01:00'

const hex = (mac: string): Buffer => Buffer.from(mac.split(':').map((x) => parseInt(x, 16)))
function eth(dst: string, src: string, type: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(14)
  hex(dst).copy(h, 0)
  hex(src).copy(h, 6)
  h.writeUInt16BE(type, 12)
  return Buffer.concat([h, payload])
}
function ipv4(src: string, dst: string, proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20)
  h[0] = 0x45
  h.writeUInt16BE(20 + payload.length, 2)
  h[8] = 64
  h[9] = proto
  src.split('.').forEach((b, i) => (h[12 + i] = Number(b)))
  dst.split('.').forEach((b, i) => (h[16 + i] = Number(b)))
  return Buffer.concat([h, payload])
}
const advert = (priority: number): Buffer =>
  eth(MAC_NEW, MAC_OLD, 0x0800, encodeIpv4({ src: OLD, dst: NEW, ttl: 255, protocol: 112, payload: encodeAdvert({ version: 3, vrid: 50, priority, advertInterval: 10, addresses: [VIP] }, { src: OLD, dst: NEW }) }))
const echo = (type: 0 | 8, src: string, dst: string, srcMac: string): Buffer =>
  eth(MAC_CLIENT, srcMac, 0x0800, ipv4(src, dst, 1, Buffer.from([type, 0, 0, 0, 0, 1, 0, 1])))

function pcap(frames: { t: number; d: Buffer }[], o: { nano?: boolean; bigEndian?: boolean } = {}): Buffer {
  const w32 = (b: Buffer, v: number, off: number): void => void (o.bigEndian ? b.writeUInt32BE(v, off) : b.writeUInt32LE(v, off))
  const header = Buffer.alloc(24)
  w32(header, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0)
  w32(header, 65535, 16)
  w32(header, 1, 20)
  const recs = frames.map(({ t, d }) => {
    const r = Buffer.alloc(16)
    w32(r, Math.floor(t / 1000), 0)
    w32(r, Math.round((t % 1000) * (o.nano ? 1e6 : 1e3)), 4)
    w32(r, d.length, 8)
    w32(r, d.length, 12)
    return Buffer.concat([r, d])
  })
  return Buffer.concat([header, ...recs])
}

const T0 = 1_764_000_000_000
const trace = [
  { t: T0, d: advert(150) },
  { t: T0 + 5, d: echo(0, VIP, '198.51.100.100', MAC_OLD) }, // the old master's reply, flooded to us
  { t: T0 + 100.25, d: advert(150) }, // the last advert heard
  { t: T0 + 400.5, d: advert(0) }, // a priority-0 advert is not "heard from a master"
  { t: T0 + 461.75, d: garpFrame(MAC_NEW, VIP) },
  { t: T0 + 462, d: garpFrame(MAC_NEW, VIP) },
  { t: T0 + 466.125, d: echo(8, '198.51.100.100', VIP, MAC_CLIENT) },
  { t: T0 + 466.5, d: echo(0, VIP, '198.51.100.100', MAC_NEW) },
  { t: T0 + 476.5, d: echo(0, VIP, '198.51.100.100', MAC_NEW) }
]

describe('bench pcap', () => {
  it('reads µs and ns, little- and big-endian files alike, and drops a record cut short', () => {
    for (const o of [{}, { nano: true }, { bigEndian: true }]) {
      const file = pcap(trace, o)
      const frames = parsePcap(Buffer.concat([file, Buffer.alloc(10)]))
      expect(frames.length).toBe(trace.length)
      frames.forEach((f, i) => expect(f.timeMs).toBeCloseTo(trace[i]!.t, 3))
      expect(frames[4]!.data.equals(trace[4]!.d)).toBe(true)
    }
    expect(() => parsePcap(Buffer.from('0a0d0d0a000000000000000000000000000000000000000000', 'hex'))).toThrow(/pcapng/)
  })

  it('names adverts, gratuitous ARP and echo', () => {
    expect(decodeFrame(advert(150))).toEqual({ kind: 'vrrp', src: OLD, dst: NEW, vrid: 50, priority: 150 })
    expect(decodeFrame(garpFrame(MAC_NEW, VIP))).toEqual({ kind: 'arp', op: 1, senderMac: MAC_NEW, senderIp: VIP, targetIp: VIP })
    expect(decodeFrame(echo(0, VIP, '198.51.100.100', MAC_NEW))).toEqual({ kind: 'icmp', type: 0, src: VIP, dst: '198.51.100.100', srcMac: MAC_NEW })
    expect(decodeFrame(Buffer.alloc(10))).toEqual({ kind: 'other' })
  })

  it('times the takeover from the last advert heard to the new master\'s first GARP and reply', () => {
    const t = takeoverTimes(parsePcap(pcap(trace)), { oldMaster: OLD, newMasterMac: MAC_NEW, vip: VIP })!
    expect(t.lastAdvertMs).toBeCloseTo(T0 + 100.25, 3)
    expect(t.firstGarpMs! - t.lastAdvertMs).toBeCloseTo(361.5, 3)
    expect(t.firstReplyMs - t.lastAdvertMs).toBeCloseTo(366.25, 3)
    // No reply from the new master yet: no times.
    expect(takeoverTimes(parsePcap(pcap(trace.slice(0, 7))), { oldMaster: OLD, newMasterMac: MAC_NEW, vip: VIP })).toBeUndefined()
  })
})
