// A connect that succeeds over SSH but cannot be saved (the credential store on disk is damaged)
// must fail with the store's own readable error and leave the saved entry "failed", never stuck
// at "connecting". Real backend facade, real lab sshd (n1).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connection, ConnectResult } from '../../../electron/api/contract'
import { dispatch } from '../../../electron/api/dispatch'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { readLabState, type LabState } from '../../lab/lab'

let lab: LabState
let tmp: string
let dataDir: string
let backend: Backend

beforeAll(() => {
  const state = readLabState()
  if (!state) throw new Error('The lab is not up (the integration globalSetup should have started it): run npm run lab:up')
  lab = state
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-damaged-'))
  dataDir = path.join(tmp, 'data')
  backend = createBackend({ dataDir, mode: 'browser', connectTimeoutMs: 8000 })
})

afterAll(async () => {
  await backend?.dispose()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

async function call<T>(method: string, input: unknown): Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }> {
  return (await dispatch(backend, method, input)) as { ok: true; value: T } | { ok: false; error: { message: string } }
}

describe('connect with a damaged credential store', () => {
  it('fails with the store error and marks the saved entry failed, not connecting', async () => {
    const n1 = lab.nodes[0]!
    const target = { host: n1.address, port: n1.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } }
    expect((await call('hostKeys.trust', { host: n1.address, port: n1.sshPort, keyType: 'ssh-ed25519', fingerprint: n1.hostKeyFingerprint })).ok).toBe(true)
    const first = await call<ConnectResult>('connections.connect', target)
    if (!first.ok) throw new Error(`first connect failed: ${first.error.message}`)
    expect(first.value.status).toBe('connected')

    fs.mkdirSync(path.join(dataDir, 'credentials'), { recursive: true, mode: 0o700 })
    fs.writeFileSync(path.join(dataDir, 'credentials', 'secrets.json'), '{ not json', { mode: 0o600 })

    // remember=false drops any older secret, which has to read the (damaged) store.
    const second = await call<ConnectResult>('connections.connect', { ...target, remember: false })
    expect(second.ok).toBe(false)
    if (second.ok) return
    expect(second.error.message).toMatch(/credential store .* is damaged/)

    const list = await call<Connection[]>('connections.list', {})
    if (!list.ok) throw new Error(`connections.list failed: ${list.error.message}`)
    expect(list.value).toHaveLength(1)
    expect(list.value[0]!.state).toBe('failed')
    expect(list.value[0]!.lastError?.message).toMatch(/damaged/)
  }, 30_000)
})
