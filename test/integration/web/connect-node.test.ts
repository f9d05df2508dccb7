// The whole vertical slice below the UI, through the browser-mode WebSocket transport and the
// real backend facade, against real lab nodes (sshd in network namespaces): first contact
// asks for the host key, trust + connect, node facts, remembered password + reconnect,
// wrong password, a changed host key is refused and replaced only when the call says so, forget.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connection, ConnectResult } from '../../../electron/api/contract'
import type { HostKeyInfo, NodeFacts } from '../../../electron/api/model'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { createWebServer, type WebServer } from '../../../electron/web/server'
import { readLabState, type LabState } from '../../lab/lab'
import { WsApi } from './helpers'

let lab: LabState
let tmp: string
let dataDir: string
let backend: Backend
let server: WebServer
let api: WsApi

beforeAll(async () => {
  const state = readLabState()
  if (!state) throw new Error('The lab is not up (the integration globalSetup should have started it): run npm run lab:up')
  lab = state
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-connect-'))
  dataDir = path.join(tmp, 'data')
  fs.mkdirSync(path.join(tmp, 'renderer'))
  fs.writeFileSync(path.join(tmp, 'renderer', 'index.html'), '<!doctype html>')
  backend = createBackend({ dataDir, mode: 'browser', connectTimeoutMs: 8000 })
  server = await createWebServer({ backend, staticDir: path.join(tmp, 'renderer'), log: () => {} })
  api = await WsApi.open(server.port, server.token)
})

