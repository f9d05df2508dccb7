// A dropped SSH connection is announced when it drops, not on the next action: through the
// browser-mode WebSocket and the real backend, connect to lab node n1, kill only that
// connection's sshd session processes on the node (the node's sshd listener lives on), and
// expect a `connection.state` 'disconnected' event saying what happened; then Reconnect.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiEventPayload, Connection, ConnectResult } from '../../../electron/api/contract'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { createWebServer, type WebServer } from '../../../electron/web/server'
import { nodeExec } from '../../lab/exec'
import { readLabState, type LabState } from '../../lab/lab'
import { newSshdConnections, sshdConnections, sshdListening } from '../../lab/sshd-sessions'
import { waitFor } from '../../support/wait-for'
import { WsApi } from './helpers'

let lab: LabState
let tmp: string
let backend: Backend
let server: WebServer
let api: WsApi

beforeAll(async () => {
  const state = readLabState()
  if (!state) throw new Error('The lab is not up (the integration globalSetup should have started it): run npm run lab:up')
  lab = state
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-drop-'))
  fs.mkdirSync(path.join(tmp, 'renderer'))
  fs.writeFileSync(path.join(tmp, 'renderer', 'index.html'), '<!doctype html>')
  // A short keepalive so a frozen peer is noticed in about 3 s (3 unanswered pings).
  backend = createBackend({ dataDir: path.join(tmp, 'data'), mode: 'browser', connectTimeoutMs: 8000, keepaliveIntervalMs: 1000 })
  server = await createWebServer({ backend, staticDir: path.join(tmp, 'renderer'), log: () => {} })
  api = await WsApi.open(server.port, server.token)
})

