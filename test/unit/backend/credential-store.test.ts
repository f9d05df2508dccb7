import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CredentialStore, type SecretCodec } from '../../../electron/backend/store/credential-store'
import { safeStorageProtection, type SafeStorageState } from '../../../electron/backend/store/secret-protection'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-cred-'))
})
afterEach(() => {
  vi.restoreAllMocks()
  fs.rmSync(dir, { recursive: true, force: true })
})

/**
 * A real codec (AES-256-GCM with a key held in memory), standing in for Electron's safeStorage;
 * `state` is what safeStorage would report, run through the same safeStorageProtection() the app uses.
 */
function aesCodec(available = true, state: Partial<SafeStorageState> = {}): SecretCodec {
  const key = randomBytes(32)
  return {
    protection: () => safeStorageProtection({ platform: 'darwin', isEncryptionAvailable: available, ...state }),
    encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body])
    },
    decrypt(b) {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12))
      d.setAuthTag(b.subarray(12, 28))
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8')
    }
  }
}

const SECRET = 'S3cret-pässword "with quotes" \n and $(id)'

describe('CredentialStore without a codec (browser/CLI mode)', () => {
  it('saves, loads and deletes; the file is 0600 in a 0700 dir', () => {
    const credDir = path.join(dir, 'credentials')
    const store = new CredentialStore(credDir)
    expect(store.load('conn-1')).toBeUndefined()
    store.save('conn-1', SECRET)
    store.save('conn-2', 'other')
    expect(store.load('conn-1')).toBe(SECRET)
    expect(new CredentialStore(credDir).load('conn-2')).toBe('other')
    expect(store.has('conn-1')).toBe(true)
    expect(fs.statSync(store.filePath).mode & 0o777).toBe(0o600)
    expect(fs.statSync(credDir).mode & 0o777).toBe(0o700)
    store.delete('conn-1')
    expect(store.load('conn-1')).toBeUndefined()
    expect(store.has('conn-1')).toBe(false)
    expect(store.load('conn-2')).toBe('other')
    expect(store.encrypted).toBe(false)
  })

  it('tightens a loosened directory and file', () => {
    const credDir = path.join(dir, 'credentials')
    const store = new CredentialStore(credDir)
    store.save('a', 'x')
    fs.chmodSync(credDir, 0o755)
    fs.chmodSync(store.filePath, 0o644)
    store.save('b', 'y')
    expect(fs.statSync(credDir).mode & 0o777).toBe(0o700)
    expect(fs.statSync(store.filePath).mode & 0o777).toBe(0o600)
  })

  it('rejects ids that could escape or confuse', () => {
    const store = new CredentialStore(dir)
    for (const id of ['', '../x', 'a/b', 'a b', '-x', 'x\n']) expect(() => store.save(id, 's'), id).toThrow(/Invalid credential id/)
  })

  it('never puts a secret in logs, inspection or error messages', () => {
    const logs: string[] = []
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logs.push(a.map(String).join(' ')))
    }
    const store = new CredentialStore(dir)
    store.save('conn-1', SECRET)
    store.load('conn-1')
    expect(inspect(store, { depth: 5 })).not.toContain('S3cret')
    expect(JSON.stringify(store)).not.toContain('S3cret')
    // A damaged file is refused without quoting its content.
    fs.writeFileSync(store.filePath, `{"secrets": "S3cret-broken`, { mode: 0o600 })
    let message = ''
    try {
      store.load('conn-1')
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/credential store .* is damaged/)
    expect(message).not.toContain('S3cret')
    expect(logs.join('\n')).not.toContain('S3cret')
  })
})

