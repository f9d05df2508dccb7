// Probes a VIP from this computer by TCP connect to a port the admin chose: the VIP's owner
// answers with SYN-ACK (a listener) or RST (none), both proof the address is reachable; a
// timeout or "host unreachable" (no ARP answer while the VIP moves) is a lost probe. ICMP
// from an unprivileged desktop is not offered: Node.js has no ICMP socket, and the system
// ping allows a non-root user no interval below 200 ms.
import * as net from 'node:net'
import { performance } from 'node:perf_hooks'

export interface TcpProbeOptions {
  target: string
  port: number
  intervalMs: number
  timeoutMs: number
  /** One call per probe: its sequence number, send time (ms since the epoch), rtt or null (lost). */
  onResult(seq: number, sentAt: number, rttMs: number | null): void
}

/** Errors that mean "the address answered", though not with a listener. */
const ANSWERED = new Set(['ECONNREFUSED'])

export function startTcpProbe(o: TcpProbeOptions): { stop(): void } {
  let stopped = false
  let seq = 0
  const sockets = new Set<net.Socket>()
  const start = performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined

  const probe = (): void => {
    const mySeq = seq++
    const sentAt = Date.now()
    const t0 = performance.now()
    let done = false
    const sock = net.connect({ host: o.target, port: o.port })
    sockets.add(sock)
    const finish = (answered: boolean): void => {
      if (done) return
      done = true
      sockets.delete(sock)
      sock.destroy()
      if (!stopped) o.onResult(mySeq, sentAt, answered ? Math.round((performance.now() - t0) * 1000) / 1000 : null)
    }
    sock.setTimeout(o.timeoutMs, () => finish(false))
    sock.once('connect', () => finish(true))
    sock.once('error', (e: NodeJS.ErrnoException) => finish(ANSWERED.has(e.code ?? '')))
  }

  const tick = (): void => {
    if (stopped) return
    probe()
    // Absolute schedule: probes stay intervalMs apart on average whatever the timer jitter.
    const wait = start + seq * o.intervalMs - performance.now()
    timer = setTimeout(tick, Math.max(0, wait))
  }
  tick()

  return {
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      for (const s of sockets) s.destroy()
      sockets.clear()
    }
  }
}