afterAll(async () => {
  await api?.close()
  await server?.close()
  await backend?.dispose()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

function node(name: string) {
  const n = lab.nodes.find((x) => x.name === name)
  if (!n) throw new Error(`lab has no node ${name}`)
  return n
}

async function ok<T>(p: Promise<{ ok: boolean; value?: unknown; error?: unknown }>): Promise<T> {
  const r = await p
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.error)}`)
  return r.value as T
}

describe('connect to a lab node through the API', () => {
  let rootConn: Connection

  it('first contact returns host-key-unknown with the node fingerprint and saves nothing', async () => {
    const n1 = node('n1')
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n1.address, port: n1.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    )
    expect(r.status).toBe('host-key-unknown')
    if (r.status !== 'host-key-unknown') return
    expect(r.hostKey.fingerprint).toBe(n1.hostKeyFingerprint)
    expect(r.hostKey.host).toBe(n1.address)
    expect(await ok<Connection[]>(api.callRaw('connections.list', {}))).toEqual([])
    expect(await ok<HostKeyInfo[]>(api.callRaw('hostKeys.list', {}))).toEqual([])
  })

  it('after trusting the key, connect succeeds and the state event arrives', async () => {
    const n1 = node('n1')
    await ok(api.callRaw('hostKeys.trust', { host: n1.address, port: n1.sshPort, keyType: 'ssh-ed25519', fingerprint: n1.hostKeyFingerprint }))
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', {
        host: n1.address,
        port: n1.sshPort,
        username: 'root',
        auth: { kind: 'key', privateKeyPath: lab.rootKeyPath },
        label: 'lab n1 (root)'
      })
    )
    expect(r.status).toBe('connected')
    if (r.status !== 'connected') return
    rootConn = r.connection
    expect(rootConn).toMatchObject({ label: 'lab n1 (root)', host: n1.address, username: 'root', authKind: 'key', state: 'connected', hostKeyFingerprint: n1.hostKeyFingerprint })
    expect(api.eventsOf('connection.state').some((e) => e.id === rootConn.id && e.state === 'connected')).toBe(true)
    const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
    expect(list.map((c) => c.id)).toEqual([rootConn.id])
  })

  it('nodes.facts shows hostname n1 and eth0 with its /24 address', async () => {
    const n1 = node('n1')
    const facts = await ok<NodeFacts>(api.callRaw('nodes.facts', { connectionId: rootConn.id }))
    expect(facts.hostname).toBe('n1')
    expect(facts.platform).toBe('linux')
    const eth0 = facts.interfaces.find((i) => i.name === 'eth0')
    expect(eth0, JSON.stringify(facts.interfaces)).toBeDefined()
    expect(eth0!.addresses).toContainEqual(expect.objectContaining({ family: 'inet', address: n1.address, prefix: 24 }))
    expect(eth0!.mtu).toBeGreaterThan(0)
    const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
    expect(list[0]?.hostname).toBe('n1')
  })

  it('disconnect, then facts say "not connected"; reconnect (key auth needs no secret) works again', async () => {
    await ok(api.callRaw('connections.disconnect', { id: rootConn.id }))
    const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
    expect(list[0]?.state).toBe('disconnected')
    const f = await api.callRaw('nodes.facts', { connectionId: rootConn.id })
    expect(!f.ok && f.error.kind).toBe('disconnected')
    const r = await ok<ConnectResult>(api.callRaw('connections.reconnect', { id: rootConn.id }))
    expect(r.status).toBe('connected')
  })

  it('password login with remember stores the secret in a 0600 file (not in connections.json); reconnect uses it', async () => {
    const n1 = node('n1')
    const password = fs.readFileSync(lab.sudoPasswordPath, 'utf8').trim()
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n1.address, username: lab.sudoUser, auth: { kind: 'password', password }, remember: true })
    )
    expect(r.status).toBe('connected')
    if (r.status !== 'connected') return
    expect(r.connection.remembered).toBe(true)
    expect(r.connection.port).toBe(22)

    const connectionsFile = fs.readFileSync(path.join(dataDir, 'connections.json'), 'utf8')
    expect(connectionsFile).not.toContain(password)
    const secretsFile = path.join(dataDir, 'credentials', 'secrets.json')
    expect(fs.statSync(secretsFile).mode & 0o777).toBe(0o600)
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700)
    // Secrets never appear in events (which browser mode also prints to its log).
    expect(JSON.stringify(api.events)).not.toContain(password)

    await ok(api.callRaw('connections.disconnect', { id: r.connection.id }))
    const again = await ok<ConnectResult>(api.callRaw('connections.reconnect', { id: r.connection.id }))
    expect(again.status).toBe('connected')

    await ok(api.callRaw('connections.forget', { id: r.connection.id }))
    expect(fs.readFileSync(secretsFile, 'utf8')).not.toContain(password)
    const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
    expect(list.map((c) => c.id)).not.toContain(r.connection.id)
  })

  it('a wrong password gives auth-failed with a hint naming what to check', async () => {
    const n1 = node('n1')
    const r = await api.callRaw('connections.connect', {
      host: n1.address,
      username: lab.sudoUser,
      auth: { kind: 'password', password: 'definitely-not-the-password' }
    })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.kind).toBe('auth-failed')
    expect(r.error.hint).toBeTruthy()
    expect(r.error.node).toBe(n1.address)
    expect(r.error.message).not.toContain('definitely-not-the-password')
  })

  it('a changed host key is refused with both fingerprints and nothing is replaced', async () => {
    const n2 = node('n2')
    const pinned = 'SHA256:' + 'A'.repeat(43)
    await ok(api.callRaw('hostKeys.trust', { host: n2.address, port: n2.sshPort, keyType: 'ssh-ed25519', fingerprint: pinned }))
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n2.address, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    )
    expect(r.status).toBe('host-key-changed')
    if (r.status !== 'host-key-changed') return
    expect(r.expectedFingerprint).toBe(pinned)
    expect(r.hostKey.fingerprint).toBe(n2.hostKeyFingerprint)
    const keys = await ok<HostKeyInfo[]>(api.callRaw('hostKeys.list', {}))
    expect(keys.find((k) => k.host === n2.address)?.fingerprint).toBe(pinned)
    expect(api.eventsOf('backend.log').some((e) => e.level === 'warn' && e.message.includes('HOST KEY CHANGED'))).toBe(true)
  })

  it('the changed key replaces the pin only through hostKeys.trust with replace and the pinned fingerprint; then the connect succeeds', async () => {
    const n2 = node('n2')
    const pinned = 'SHA256:' + 'A'.repeat(43)
    const offered = { host: n2.address, port: n2.sshPort, keyType: n2.hostKeyPublic.split(' ')[0]!, fingerprint: n2.hostKeyFingerprint }
    const pinNow = async () => (await ok<HostKeyInfo[]>(api.callRaw('hostKeys.list', {}))).find((k) => k.host === n2.address)?.fingerprint

    // What the first-contact dialog does (a plain trust) cannot replace it.
    const plain = await api.callRaw('hostKeys.trust', offered)
    expect(plain.ok).toBe(false)
    if (!plain.ok) {
      expect(plain.error.kind).toBe('host-key-changed')
      expect(plain.error.message).toContain(pinned)
      expect(plain.error.message).toContain(n2.hostKeyFingerprint)
    }
    // Nor a replacement naming a pin that is not the one there (a stale dialog).
    const stale = await api.callRaw('hostKeys.trust', { ...offered, replace: true, previousFingerprint: 'SHA256:' + 'B'.repeat(43) })
    expect(!stale.ok && stale.error.kind).toBe('host-key-changed')
    expect(await pinNow()).toBe(pinned)

    await ok(api.callRaw('hostKeys.trust', { ...offered, replace: true, previousFingerprint: pinned }))
    expect(await pinNow()).toBe(n2.hostKeyFingerprint)
    expect(api.eventsOf('backend.log').some((e) => e.level === 'warn' && /Replaced the pinned host key/.test(e.message))).toBe(true)

    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n2.address, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    )
    expect(r.status).toBe('connected')
    if (r.status === 'connected') await ok(api.callRaw('connections.forget', { id: r.connection.id }))
  })
})
