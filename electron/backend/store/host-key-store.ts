// Pinned SSH host keys (trust on first use, confirmed by the admin).
// A key is only ever added by trust(), which the UI calls after the admin compared the
// fingerprint; a different key for a pinned host:port is refused by the SSH pool, never
// replaced here implicitly. Stored as JSON, mode 0600, written atomically.
import * as path from 'node:path'
import { HostKeyInfoSchema, type HostKeyInfo } from '../../api/model'
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from './atomic-file'

interface HostKeyFile {
  version: 1
  hostKeys: HostKeyInfo[]
}

export type HostKeyCheck =
  | { status: 'trusted'; pinned: HostKeyInfo }
  | { status: 'unknown' }
  | { status: 'changed'; pinned: HostKeyInfo }

/** Host names are case-insensitive (RFC 4343); IPv6 literals too. Ports are part of the identity, as in known_hosts. */
function keyOf(host: string, port: number): string {
  return `${host.trim().toLowerCase()}|${port}`
}

export class HostKeyStore {
  constructor(readonly filePath: string) {}

  private load(): HostKeyInfo[] {
    const text = readPrivateFile(this.filePath)
    if (text === undefined) return []
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      // Refuse rather than treat every host as new: that would invite re-trusting blindly.
      throw new Error(
        `The host-key store ${this.filePath} is not valid JSON (${(e as Error).message}). ` +
          'Repair it from a backup or delete it (every node will then ask for its key to be confirmed again).'
      )
    }
    const list = (parsed as Partial<HostKeyFile>)?.hostKeys
    if (!Array.isArray(list)) {
      throw new Error(`The host-key store ${this.filePath} has no "hostKeys" list. Repair or delete it.`)
    }
    const out: HostKeyInfo[] = []
    for (const item of list) {
      const r = HostKeyInfoSchema.safeParse(item)
      if (r.success) out.push(r.data)
    }
    return out
  }

  private save(list: HostKeyInfo[]): void {
    ensurePrivateDir(path.dirname(this.filePath))
    const doc: HostKeyFile = { version: 1, hostKeys: list }
    writeFileAtomic(this.filePath, JSON.stringify(doc, null, 2) + '\n', 0o600)
  }

  get(host: string, port: number): HostKeyInfo | undefined {
    const k = keyOf(host, port)
    return this.load().find((h) => keyOf(h.host, h.port) === k)
  }

  /** Compare a key offered by a server with the pinned one. */
  check(offered: HostKeyInfo): HostKeyCheck {
    const pinned = this.get(offered.host, offered.port)
    if (!pinned) return { status: 'unknown' }
    if (pinned.fingerprint === offered.fingerprint && pinned.keyType === offered.keyType) {
      return { status: 'trusted', pinned }
    }
    return { status: 'changed', pinned }
  }

  /** Pin a key the admin has confirmed. Replaces an earlier pin for the same host:port (the admin chose to). */
  trust(info: HostKeyInfo): void {
    const parsed = HostKeyInfoSchema.parse(info)
    const entry: HostKeyInfo = {
      host: parsed.host.trim(),
      port: parsed.port,
      keyType: parsed.keyType,
      fingerprint: parsed.fingerprint,
      trustedAt: new Date().toISOString()
    }
    const k = keyOf(entry.host, entry.port)
    const list = this.load().filter((h) => keyOf(h.host, h.port) !== k)
    list.push(entry)
    this.save(list)
  }

  forget(host: string, port: number): void {
    const k = keyOf(host, port)
    const list = this.load()
    const rest = list.filter((h) => keyOf(h.host, h.port) !== k)
    if (rest.length !== list.length) this.save(rest)
  }

  list(): HostKeyInfo[] {
    return this.load()
  }
}
