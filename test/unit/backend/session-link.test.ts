// Link-state reporting of pooled SSH sessions, with a real ssh2 client (the pool's sessions)
// talking to a real ssh2 server over a Unix socket (no IP traffic): a deliberate close() is
// not a drop; a server that hangs up is reported at once as a drop; a peer that stops
// answering is reported through keepalives; the next command reconnects and says so.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Server } from 'ssh2'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { hostKeyInfoOf } from '../../../electron/backend/ssh/host-key'
import { SshPool, type SessionStateEvent } from '../../../electron/backend/ssh/pool'
import { Ssh2Session, type SessionLinkChange } from '../../../electron/backend/ssh/session'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { testHostKey } from '../../support/ssh-host-key'

const HOST = '198.51.100.11' // only a name here: every byte goes over the Unix socket
const PORT = 22
const PASSWORD = 'unit-test-password'

let dir: string
let sockPath: string
let sshServer: Server
let listener: net.Server
let hostKeys: HostKeyStore
/** Server-side raw sockets, newest last: destroying one is what a killed sshd process does. */
const rawSockets: net.Socket[] = []
const pools: SshPool[] = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-link-'))
  sockPath = path.join(dir, 'ssh.sock')
  const { private: hostKey, parsed } = testHostKey()
  hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  hostKeys.trust(hostKeyInfoOf(HOST, PORT, parsed.getPublicSSH()))

  sshServer = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => {})
    client.on('authentication', (c) => {
      if (c.method === 'password' && c.password === PASSWORD) c.accept()
      else c.reject(['password'])
    })
    client.on('session', (accept) => {
      const session = accept()
      session.on('exec', (acceptExec) => {
        const stream = acceptExec()
        stream.write('ok\n')
        stream.exit(0)
        stream.end()
      })
    })
  })
  listener = net.createServer((s) => {
    s.on('error', () => {})
    rawSockets.push(s)
    sshServer.injectSocket(s)
  })
  await new Promise<void>((r) => listener.listen(sockPath, () => r()))
})

afterEach(async () => {
  await Promise.allSettled(pools.splice(0).map((p) => p.closeAll()))
  for (const s of rawSockets.splice(0)) s.destroy()
})

afterAll(async () => {
  await Promise.race([new Promise<void>((r) => listener.close(() => r())), new Promise((r) => setTimeout(r, 2000))])
  fs.rmSync(dir, { recursive: true, force: true })
})

function newPool(keepaliveIntervalMs = 60_000, keepaliveCountMax = 3): { pool: SshPool; seen: SessionStateEvent[] } {
  const pool = new SshPool({
    hostKeys,
    connectTimeoutMs: 5000,
    keepaliveIntervalMs,
    keepaliveCountMax,
    openSocket: () => net.connect(sockPath)
  })
  pools.push(pool)
  const seen: SessionStateEvent[] = []
  pool.onSessionState((e) => seen.push(e))
  return { pool, seen }
}

const target = { host: HOST, port: PORT, username: 'root', auth: { kind: 'password' as const, password: PASSWORD } }

/** Resolve when `pred` holds, polling; reject after `ms` (only so a broken build cannot hang). */
async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error(`test: ${what} did not happen within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('SshPool.onSessionState', () => {
  it('a deliberate close() is not a drop', async () => {
    const { pool, seen } = newPool()
    const s = await pool.connect(target)
    expect(s.isConnected()).toBe(true)
    expect(rawSockets.length).toBe(1)
    const serverSide = rawSockets[0]!
    await pool.close(s.id)
    // The server saw the connection end, so any 'close' the client would report has happened.
    await until(() => serverSide.destroyed || serverSide.readableEnded, 5000, 'the server seeing the close')
    await new Promise((r) => setTimeout(r, 100))
    expect(seen).toEqual([])
    expect(s.isConnected()).toBe(false)
  })

  it('a session closed directly (not through the pool) reports no drop either', async () => {
    const seen: SessionLinkChange[] = []
    const s = new Ssh2Session('direct', { ...target, port: PORT }, hostKeys, {
      connectTimeoutMs: 5000,
      keepaliveIntervalMs: 60_000,
      log: () => {},
      onLinkChange: (c) => seen.push(c),
      openSocket: () => net.connect(sockPath)
    })
    await s.open()
    const serverSide = rawSockets[rawSockets.length - 1]!
    await s.close()
    await until(() => serverSide.destroyed || serverSide.readableEnded, 5000, 'the server seeing the close')
    await new Promise((r) => setTimeout(r, 100))
    expect(seen).toEqual([])
  })

  it('closeAll() is not a drop either', async () => {
    const { pool, seen } = newPool()
    await pool.connect(target)
    await pool.connect(target)
    await pool.closeAll()
    await new Promise((r) => setTimeout(r, 100))
    expect(seen).toEqual([])
  })

  it('the server hanging up is reported at once as dropped, and the next command reconnects', async () => {
    const { pool, seen } = newPool()
    const s = await pool.connect(target)
    rawSockets[0]!.destroy() // what the kernel does when the node's sshd session process dies
    await until(() => seen.length > 0, 10_000, 'the drop report')
    expect(seen[0]).toMatchObject({ state: 'dropped', sessionId: s.id, target: { host: HOST, port: PORT, username: 'root' } })
    const drop = seen[0]!
    if (drop.state !== 'dropped') return
    expect(drop.reason.kind).toBe('disconnected')
    expect(drop.reason.host).toBe(HOST)
    expect(drop.reason.message).toContain(HOST)
    expect(drop.reason.hint.length).toBeGreaterThan(0)
    expect(s.isConnected()).toBe(false)

    const r = await s.exec(['true'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('ok\n')
    expect(s.isConnected()).toBe(true)
    expect(seen.map((e) => e.state)).toEqual(['dropped', 'reconnected'])
    expect(seen[1]!.sessionId).toBe(s.id)
  })

  it('a peer that stops answering is reported through keepalives', async () => {
    const intervalMs = 200
    const { pool, seen } = newPool(intervalMs, 3)
    const s = await pool.connect(target)
    // Let a few keepalives be answered first: a live link is never reported.
    await new Promise((r) => setTimeout(r, intervalMs * 5))
    expect(seen).toEqual([])
    expect(s.isConnected()).toBe(true)
    // Freeze the server side: bytes still arrive in the kernel, nothing is read or answered.
    rawSockets[0]!.pause()
    const frozenAt = Date.now()
    await until(() => seen.length > 0, 10_000, 'the keepalive drop report')
    const drop = seen[0]!
    expect(drop.state).toBe('dropped')
    if (drop.state !== 'dropped') return
    expect(drop.reason.kind).toBe('disconnected')
    expect(drop.reason.message).toMatch(/keepalive/i)
    // It took at least the unanswered pings (not some other error), and was not left hanging.
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(intervalMs)
    expect(s.isConnected()).toBe(false)
  })

  it('unsubscribing stops the reports', async () => {
    const { pool, seen } = newPool()
    const other: SessionStateEvent[] = []
    const off = pool.onSessionState((e) => other.push(e))
    off()
    await pool.connect(target)
    rawSockets[0]!.destroy()
    await until(() => seen.length > 0, 10_000, 'the drop report')
    expect(other).toEqual([])
  })
})
