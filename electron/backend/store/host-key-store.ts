// Pinned SSH host keys (trust on first use, confirmed by the admin).
// A key is only ever added by trust(), which the UI calls after the admin compared the
// fingerprint; a different key for a pinned host:port is refused by the SSH pool, and
// trust() replaces a pin only when the call says so and names the pin it replaces (issue 9
// item 14), so a stale dialog or a careless caller cannot swap a pin unseen.
// Stored as JSON, mode 0600, written atomically.
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

/** How trust() may treat an existing, different pin for the same host:port. */
export interface TrustOptions {
  /** Replace a different pinned key. Without it, trust() refuses (HostKeyPinConflict). */
  replace?: boolean
  /** With replace: the fingerprint the caller saw pinned; must equal the pin now. */
  previousFingerprint?: string
}

/** trust() refused to replace a pin: `pinned` is the key pinned now. */
export class HostKeyPinConflict extends Error {
  override readonly name = 'HostKeyPinConflict'
  constructor(
    readonly reason: 'not-confirmed' | 'stale',
    readonly pinned: HostKeyInfo,
    readonly offered: HostKeyInfo
  ) {
    super(
      reason === 'not-confirmed'
        ? `${offered.host}:${offered.port} already has a different pinned host key (${pinned.keyType} ${pinned.fingerprint}); ` +
            `it was not replaced by ${offered.keyType} ${offered.fingerprint}.`
        : `The pinned host key of ${offered.host}:${offered.port} is ${pinned.fingerprint}, not the one the replacement named; ` +
            'nothing was replaced.'
    )
  }
}

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

  /**
   * Pin a key the admin has confirmed. Pinning the key already pinned is a no-op apart from
   * the time stamp. A different pinned key is replaced only with `replace: true` and
   * `previousFingerprint` equal to the pin now; otherwise HostKeyPinConflict, and the pin stays.
   */
  trust(info: HostKeyInfo, opts: TrustOptions = {}): void {
    const parsed = HostKeyInfoSchema.parse(info)
    const pinned = this.get(parsed.host, parsed.port)
    if (pinned && (pinned.fingerprint !== parsed.fingerprint || pinned.keyType !== parsed.keyType)) {
      if (!opts.replace) throw new HostKeyPinConflict('not-confirmed', pinned, parsed)
      if (opts.previousFingerprint !== pinned.fingerprint) throw new HostKeyPinConflict('stale', pinned, parsed)
    }
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
