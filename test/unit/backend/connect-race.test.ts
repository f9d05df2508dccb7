// Issue 9 item 15: forget or disconnect during an in-flight connect wins. The late connect's
// session is closed, nothing is saved again (entry, secret), and the connection does not come
// back as 'connected'. The real ConnectionService, SshPool, stores and files, talking to a
// real ssh2 server over a Unix socket whose authentication step the test holds open, so the
// connect is provably in flight when forget/disconnect runs.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Server } from 'ssh2'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEventPayload } from '../../../electron/api/contract'
import { ApiException } from '../../../electron/api/errors'
import { ConnectionSecrets } from '../../../electron/backend/connections/connection-secrets'
import { ConnectionService } from '../../../electron/backend/connections/connection-service'
import { SavedConnections } from '../../../electron/backend/connections/saved-connections'
import { createEventHub } from '../../../electron/backend/events'
import { hostKeyInfoOf } from '../../../electron/backend/ssh/host-key'
import { SshPool } from '../../../electron/backend/ssh/pool'
import { CredentialStore } from '../../../electron/backend/store/credential-store'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { waitFor } from '../../support/wait-for'
import { testHostKey } from '../../support/ssh-host-key'

const HOST = '198.51.100.11' // only a name here: every byte goes over the Unix socket
const PASSWORD = 'unit-test-password'

let dir: string
let sockPath: string
let listener: net.Server
let hostKeys: HostKeyStore
/** Server-side sockets that are still open. */
const openSockets = new Set<net.Socket>()
/** Authentication attempts waiting for the test; call to let one through. */
const heldAuth: Array<() => void> = []
let holdAuth = false
const services: ConnectionService[] = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-race-'))
  sockPath = path.join(dir, 'ssh.sock')
  const { private: hostKey, parsed } = testHostKey()
  hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  hostKeys.trust(hostKeyInfoOf(HOST, 22, parsed.getPublicSSH()))
  const sshServer = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => {})
    client.on('authentication', (c) => {
      const decide = () => (c.method === 'password' && c.password === PASSWORD ? c.accept() : c.reject(['password']))
      if (holdAuth && c.method === 'password') heldAuth.push(decide)
      else decide()
    })
    client.on('session', (accept) => accept())
  })
  listener = net.createServer((s) => {
    s.on('error', () => {})
    openSockets.add(s)
    s.on('close', () => openSockets.delete(s))
    sshServer.injectSocket(s)
  })
  await new Promise<void>((r) => listener.listen(sockPath, () => r()))
})

afterEach(async () => {
  holdAuth = false
  for (const release of heldAuth.splice(0)) release()
  await Promise.allSettled(services.splice(0).map((s) => s.dispose()))
})

afterAll(async () => {
  for (const s of openSockets) s.destroy()
  await Promise.race([new Promise<void>((r) => listener.close(() => r())), new Promise((r) => setTimeout(r, 2000))])
  fs.rmSync(dir, { recursive: true, force: true })
})

function newService(name: string) {
  const data = path.join(dir, name)
  const events = createEventHub()
  const states: Array<ApiEventPayload<'connection.state'>> = []
  events.on('connection.state', (e) => states.push(e))
  const saved = new SavedConnections(data)
  const credentials = new CredentialStore(path.join(data, 'credentials'))
  const pool = new SshPool({ hostKeys, connectTimeoutMs: 10_000, keepaliveIntervalMs: 60_000, openSocket: () => net.connect(sockPath) })
  const service = new ConnectionService({
    pool,
    saved,
    secrets: new ConnectionSecrets(credentials, () => {}),
    hostKeys,
    events,
    log: () => {}
  })
  services.push(service)
  return { service, saved, credentials, pool, states }
}

const request = { host: HOST, port: 22, username: 'root', auth: { kind: 'password' as const, password: PASSWORD }, remember: true }

/** A saved, remembered, disconnected connection; returns its id. */
async function savedConnection(svc: ConnectionService): Promise<string> {
  const r = await svc.connect(request)
  if (r.status !== 'connected') throw new Error(`unexpected ${r.status}`)
  await svc.disconnect(r.connection.id)
  return r.connection.id
}

async function rejection(p: Promise<unknown>): Promise<ApiException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  )
  if (!(e instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(e)}`)
  return e
}

/** Start a reconnect and wait until the server holds its authentication (wrapped: awaiting must not wait for it). */
async function reconnectInFlight(svc: ConnectionService, id: string): Promise<{ inFlight: Promise<unknown> }> {
  holdAuth = true
  const inFlight = svc.reconnect(id)
  inFlight.catch(() => {}) // observed below
  await waitFor('the reconnect to reach authentication', () => heldAuth.length === 1, 10_000, 10)
  return { inFlight }
}

describe('connect racing forget and disconnect', () => {
  it('forget during an in-flight reconnect wins: the late session is closed, the entry and its secret stay gone', async () => {
    const { service, saved, credentials, pool, states } = newService('forget')
    const id = await savedConnection(service)
    expect(credentials.has(id)).toBe(true)
    const socketsBefore = openSockets.size

    const { inFlight } = await reconnectInFlight(service, id)
    await service.forget(id)
    expect(saved.list()).toEqual([])
    const seenAtForget = states.length
    heldAuth.shift()!() // the node answers only now

    const err = await rejection(inFlight)
    expect(err.error.kind).toBe('disconnected')
    expect(err.error.message).toMatch(/forgotten while the connection was being made/)
    expect(saved.list()).toEqual([]) // not saved again
    expect(credentials.has(id)).toBe(false) // nor its secret
    expect(pool.list()).toEqual([])
    expect(states.slice(seenAtForget).filter((s) => s.id === id)).toEqual([]) // no 'connected' for a forgotten id
    await waitFor('the late SSH connection to be closed', () => openSockets.size <= socketsBefore, 5000, 20)
  })

  it('disconnect during an in-flight reconnect wins: the late session is closed and the connection stays disconnected', async () => {
    const { service, saved, pool, states } = newService('disconnect')
    const id = await savedConnection(service)
    const socketsBefore = openSockets.size

    const { inFlight } = await reconnectInFlight(service, id)
    await service.disconnect(id)
    heldAuth.shift()!()

    const err = await rejection(inFlight)
    expect(err.error.kind).toBe('disconnected')
    expect(err.error.message).toMatch(/disconnected while the connection was being made/)
    expect(service.list().find((c) => c.id === id)?.state).toBe('disconnected')
    expect(states[states.length - 1]).toMatchObject({ id, state: 'disconnected' })
    expect(saved.list().map((c) => c.id)).toEqual([id]) // disconnect keeps the saved entry
    expect(pool.list()).toEqual([])
    await waitFor('the late SSH connection to be closed', () => openSockets.size <= socketsBefore, 5000, 20)

    // A connect after the disconnect works as usual.
    holdAuth = false
    const again = await service.reconnect(id)
    expect(again.status).toBe('connected')
  })

  it('a failed connect after forget does not bring the entry back as failed', async () => {
    const { service, saved, states } = newService('forget-fail')
    const id = await savedConnection(service)
    const { inFlight } = await reconnectInFlight(service, id)
    await service.forget(id)
    const seenAtForget = states.length
    // The node goes away instead of answering: the connect fails after the forget.
    heldAuth.splice(0)
    for (const s of openSockets) s.destroy()
    const err = await rejection(inFlight)
    expect(err.error.kind).toBe('disconnected')
    expect(saved.list()).toEqual([])
    expect(states.slice(seenAtForget).filter((s) => s.id === id)).toEqual([])
  })
})
