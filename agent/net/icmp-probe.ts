/**
 * ICMP echo prober for `havip-agent probe`: one echo request every intervalMs through a
 * raw ICMP socket, one result per probe (rtt, or lost after timeoutMs). The manager draws
 * its live reachability graph from these lines; the bench measures failover gaps with it.
 */
import { performance } from 'node:perf_hooks'
import { internetChecksum } from '../vrrp/ipv4'
import { loadRawSocket, ResilientRawSocket } from './raw-socket-loader'

export interface ProbeResult {
  seq: number
  /** Wall-clock ms since the epoch when the request was sent. */
  sentAt: number
  rttMs?: number
  lost?: true
}

export interface ProbeOptions {
  target: string
  intervalMs: number
  /** Stop after this many probes; undefined = until stopped. */
  count?: number
  /** A probe without reply after this long is reported lost (default max(1000, 2*interval)). */
  timeoutMs?: number
  onResult: (r: ProbeResult) => void
  signal?: AbortSignal
}

const ICMP_ECHO_REQUEST = 8
const ICMP_ECHO_REPLY = 0

export function encodeEchoRequest(id: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length)
  b[0] = ICMP_ECHO_REQUEST
  b[1] = 0
  b.writeUInt16BE(id, 4)
  b.writeUInt16BE(seq & 0xffff, 6)
  payload.copy(b, 8)
  b.writeUInt16BE(internetChecksum(b), 2)
  return b
}

/** Parses an IPv4 datagram (raw ICMP sockets include the IP header) into an echo reply, if it is one. */
export function parseEchoReply(datagram: Buffer): { src: string; id: number; seq: number } | undefined {
  if (datagram.length < 20) return undefined
  const ihl = (datagram[0]! & 0x0f) * 4
  if (datagram.length < ihl + 8) return undefined
  if (datagram[ihl] !== ICMP_ECHO_REPLY) return undefined
  const src = `${datagram[12]}.${datagram[13]}.${datagram[14]}.${datagram[15]}`
  return { src, id: datagram.readUInt16BE(ihl + 4), seq: datagram.readUInt16BE(ihl + 6) }
}

export async function runProbe(o: ProbeOptions): Promise<void> {
  const raw = await loadRawSocket()
  const timeoutMs = o.timeoutMs ?? Math.max(1000, 2 * o.intervalMs)
  // Distinguish our replies from other pingers' on the same host.
  const id = (process.pid ^ Math.floor(Math.random() * 0xffff)) & 0xffff
  const pending = new Map<number, { seq: number; sentAt: number; sentPerf: number }>()
  let sent = 0
  let stopped = false
  const onMessage = (buf: Buffer): void => {
    const r = parseEchoReply(buf)
    if (!r || r.id !== id || r.src !== o.target) return
    const p = pending.get(r.seq)
    if (!p) return
    pending.delete(r.seq)
    o.onResult({ seq: p.seq, sentAt: p.sentAt, rttMs: Math.round((performance.now() - p.sentPerf) * 1000) / 1000 })
  }
  // ICMP errors (host unreachable while a VIP moves) would otherwise close a plain raw socket.
  const sock = new ResilientRawSocket(raw, { protocol: raw.Protocol.ICMP, configure: () => {}, onMessage, onReopen: () => {} })
  try {
    sock.open()
  } catch (err) {
    throw new Error(`cannot open a raw ICMP socket (${(err as Error).message}); probing needs root or CAP_NET_RAW`)
  }

  const sweep = (now: number): void => {
    for (const [wire, p] of pending) {
      if (now - p.sentPerf >= timeoutMs) {
        pending.delete(wire)
        o.onResult({ seq: p.seq, sentAt: p.sentAt, lost: true })
      }
    }
  }

  const start = performance.now()
  const payload = Buffer.from('havip-probe.....')
  try {
    while (!stopped && !o.signal?.aborted && (o.count === undefined || sent < o.count)) {
      const seq = sent++
      const sentPerf = performance.now()
      pending.set(seq & 0xffff, { seq, sentAt: Date.now(), sentPerf })
      // A send error (e.g. no route while an address moves) is a lost probe, not a crash.
      await sock.send(encodeEchoRequest(id, seq, payload), o.target, Math.max(50, o.intervalMs)).catch(() => undefined)
      sweep(performance.now())
      // Absolute schedule so probes stay intervalMs apart on average despite timer jitter.
      const wait = start + sent * o.intervalMs - performance.now()
      if (wait > 0) await sleep(wait, o.signal)
    }
    // Let the last probes be answered or time out.
    const deadline = performance.now() + timeoutMs
    while (pending.size > 0 && performance.now() < deadline && !o.signal?.aborted) {
      await sleep(Math.min(20, o.intervalMs), o.signal)
      sweep(performance.now())
    }
    sweep(Number.POSITIVE_INFINITY)
  } finally {
    stopped = true
    sock.close()
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
