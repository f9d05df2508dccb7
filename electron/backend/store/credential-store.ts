// Secrets at rest (SSH passwords, key passphrases, sudo passwords).
// In Electron a SecretCodec backed by safeStorage encrypts them with the OS keychain when
// there is one; otherwise (no keychain, Linux's 'basic_text' fallback, browser/CLI mode) they
// sit unencrypted in one JSON file readable only by its owner (0600, dir 0700), as OpenSSH
// keeps private keys, and `protection` says so for the UI (secret-protection.ts).
// Secrets are never logged and never part of an error message.
import * as path from 'node:path'
import type { SecretStorage } from '../../api/contract'
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from './atomic-file'
import { FILE_ONLY } from './secret-protection'

export interface SecretCodec {
  encrypt(plain: string): Buffer
  decrypt(b: Buffer): string
  /** What would protect a secret saved now; encrypt() is used only when this says encrypted. */
  protection(): SecretStorage
}

type StoredSecret = { scheme: 'plain'; data: string } | { scheme: 'codec'; data: string /* base64 */ }

interface SecretsFile {
  version: 1
  secrets: Record<string, StoredSecret>
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,199}$/

function checkId(id: string): void {
  if (!ID_RE.test(id)) {
    throw new Error(
      `Invalid credential id ${JSON.stringify(id.slice(0, 40))}: use 1-200 letters, digits, "_", ".", ":", "@", "|" or "-".`
    )
  }
}

export class CredentialStore {
  readonly filePath: string

  constructor(
    readonly dirPath: string,
    private readonly codec?: SecretCodec
  ) {
    this.filePath = path.join(dirPath, 'secrets.json')
  }

  /** What protects a secret saved now: the OS keychain, or only the file's mode (0600). */
  get protection(): SecretStorage {
    return this.codec?.protection() ?? FILE_ONLY
  }

  /** True when secrets are encrypted by the codec (safeStorage), false when protected by file mode only. */
  get encrypted(): boolean {
    return this.protection.encrypted
  }

  private readDoc(): SecretsFile {
    const text = readPrivateFile(this.filePath)
    if (text === undefined) return { version: 1, secrets: {} }
    try {
      const doc = JSON.parse(text) as Partial<SecretsFile>
      if (doc && typeof doc.secrets === 'object' && doc.secrets !== null) {
        return { version: 1, secrets: { ...doc.secrets } }
      }
    } catch {
      // fall through: say which file, never echo its content (it holds secrets)
    }
    throw new Error(
      `The credential store ${this.filePath} is damaged. Delete it; saved passwords will be asked for again.`
    )
  }

  private write(doc: SecretsFile): void {
    ensurePrivateDir(this.dirPath)
    writeFileAtomic(this.filePath, JSON.stringify(doc) + '\n', 0o600)
  }

  save(id: string, secret: string): void {
    checkId(id)
    const doc = this.readDoc()
    doc.secrets[id] = this.encrypted
      ? { scheme: 'codec', data: this.codec!.encrypt(secret).toString('base64') }
      : { scheme: 'plain', data: secret }
    this.write(doc)
  }

  /**
   * The secret, or undefined if none is stored — also when it was encrypted by a codec that
   * cannot decrypt it now (e.g. saved by the desktop app, read in browser mode): the caller
   * then simply asks the admin again. A secret saved while safeStorage encrypted is still read
   * when it no longer counts as encryption (basic_text): the codec can undo it.
   */
  load(id: string): string | undefined {
    checkId(id)
    const entry = this.readDoc().secrets[id]
    if (!entry) return undefined
    if (entry.scheme === 'plain') return entry.data
    if (!this.codec) return undefined
    try {
      return this.codec!.decrypt(Buffer.from(entry.data, 'base64'))
    } catch {
      return undefined
    }
  }

  delete(id: string): void {
    checkId(id)
    const doc = this.readDoc()
    if (id in doc.secrets) {
      delete doc.secrets[id]
      this.write(doc)
    }
  }

  has(id: string): boolean {
    checkId(id)
    return id in this.readDoc().secrets
  }

  /** Keep secrets out of console.log / util.inspect of the store. */
  toJSON(): object {
    return { dirPath: this.dirPath, encrypted: this.encrypted }
  }
}
