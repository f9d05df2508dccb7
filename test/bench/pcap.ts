/**
 * Reads a classic pcap file (what `dumpcap -P` writes) of an Ethernet link and names the frames
 * the failover bench cares about: VRRP adverts, ARP, ICMP echo. Parsing it here rather than with
 * `tshark -r` keeps a measure from paying a second of tshark start-up on a busy machine.
 */

export interface Frame {
  /** Capture time, ms since the epoch (µs or ns resolution as the file has it). */
  timeMs: number
  data: Buffer
}

export type Decoded =
  | { kind: 'vrrp'; src: string; dst: string; vrid: number; priority: number }
  | { kind: 'arp'; op: number; senderMac: string; senderIp: string; targetIp: string }
  | { kind: 'icmp'; type: number; src: string; dst: string; srcMac: string }
  | { kind: 'other' }

const LINKTYPE_ETHERNET = 1

export function parsePcap(buf: Buffer): Frame[] {
  if (buf.length < 24) throw new Error(`pcap: file too short (${buf.length} bytes) for a pcap header`)
  const magicLe = buf.readUInt32LE(0)
  let le: boolean
  let nano: boolean
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) [le, nano] = [true, magicLe === 0xa1b23c4d]
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) [le, nano] = [false, buf.readUInt32BE(0) === 0xa1b23c4d]
  else throw new Error(`pcap: unknown magic 0x${magicLe.toString(16)} (a pcapng file? capture with dumpcap -P)`)
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o))
  const linktype = u32(20)
  if (linktype !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${linktype}, expected Ethernet (1)`)
  const frames: Frame[] = []
  let o = 24
  // A capture stopped mid-write may end in a partial record: keep the whole ones.
  while (o + 16 <= buf.length) {
    const sec = u32(o)
    const frac = u32(o + 4)
    const incl = u32(o + 8)
    if (o + 16 + incl > buf.length) break
    frames.push({ timeMs: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), data: buf.subarray(o + 16, o + 16 + incl) })
    o += 16 + incl
  }
  return frames
}

const ipv4 = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`
const mac = (b: Buffer, o: number): string => [...b.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':')

export function decodeFrame(d: Buffer): Decoded {
  if (d.length < 14) return { kind: 'other' }
  const ethertype = d.readUInt16BE(12)
  if (ethertype === 0x0806 && d.length >= 14 + 28) {
    return { kind: 'arp', op: d.readUInt16BE(20), senderMac: mac(d, 22), senderIp: ipv4(d, 28), targetIp: ipv4(d, 38) }
  }
  if (ethertype !== 0x0800 || d.length < 34) return { kind: 'other' }
  const ihl = (d[14]! & 0x0f) * 4
  const proto = d[23]!
  const src = ipv4(d, 26)
  const dst = ipv4(d, 30)
  const l4 = 14 + ihl
  if (proto === 112 && d.length >= l4 + 4) return { kind: 'vrrp', src, dst, vrid: d[l4 + 1]!, priority: d[l4 + 2]! }
  if (proto === 1 && d.length >= l4 + 1) return { kind: 'icmp', type: d[l4]!, src, dst, srcMac: mac(d, 6) }
  return { kind: 'other' }
}

export interface TakeoverTimes {
  /** Last advert from the old master before the new master's first reply. */
  lastAdvertMs: number
  /** First gratuitous ARP (sender = target = VIP) from the new master. */
  firstGarpMs?: number
  /** First echo reply from the VIP sent by the new master. */
  firstReplyMs: number
}

/**
 * On a capture taken at the new master's interface: the new master's first GARP and first echo
 * reply from the VIP, and the old master's last advert before that reply. The new master is told
 * apart by its MAC, so a reply of the old master flooded across the bridge is never counted.
 */
export function takeoverTimes(frames: Frame[], o: { oldMaster: string; newMasterMac: string; vip: string }): TakeoverTimes | undefined {
  const decoded = frames.map((f) => ({ t: f.timeMs, p: decodeFrame(f.data) })).sort((a, b) => a.t - b.t)
  const mine = o.newMasterMac.toLowerCase()
  const reply = decoded.find(({ p }) => p.kind === 'icmp' && p.type === 0 && p.src === o.vip && p.srcMac === mine)
  if (!reply) return undefined
  const garp = decoded.find(({ p }) => p.kind === 'arp' && p.senderIp === o.vip && p.targetIp === o.vip && p.senderMac === mine)
  const adverts = decoded.filter(({ t, p }) => p.kind === 'vrrp' && p.src === o.oldMaster && p.priority > 0 && t <= reply.t)
  const last = adverts[adverts.length - 1]
  if (!last) return undefined
  return { lastAdvertMs: last.t, firstGarpMs: garp?.t, firstReplyMs: reply.t }
}
