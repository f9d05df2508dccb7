/**
 * The client-ping outage the console lab test and the Move bench report: `ping -D` lines read,
 * and the outage from the first unanswered probe to the first reply after the last one lost.
 */
import { describe, expect, it } from 'vitest'
import { outageOf, parsePingLine, type PingReply } from '../../lab/ping-outage'

/** Replies every 10 ms from t0 for probes 1..n except `missing`. */
function replies(n: number, missing: number[], t0 = 1_700_000_000_000): PingReply[] {
  const out: PingReply[] = []
  for (let s = 1; s <= n; s++) if (!missing.includes(s)) out.push({ seq: s, at: t0 + (s - 1) * 10 + 0.1 })
  return out
}

describe('ping outage', () => {
  it('reads the receive time and sequence of a reply, and nothing else', () => {
    expect(parsePingLine('[1764633600.123456] 64 bytes from 198.51.100.227: icmp_seq=42 ttl=64 time=0.061 ms')).toEqual({ seq: 42, at: 1764633600123.456 })
    expect(parsePingLine('PING 198.51.100.227 (198.51.100.227) 56(84) bytes of data.')).toBeNull()
    expect(parsePingLine('[1764633600.2] 64 bytes from 198.51.100.227: icmp_seq=42 ttl=64 time=0.06 ms (DUP!)')).toBeNull()
    expect(parsePingLine('100 packets transmitted, 97 received, 3% packet loss, time 990ms')).toBeNull()
  })

  it('is 0 when every probe was answered', () => {
    expect(outageOf(replies(100, []), 100, 10)).toEqual({ sent: 100, lost: 0, outageMs: 0 })
  })

  it('spans from the first lost probe to the first reply after the last one lost', () => {
    // Probes 40..44 lost: 40 went out at +390 ms, 45 came back at +440.1 ms.
    expect(outageOf(replies(100, [40, 41, 42, 43, 44]), 100, 10)).toEqual({ sent: 100, lost: 5, outageMs: 50 })
    // Two gaps: measured from the first loss to the recovery after the second.
    expect(outageOf(replies(100, [40, 50, 51]), 100, 10)).toEqual({ sent: 100, lost: 3, outageMs: 120 })
  })

  it('counts the last probes sent after the last reply as in flight, but an outage that never ended as null', () => {
    expect(outageOf(replies(98, []), 100, 10)).toEqual({ sent: 98, lost: 0, outageMs: 0 })
    expect(outageOf(replies(50, []), 100, 10)).toEqual({ sent: 100, lost: 50, outageMs: null })
  })
})
