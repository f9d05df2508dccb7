/**
 * Loads @neuralegion/raw-socket lazily, so that commands which never touch raw sockets
 * (check-config, ctl, version) run even where its native binding is missing, and so that a
 * missing binding becomes an error a person can act on instead of a stack trace at startup.
 *
 * In the bundle, raw-socket's own `require('node-gyp-build')(__dirname)` resolves against the
 * bundle's directory, where scripts/build-agent.mjs copies the `prebuilds/` tree.
 */
import type * as RawSocketModule from '@neuralegion/raw-socket'

export type RawSocketLib = typeof RawSocketModule
export type RawSocket = RawSocketModule.Socket

let cached: RawSocketLib | undefined

export async function loadRawSocket(): Promise<RawSocketLib> {
  if (cached) return cached
  try {
    const mod = (await import('@neuralegion/raw-socket')) as RawSocketLib & { default?: RawSocketLib }
    cached = (mod.default ?? mod) as RawSocketLib
    return cached
  } catch (err) {
    throw new Error(
      `cannot load the raw-socket native module (${(err as Error).message.split('\n')[0]}); ` +
        `check that the prebuilds/ directory sits next to havip-agent.cjs for ${process.platform}-${process.arch}, ` +
        `or set "transport": "udp" in the agent config (not interoperable with keepalived)`
    )
  }
}

/** Socket option numbers raw-socket does not export, per OS: raw-socket-options.ts. */
export { LINUX } from './raw-socket-options'

/** setsockopt with a struct/bytes value (raw-socket accepts a Buffer + length; its typings say number). */
export function setOptionBuffer(sock: RawSocket, level: number, option: number, value: Buffer): void {
  const set = sock.setOption as unknown as (level: number, option: number, value: Buffer, length: number) => void
  try {
    set.call(sock, level, option, value, value.length)
  } catch (err) {
    throw new Error(`setsockopt(level ${level}, option ${option}) failed: ${(err as Error).message}`)
  }
}

/**
 * A raw socket that survives socket errors. An ICMP error about one of our packets (e.g.
 * "protocol unreachable" from a peer whose agent is stopped, RFC 792) sets a pending error on
 * every matching raw socket; epoll then reports POLLERR, libuv stops polling and raw-socket
 * closes the socket. A VRRP speaker must not go deaf because a peer went away, so we open a
 * fresh socket (configured the same way) and carry on, counting the reopen.
 */
export class ResilientRawSocket {
  private sock?: RawSocket
  private closed = false
  private retryTimer?: NodeJS.Timeout
  reopens = 0

  constructor(
    private readonly lib: RawSocketLib,
    private readonly o: {
      protocol: number
      bufferSize?: number
      configure: (s: RawSocket) => void
      onMessage: (buf: Buffer, source: string) => void
      onReopen: (err: Error) => void
    }
  ) {}

  /** Opens the socket; throws (with the OS reason) if it cannot be created or configured. */
  open(): void {
    const s = this.lib.createSocket({ protocol: this.o.protocol, addressFamily: this.lib.AddressFamily.IPv4, bufferSize: this.o.bufferSize ?? 4096 })
    try {
      this.o.configure(s)
    } catch (err) {
      s.close()
      throw err
    }
    s.on('message', (buf: Buffer, source: string) => this.o.onMessage(buf, source))
    s.on('error', (err: Error) => this.onError(s, err))
    this.sock = s
  }

  private onError(s: RawSocket, err: Error): void {
    if (this.closed || s !== this.sock) return
    try {
      s.close()
    } catch {
      // raw-socket may have closed it already
    }
    this.sock = undefined
    this.reopens++
    this.o.onReopen(err)
    this.reopen()
  }

  private reopen(): void {
    if (this.closed) return
    try {
      this.open()
    } catch (err) {
      this.o.onReopen(err as Error)
      this.retryTimer = setTimeout(() => this.reopen(), 1000)
    }
  }

  /** Sends one datagram; rejects on error, on a closed socket, or if the send never completes within timeoutMs. */
  send(buf: Buffer, address: string, timeoutMs = 500): Promise<number> {
    const s = this.sock
    if (!s) return Promise.reject(new Error('socket is being reopened after an error'))
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const err = new Error(`send to ${address} did not complete within ${timeoutMs} ms`)
        reject(err)
        // A send that never completes means the socket is wedged: seen after an unreachable peer
        // (ARP failing for a unicast peer) left an error pending, when raw-socket stops getting
        // "writable" and its send queue never moves again. Reopen it as for a reported error, or
        // the agent goes mute for good and a healed partition never resolves.
        this.onError(s, err)
      }, timeoutMs)
      s.send(buf, 0, buf.length, address, (err: Error | null, bytes: number) => {
        clearTimeout(t)
        if (err) reject(err)
        else resolve(bytes)
      })
    })
  }

  close(): void {
    this.closed = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const s = this.sock
    this.sock = undefined
    if (s) s.close()
  }
}
