// The real backend facade through dispatch(), with a real data directory: everything that
// needs no SSH peer (the SSH paths are covered against the lab in test/integration/web).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../../electron/api/dispatch'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { SshError } from '../../../electron/backend/ssh/errors'
import type { SecretCodec } from '../../../electron/backend/store/credential-store'
import { FILE_ONLY, safeStorageProtection, type SafeStorageState } from '../../../electron/backend/store/secret-protection'

let dir: string
let backend: Backend

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-backend-'))
  backend = createBackend({ dataDir: path.join(dir, 'data'), mode: 'browser' })
})

afterEach(async () => {
  await backend.dispose()
  fs.rmSync(dir, { recursive: true, force: true })
})

const key = { host: '198.51.100.11', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK' }

describe('backend facade', () => {
  it('app.info reports the mode, the package version and that browser mode stores secrets unencrypted (0600)', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string }
    const r = await dispatch(backend, 'app.info', {})
    expect(r).toEqual({ ok: true, value: { version: pkg.version, mode: 'browser', secretStorage: FILE_ONLY } })
    expect(FILE_ONLY).toMatchObject({ kind: 'file-0600', encrypted: false })
  })

  it('app.info in the desktop app reports encryption only for a real keychain, never for basic_text', async () => {
    const codec = (linuxBackend: SafeStorageState['linuxBackend']): SecretCodec => ({
      protection: () => safeStorageProtection({ platform: 'linux', isEncryptionAvailable: true, linuxBackend }),
      encrypt: (s) => Buffer.from(s),
      decrypt: (b) => b.toString()
    })
    for (const [linuxBackend, encrypted] of [['basic_text', false], ['gnome_libsecret', true]] as const) {
      const b = createBackend({ dataDir: path.join(dir, `data-${linuxBackend}`), mode: 'electron', secretCodec: codec(linuxBackend) })
      try {
        const r = await dispatch(b, 'app.info', {})
        const storage = r.ok ? (r.value as { secretStorage: { kind: string; encrypted: boolean; description: string } }).secretStorage : undefined
        expect(storage?.encrypted, linuxBackend).toBe(encrypted)
        expect(storage?.kind, linuxBackend).toBe(encrypted ? 'os-keychain' : 'file-0600')
        expect(/\bencrypted with\b/.test(storage?.description ?? ''), linuxBackend).toBe(encrypted)
      } finally {
        await b.dispose()
      }
    }
  })

  it('starts with no connections and no host keys', async () => {
    expect(await dispatch(backend, 'connections.list', {})).toEqual({ ok: true, value: [] })
    expect(await dispatch(backend, 'hostKeys.list', {})).toEqual({ ok: true, value: [] })
  })

  it('hostKeys.trust pins a key in a 0600 file, list shows it, forget removes it; a log event is emitted', async () => {
    const logs: string[] = []
    const off = backend.events.on('backend.log', (e) => logs.push(e.message))
    expect(await dispatch(backend, 'hostKeys.trust', key)).toEqual({ ok: true, value: {} })
    const listed = await dispatch(backend, 'hostKeys.list', {})
    expect(listed.ok && (listed.value as Array<typeof key>)[0]).toMatchObject(key)
    const file = path.join(dir, 'data', 'host-keys.json')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(logs.some((l) => l.includes(key.fingerprint))).toBe(true)

    expect(await dispatch(backend, 'hostKeys.forget', { host: key.host, port: 22 })).toEqual({ ok: true, value: {} })
    expect(await dispatch(backend, 'hostKeys.list', {})).toEqual({ ok: true, value: [] })
    off()
  })

  it('hostKeys.trust refuses to replace a different pin unless the call says replace with the pinned fingerprint (issue 9 item 14)', async () => {
    const logs: Array<{ level: string; message: string }> = []
    const off = backend.events.on('backend.log', (e) => logs.push(e))
    const other = { ...key, fingerprint: 'SHA256:ZZZZyyyyXXXXwwwwVVVVuuuuTTTTssssRRRRqqqqPPP' }
    const pinned = async () => {
      const r = await dispatch(backend, 'hostKeys.list', {})
      return r.ok ? (r.value as Array<typeof key>).map((k) => k.fingerprint) : []
    }
    expect((await dispatch(backend, 'hostKeys.trust', key)).ok).toBe(true)

    const plain = await dispatch(backend, 'hostKeys.trust', other)
    expect(plain.ok).toBe(false)
    if (!plain.ok) {
      expect(plain.error.kind).toBe('host-key-changed')
      expect(plain.error.message).toContain(key.fingerprint)
      expect(plain.error.message).toContain(other.fingerprint)
      expect(plain.error.node).toBe(key.host)
      expect(plain.error.hint).toMatch(/confirm the replacement/)
    }
    expect(await pinned()).toEqual([key.fingerprint])

    const stale = await dispatch(backend, 'hostKeys.trust', { ...other, replace: true, previousFingerprint: other.fingerprint })
    expect(!stale.ok && stale.error.kind).toBe('host-key-changed')
    expect(!stale.ok && stale.error.hint).toMatch(/changed since the dialog/)
    expect(await pinned()).toEqual([key.fingerprint])

    const noOld = await dispatch(backend, 'hostKeys.trust', { ...other, replace: true })
    expect(!noOld.ok && noOld.error.kind).toBe('invalid-input')
    expect(!noOld.ok && noOld.error.field).toBe('previousFingerprint')

    const replaced = await dispatch(backend, 'hostKeys.trust', { ...other, replace: true, previousFingerprint: key.fingerprint })
    expect(replaced).toEqual({ ok: true, value: {} })
    expect(await pinned()).toEqual([other.fingerprint])
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(new RegExp(`Replaced the pinned host key .*${key.fingerprint}.*${other.fingerprint}`)) })
    )
    off()
  })

  it('a saved connection that no longer reads is moved to connections.json.rejected and reported as a backend.log warning (issue 9 item 15)', async () => {
    const data = path.join(dir, 'data')
    fs.mkdirSync(data, { recursive: true, mode: 0o700 })
    const odd = { id: 'c-0123456789ab', label: 'odd', host: 'not a host!', port: 22, username: 'root', auth: { kind: 'agent' } }
    fs.writeFileSync(path.join(data, 'connections.json'), JSON.stringify({ version: 1, connections: [odd] }), { mode: 0o600 })
    const logs: Array<{ level: string; message: string }> = []
    const off = backend.events.on('backend.log', (e) => logs.push(e))
    expect(await dispatch(backend, 'connections.list', {})).toEqual({ ok: true, value: [] })
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/odd \(root@not a host!\): host: .*moved to|moved to .*connections\.json\.rejected/) })
    )
    const kept = JSON.parse(fs.readFileSync(path.join(data, 'connections.json.rejected'), 'utf8')) as { rejected: Array<{ entry: unknown }> }
    expect(kept.rejected.map((r) => r.entry)).toEqual([odd])
    off()
  })

  it('hostKeys.trust validates its input', async () => {
    const r = await dispatch(backend, 'hostKeys.trust', { ...key, port: 0 })
    expect(!r.ok && r.error.field).toBe('port')
  })

  it('unknown connection ids give not-found with a hint', async () => {
    for (const m of ['connections.disconnect', 'connections.forget', 'connections.reconnect'] as const) {
      const r = await dispatch(backend, m, { id: 'c-000000000000' })
      expect(r.ok, m).toBe(false)
      if (!r.ok) {
        expect(r.error.kind).toBe('not-found')
        expect(r.error.hint).toBeTruthy()
      }
    }
    const f = await dispatch(backend, 'nodes.facts', { connectionId: 'c-000000000000' })
    expect(!f.ok && f.error.kind).toBe('not-found')
  })

  it('maps SshError to an ApiError with kind, hint and node', () => {
    const e = new SshError({
      kind: 'auth-failed',
      host: '198.51.100.12',
      port: 22,
      message: 'Login as havipadm on 198.51.100.12:22 failed.',
      hint: 'Check the user name and password.'
    })
    expect(backend.toApiError(e, 'connections.connect')).toEqual({
      kind: 'auth-failed',
      message: 'Login as havipadm on 198.51.100.12:22 failed.',
      hint: 'Check the user name and password.',
      node: '198.51.100.12'
    })
  })

  it('maps unexpected errors to internal, naming the method, and logs them', () => {
    const logs: string[] = []
    backend.events.on('backend.log', (e) => logs.push(`${e.level} ${e.message}`))
    const r = backend.toApiError(new TypeError('x is undefined'), 'nodes.facts')
    expect(r.kind).toBe('internal')
    expect(r.message).toContain('nodes.facts')
    expect(r.message).toContain('x is undefined')
    expect(logs.some((l) => l.startsWith('error '))).toBe(true)
  })
})
