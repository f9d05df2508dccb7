// Terminals on lab nodes (issue 12), through the browser-mode WebSocket and the real backend:
// a shell over the node's existing SSH connection runs as its login user, answers `hostname`,
// follows a resize, survives a flood with the backend's buffers bounded by flow control, frees
// its channel on close, ends with a clear message when the connection drops, and is closed
// (not "dropped") by Disconnect.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectResult, TerminalInfo } from '../../../electron/api/contract'
import { TERMINAL_HIGH_WATERMARK, TERMINAL_OUTPUT_MAX_CHARS } from '../../../electron/api/terminal'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { createWebServer, type WebServer } from '../../../electron/web/server'
import { nodeExec } from '../../lab/exec'
import { readLabState, type LabNode, type LabState } from '../../lab/lab'
import { newSshdConnections, sshdConnections } from '../../lab/sshd-sessions'
import { waitFor } from '../../support/wait-for'
import { TerminalWsClient } from './terminal-client'

let lab: LabState
let tmp: string
let backend: Backend
let server: WebServer
let api: TerminalWsClient
let n1: LabNode

beforeAll(async () => {
  const state = readLabState()
  if (!state) throw new Error('The lab is not up (the integration globalSetup should have started it): run npm run lab:up')
  lab = state
  const node = lab.nodes.find((n) => n.name === 'n1')
  if (!node) throw new Error('lab has no node n1')
  n1 = node
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-terminal-'))
  fs.mkdirSync(path.join(tmp, 'renderer'))
  fs.writeFileSync(path.join(tmp, 'renderer', 'index.html'), '<!doctype html>')
  backend = createBackend({ dataDir: path.join(tmp, 'data'), mode: 'browser', connectTimeoutMs: 8000, keepaliveIntervalMs: 1000 })
  server = await createWebServer({ backend, staticDir: path.join(tmp, 'renderer'), log: () => {} })
  api = await TerminalWsClient.open(server.port, server.token)
  await api.call('hostKeys.trust', { host: n1.address, port: n1.sshPort, keyType: 'ssh-ed25519', fingerprint: n1.hostKeyFingerprint })
})