afterAll(async () => {
  await api?.close()
  await server?.close()
  await backend?.dispose()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

async function ok<T>(p: Promise<{ ok: boolean; value?: unknown; error?: unknown }>): Promise<T> {
  const r = await p
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r.error)}`)
  return r.value as T
}

describe('a connection that drops is reported at once', () => {
  it("killing the node's sshd session gives 'disconnected' with a readable error; Reconnect brings it back", async () => {
    const n1 = lab.nodes.find((n) => n.name === 'n1')
    if (!n1) throw new Error('lab has no node n1')
    await ok(api.callRaw('hostKeys.trust', { host: n1.address, port: n1.sshPort, keyType: 'ssh-ed25519', fingerprint: n1.hostKeyFingerprint }))

    const before = new Set((await sshdConnections('n1')).map((c) => c.peer))
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n1.address, port: n1.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    )
    expect(r.status).toBe('connected')
    if (r.status !== 'connected') return
    const id = r.connection.id

    // Ours is the one connection from the backend's address that was not there before.
    const ours = await newSshdConnections('n1', lab.hostAddress, before)
    expect(ours, JSON.stringify(ours)).toHaveLength(1)
    const pids = ours[0]!.pids
    expect(pids.length).toBeGreaterThan(0)
    expect(await sshdListening('n1')).toBe(true)

    const eventsBefore = api.events.length
    const killed = await nodeExec('n1', ['kill', '-KILL', ...pids.map(String)], { timeoutMs: 10_000 })
    expect(killed.code, killed.stderr).toBe(0)

    // The event comes by itself: nothing here lists connections or runs a command meanwhile.
    const dropped = () => api.events.slice(eventsBefore).flatMap((e) =>
      e.event === 'connection.state' && (e.payload as { id: string; state: string }).id === id && (e.payload as { state: string }).state === 'disconnected'
        ? [e.payload as ApiEventPayload<'connection.state'>]
        : []
    )
    await waitFor("the 'disconnected' event", () => dropped().length > 0, 20_000)
    const ev = dropped()[0]!
    expect(ev.error?.kind).toBe('disconnected')
    expect(ev.error?.node).toBe(n1.address)
    expect(ev.error?.message).toContain(`Connection to ${n1.address} lost`)
    expect(ev.error?.message).toMatch(/lost: the SSH server on .* closed the connection/)
    expect(ev.error?.hint).toMatch(/reconnects on the next action; use Connect/)
    expect(
      api.eventsOf('backend.log').some((l) => l.level === 'warn' && l.node === n1.address && l.message.includes('lost'))
    ).toBe(true)

    // connections.list agrees, with the reason.
    const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
    const mine = list.find((c) => c.id === id)
    expect(mine?.state).toBe('disconnected')
    expect(mine?.lastError?.kind).toBe('disconnected')

    // Only the session died: the node's sshd still listens, so Reconnect works.
    expect(await sshdListening('n1')).toBe(true)
    const connectedBefore = api.eventsOf('connection.state').filter((e) => e.id === id && e.state === 'connected').length
    const again = await ok<ConnectResult>(api.callRaw('connections.reconnect', { id }))
    expect(again.status).toBe('connected')
    await waitFor("the 'connected' event", () => api.eventsOf('connection.state').filter((e) => e.id === id && e.state === 'connected').length > connectedBefore, 20_000)
    const after = await ok<Connection[]>(api.callRaw('connections.list', {}))
    expect(after.find((c) => c.id === id)).toMatchObject({ state: 'connected' })
    expect(after.find((c) => c.id === id)?.lastError).toBeUndefined()
    // Closing the replaced (dropped) session on purpose is not reported as another drop.
    const drops = api.eventsOf('connection.state').filter((e) => e.id === id && e.state === 'disconnected')
    expect(drops).toHaveLength(1)

    await ok(api.callRaw('connections.disconnect', { id }))
  })

  it("after a drop, the next action reconnects by itself and 'connected' is announced", async () => {
    const n1 = lab.nodes.find((n) => n.name === 'n1')
    if (!n1) throw new Error('lab has no node n1')
    const before = new Set((await sshdConnections('n1')).map((c) => c.peer))
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n1.address, port: n1.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    )
    if (r.status !== 'connected') throw new Error(`expected connected, got ${r.status}`)
    const id = r.connection.id
    const ours = await newSshdConnections('n1', lab.hostAddress, before)
    expect(ours, JSON.stringify(ours)).toHaveLength(1)

    const mark = api.events.length
    const stateEvents = () =>
      api.events
        .slice(mark)
        .filter((e) => e.event === 'connection.state' && (e.payload as { id: string }).id === id)
        .map((e) => (e.payload as { state: string }).state)
    const killed = await nodeExec('n1', ['kill', '-KILL', ...ours[0]!.pids.map(String)], { timeoutMs: 10_000 })
    expect(killed.code, killed.stderr).toBe(0)
    await waitFor("the 'disconnected' event", () => stateEvents().includes('disconnected'), 20_000)

    // Reading facts runs commands: the session reconnects (same pinned key) and says so.
    const facts = await ok<{ hostname: string }>(api.callRaw('nodes.facts', { connectionId: id, refresh: true }))
    expect(facts.hostname).toBe('n1')
    await waitFor("the 'connected' event", () => stateEvents().includes('connected'), 20_000)
    expect(stateEvents()).toEqual(['disconnected', 'connected'])
    const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
    expect(list.find((c) => c.id === id)).toMatchObject({ state: 'connected' })
    expect(api.eventsOf('backend.log').some((l) => l.message.startsWith('Reconnected to root@'))).toBe(true)

    await ok(api.callRaw('connections.disconnect', { id }))
  })

  it("a node that stops answering (sshd frozen, TCP up) is reported through keepalives", async () => {
    const n1 = lab.nodes.find((n) => n.name === 'n1')
    if (!n1) throw new Error('lab has no node n1')
    const before = new Set((await sshdConnections('n1')).map((c) => c.peer))
    const r = await ok<ConnectResult>(
      api.callRaw('connections.connect', { host: n1.address, port: n1.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } })
    )
    if (r.status !== 'connected') throw new Error(`expected connected, got ${r.status}`)
    const id = r.connection.id
    const ours = await newSshdConnections('n1', lab.hostAddress, before)
    expect(ours, JSON.stringify(ours)).toHaveLength(1)
    const pids = ours[0]!.pids.map(String)
    const mark = api.events.length
    try {
      // Like a cut network: the kernel still ACKs, but nothing answers the SSH keepalives.
      const stopped = await nodeExec('n1', ['kill', '-STOP', ...pids], { timeoutMs: 10_000 })
      expect(stopped.code, stopped.stderr).toBe(0)
      await waitFor("the 'disconnected' event", () => api.events.slice(mark).some((e) => e.event === 'connection.state' && (e.payload as { id: string; state: string }).id === id && (e.payload as { state: string }).state === 'disconnected'), 20_000)
      const ev = api.events
        .slice(mark)
        .map((e) => e.payload as ApiEventPayload<'connection.state'>)
        .find((p) => p.id === id && p.state === 'disconnected')
      expect(ev?.error?.kind).toBe('disconnected')
      expect(ev?.error?.message).toMatch(/keepalive/i)
      const list = await ok<Connection[]>(api.callRaw('connections.list', {}))
      expect(list.find((c) => c.id === id)?.state).toBe('disconnected')
    } finally {
      await nodeExec('n1', ['kill', '-KILL', ...pids], { timeoutMs: 10_000 }).catch(() => undefined)
    }
    const again = await ok<ConnectResult>(api.callRaw('connections.reconnect', { id }))
    expect(again.status).toBe('connected')
    await ok(api.callRaw('connections.disconnect', { id }))
  })
})