describe('CredentialStore with a codec (Electron safeStorage)', () => {
  it('stores only ciphertext and decrypts it back', () => {
    const codec = aesCodec()
    const store = new CredentialStore(dir, codec)
    store.save('conn-1', SECRET)
    const raw = fs.readFileSync(store.filePath, 'utf8')
    expect(raw).not.toContain('S3cret')
    expect(raw).toContain('"scheme":"codec"')
    expect(store.load('conn-1')).toBe(SECRET)
    expect(store.encrypted).toBe(true)
    expect(fs.statSync(store.filePath).mode & 0o777).toBe(0o600)
  })

  it('falls back to the private file when the codec is unavailable, and cannot read codec secrets without it', () => {
    const codec = aesCodec()
    new CredentialStore(dir, codec).save('enc', SECRET)
    const noKeychain = new CredentialStore(dir, aesCodec(false))
    noKeychain.save('plain', 'p')
    expect(noKeychain.load('plain')).toBe('p')
    expect(noKeychain.load('enc')).toBeUndefined() // asked again rather than garbage
    expect(new CredentialStore(dir).load('enc')).toBeUndefined()
    // A different key (another machine's keychain) cannot decrypt either.
    expect(new CredentialStore(dir, aesCodec()).load('enc')).toBeUndefined()
    expect(new CredentialStore(dir, codec).load('enc')).toBe(SECRET)
  })
})

describe('CredentialStore on Linux with safeStorage backend basic_text (issue 9 item 16)', () => {
  it('does not call basic_text encryption: it stores the secret as what it is (0600 file) and says so', () => {
    const store = new CredentialStore(dir, aesCodec(true, { platform: 'linux', linuxBackend: 'basic_text' }))
    expect(store.encrypted).toBe(false)
    expect(store.protection).toMatchObject({ kind: 'file-0600', encrypted: false })
    expect(store.protection.description).not.toMatch(/\bencrypted with\b/)
    if (!store.protection.encrypted) expect(store.protection.reason).toMatch(/basic_text/)
    store.save('conn-1', SECRET)
    expect(fs.readFileSync(store.filePath, 'utf8')).toContain('"scheme":"plain"')
    expect(fs.statSync(store.filePath).mode & 0o777).toBe(0o600)
    expect(store.load('conn-1')).toBe(SECRET)
  })

  it('still reads a secret the codec saved earlier (when a keyring was there), so nothing is lost', () => {
    const key = aesCodec(true, { platform: 'linux', linuxBackend: 'gnome_libsecret' })
    new CredentialStore(dir, key).save('enc', SECRET)
    const sameKeyBasicText: SecretCodec = { ...key, protection: () => aesCodec(true, { platform: 'linux', linuxBackend: 'basic_text' }).protection() }
    expect(new CredentialStore(dir, sameKeyBasicText).load('enc')).toBe(SECRET)
  })
})

describe('safeStorageProtection', () => {
  it('calls only a real OS keychain encryption', () => {
    const p = (s: SafeStorageState) => safeStorageProtection(s)
    expect(p({ platform: 'darwin', isEncryptionAvailable: true })).toMatchObject({ kind: 'os-keychain', encrypted: true, description: expect.stringMatching(/macOS Keychain/) })
    expect(p({ platform: 'win32', isEncryptionAvailable: true })).toMatchObject({ encrypted: true, description: expect.stringMatching(/DPAPI/) })
    for (const b of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'] as const) {
      expect(p({ platform: 'linux', isEncryptionAvailable: true, linuxBackend: b }).encrypted, b).toBe(true)
    }
    for (const b of ['basic_text', 'unknown', undefined] as const) {
      const r = p({ platform: 'linux', isEncryptionAvailable: true, ...(b ? { linuxBackend: b } : {}) })
      expect(r, String(b)).toMatchObject({ kind: 'file-0600', encrypted: false, description: expect.stringMatching(/unencrypted .*0600/) })
    }
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const r = p({ platform, isEncryptionAvailable: false, linuxBackend: 'gnome_libsecret' })
      expect(r, platform).toMatchObject({ kind: 'file-0600', encrypted: false, reason: expect.stringMatching(/no keychain/) })
    }
  })
})