afterAll(async () => {
  await api?.close()
  await server?.close()
  await backend?.dispose()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

/** Connect as the lab's non-root key user (a login user that is not root: no sudo is inserted). */
async function connectAsKeyUser(): Promise<string> {
  const user = lab.keyUsers.nopasswdSudo
  const r = await api.call<ConnectResult>('connections.connect', {
    host: n1.address,
    port: n1.sshPort,
    username: user.name,
    auth: { kind: 'key', privateKeyPath: user.privateKeyPath }
  })
  if (r.status !== 'connected') throw new Error(`expected connected, got ${r.status}`)
  return r.connection.id
}

async function flowOf(id: string): Promise<TerminalInfo['flow'] | undefined> {
  return (await api.call<TerminalInfo[]>('terminal.list', {})).find((t) => t.id === id)?.flow
}

describe('a terminal on a lab node', () => {
  it('runs as the login user, answers hostname, follows a resize, survives a flood with bounded buffers, and frees its channel on close', async () => {
    const connectionId = await connectAsKeyUser()
    const t = await api.openTerminal(connectionId, 100, 30)
    expect(t).toMatchObject({ kind: 'node', connectionId, user: lab.keyUsers.nopasswdSudo.name })

    // The node's name, and who we are: the connection's login user, no sudo in between.
    await api.type(t.id, 'echo "HOST=$(hostname) USER=$(id -un)"')
    await api.expectOutput(t.id, new RegExp(`HOST=n1 USER=${lab.keyUsers.nopasswdSudo.name}\\r?\\n`), 'hostname and user')

    // The PTY was opened at 100x30, and a resize reaches it.
    await api.type(t.id, 'echo "SIZE=$(stty size)"')
    await api.expectOutput(t.id, /SIZE=30 100\r?\n/, 'the opening size')
    await api.call('terminal.resize', { id: t.id, cols: 132, rows: 43 })
    await api.type(t.id, 'echo "SIZE=$(stty size)"')
    await api.expectOutput(t.id, /SIZE=43 132\r?\n/, 'the new size')

    // The shell's pid, to check that close ends it on the node.
    await api.type(t.id, 'echo "PID=$$"')
    const shellPid = (await api.expectOutput(t.id, /PID=(\d+)\r?\n/, 'the shell pid'))[1]!

    // Flood: 50 MB through a renderer that acknowledges only every 25 ms. Sample the backend's
    // buffers meanwhile; they must stay bounded by the watermarks and the SSH window.
    api.acking = false
    const rssBefore = process.memoryUsage().rss
    const start = api.receivedChars(t.id)
    await api.type(t.id, 'yes | head -c 50000000; echo "FLOOD-$((40+2))"')
    let maxUnacked = 0
    let maxSourceBuffered = 0
    let maxRss = rssBefore
    let lastFlow: TerminalInfo['flow'] | undefined
    await waitFor(
      'the flood to finish',
      async () => {
        const f = await flowOf(t.id)
        if (f) {
          lastFlow = f
          maxUnacked = Math.max(maxUnacked, f.unackedChars)
          maxSourceBuffered = Math.max(maxSourceBuffered, f.sourceBufferedBytes)
        }
        maxRss = Math.max(maxRss, process.memoryUsage().rss)
        await api.ackAll(t.id)
        return /FLOOD-42\r?\n/.test(api.tail(t.id))
      },
      110_000,
      25
    )
    api.acking = true
    await api.ackAll(t.id)
    const flooded = api.receivedChars(t.id) - start
    console.log(
      `terminal flood: ${flooded} characters delivered; backend max unacknowledged ${maxUnacked} chars, ` +
        `max held in the SSH channel ${maxSourceBuffered} bytes, source paused ${lastFlow?.pauses ?? 0} times; ` +
        `process RSS ${Math.round(rssBefore / 1e6)} MB before, ${Math.round(maxRss / 1e6)} MB at most; largest event ${api.largestChunk} chars`
    )
    // `yes` printed 50,000,000 bytes; the PTY turns each "\n" into "\r\n".
    expect(flooded).toBeGreaterThanOrEqual(50_000_000)
    expect(lastFlow?.pauses ?? 0).toBeGreaterThan(0)
    expect(maxUnacked).toBeLessThanOrEqual(TERMINAL_HIGH_WATERMARK + TERMINAL_OUTPUT_MAX_CHARS)
    // ssh2 holds at most its 2 MiB read buffer plus the 2 MiB window it granted, whatever the flood.
    expect(maxSourceBuffered).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024)
    expect(api.largestChunk).toBeLessThanOrEqual(TERMINAL_OUTPUT_MAX_CHARS)

    // Still answering after the flood.
    await api.type(t.id, 'echo "ALIVE=$((6*7))"')
    await api.expectOutput(t.id, /ALIVE=42\r?\n/, 'an answer after the flood')

    // Close: the exit is reported as closed, the shell is gone from the node.
    await api.call('terminal.close', { id: t.id })
    await waitFor('the exit event', () => api.exits.some((e) => e.id === t.id), 20_000)
    expect(api.exits.find((e) => e.id === t.id)).toMatchObject({ reason: 'closed', message: 'Terminal closed.' })
    await waitFor('the shell to end on the node', async () => (await nodeExec('n1', ['kill', '-0', shellPid], { timeoutMs: 10_000 })).code !== 0, 20_000)
    expect(await api.call<TerminalInfo[]>('terminal.list', {})).toEqual([])

    // The channel is free: the two terminals a connection may have open again.
    const a = await api.openTerminal(connectionId)
    const b = await api.openTerminal(connectionId)
    const third = await api.callRaw('terminal.open', { kind: 'node', connectionId, cols: 80, rows: 24 })
    expect(third).toMatchObject({ ok: false, error: { kind: 'conflict' } })
    await api.type(b.id, 'echo "B=$((1+1))"')
    await api.expectOutput(b.id, /B=2\r?\n/, 'the second terminal')

    // Disconnect closes both, saying so (not as a dropped link).
    await api.call('connections.disconnect', { id: connectionId })
    await waitFor('both exits', () => [a.id, b.id].every((id) => api.exits.some((e) => e.id === id)), 20_000)
    for (const id of [a.id, b.id]) {
      expect(api.exits.find((e) => e.id === id)).toMatchObject({ reason: 'closed', message: /disconnected/ })
    }
  })

  it('a dropped SSH connection ends the terminal with a clear message', async () => {
    const before = new Set((await sshdConnections('n1')).map((c) => c.peer))
    const connectionId = await connectAsKeyUser()
    const ours = await newSshdConnections('n1', lab.hostAddress, before)
    expect(ours, JSON.stringify(ours)).toHaveLength(1)
    const t = await api.openTerminal(connectionId)
    await api.type(t.id, 'echo "READY=$((2+3))"')
    await api.expectOutput(t.id, /READY=5\r?\n/, 'the shell')

    const killed = await nodeExec('n1', ['kill', '-KILL', ...ours[0]!.pids.map(String)], { timeoutMs: 10_000 })
    expect(killed.code, killed.stderr).toBe(0)
    await waitFor('the exit event', () => api.exits.some((e) => e.id === t.id), 20_000)
    const exit = api.exits.find((e) => e.id === t.id)!
    expect(exit.reason).toBe('dropped')
    expect(exit.message).toMatch(new RegExp(`SSH connection to ${lab.keyUsers.nopasswdSudo.name}@${n1.address.replace(/\./g, '\\.')} dropped.*Reconnect to the node, then open a new terminal`))
    expect(await api.call<TerminalInfo[]>('terminal.list', {})).toEqual([])
    await api.call('connections.forget', { id: connectionId })
  })
})
