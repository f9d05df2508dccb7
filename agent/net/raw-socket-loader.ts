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

/** Linux socket option numbers raw-socket does not export (from <linux/in.h>, <asm-generic/socket.h>). */
export const LINUX = {
  SOL_SOCKET: 1,
  SO_BINDTODEVICE: 25,
  IPPROTO_IP: 0,
  IP_HDRINCL: 3,
  IP_MULTICAST_IF: 32,
  IP_MULTICAST_TTL: 33,
  IP_MULTICAST_LOOP: 34,
  IP_ADD_MEMBERSHIP: 35,
  IP_DROP_MEMBERSHIP: 36
} as const

/** Sends one buffer; resolves with the byte count or rejects with the socket error. */
export function rawSend(sock: RawSocket, buf: Buffer, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    sock.send(buf, 0, buf.length, address, (err: Error | null, bytes: number) => {
      if (err) reject(err)
      else resolve(bytes)
    })
  })
}

/** setsockopt with a struct/bytes value (raw-socket accepts a Buffer + length; its typings say number). */
export function setOptionBuffer(sock: RawSocket, level: number, option: number, value: Buffer): void {
  const set = sock.setOption as unknown as (level: number, option: number, value: Buffer, length: number) => void
  try {
    set.call(sock, level, option, value, value.length)
  } catch (err) {
    throw new Error(`setsockopt(level ${level}, option ${option}) failed: ${(err as Error).message}`)
  }
}
