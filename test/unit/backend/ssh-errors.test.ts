// SSH error mapping: Node's socket errors as net emits them, and real ssh2 errors produced by
// a real ssh2 client talking to a real ssh2 server over a Unix socket (no IP traffic).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Client, Server, type ConnectConfig } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mapSshError, SshError } from '../../../electron/backend/ssh/errors'
import { testHostKey } from '../../support/ssh-host-key'

const ctx = { host: '198.51.100.11', port: 22, phase: 'connect' as const }

/** The shape Node's net module gives a failed connect, plus the level ssh2 adds. */
function socketError(code: string, errno: number, syscall = 'connect'): Error {
  return Object.assign(new Error(`${syscall} ${code} 198.51.100.11:22`), {
    errno,
    code,
    syscall,
    address: '198.51.100.11',
    port: 22,
    level: 'client-socket'
  })
}

describe('mapSshError: socket errors', () => {
  const cases: Array<[string, number, string]> = [
    ['ECONNREFUSED', -111, 'refused'],
    ['EHOSTUNREACH', -113, 'unreachable'],
    ['ENETUNREACH', -101, 'unreachable'],
    ['ETIMEDOUT', -110, 'timeout'],
    ['ENOTFOUND', -3008, 'unreachable'],
    ['EAI_AGAIN', -3001, 'unreachable']
  ]
  for (const [code, errno, kind] of cases) {
    it(`${code} -> ${kind}, with host, port and a hint`, () => {
      const e = mapSshError(socketError(code, errno, code.startsWith('E') && code.length > 9 ? 'getaddrinfo' : 'connect'), ctx)
      expect(e).toBeInstanceOf(SshError)
      expect(e.kind).toBe(kind)
      expect(e.host).toBe('198.51.100.11')
      expect(e.message).toContain('198.51.100.11')
      expect(e.hint.length).toBeGreaterThan(20)
      expect(e.cause).toBeInstanceOf(Error)
    })
  }

  it('ECONNRESET is a refusal while connecting and a lost connection while running commands', () => {
    expect(mapSshError(socketError('ECONNRESET', -104, 'read'), ctx).kind).toBe('refused')
    expect(mapSshError(socketError('ECONNRESET', -104, 'read'), { ...ctx, phase: 'exec' }).kind).toBe('disconnected')
  })

  it('an unreadable key file is invalid input, naming the path problem', () => {
    const e = mapSshError(Object.assign(new Error("ENOENT: no such file or directory, open '/nope/id_ed25519'"), { code: 'ENOENT', errno: -2 }), {
      ...ctx,
      phase: 'auth'
    })
    expect(e.kind).toBe('invalid-input')
    expect(e.message).toContain('/nope/id_ed25519')
  })

  it('keeps an SshError as it is, and serialises to plain data without the cause', () => {
    const orig = new SshError({ kind: 'auth-failed', host: 'n1', message: 'm', hint: 'h', cause: new Error('x') })
    expect(mapSshError(orig, ctx)).toBe(orig)
    expect(orig.toInfo()).toEqual({ kind: 'auth-failed', message: 'm', host: 'n1', hint: 'h' })
  })

  it('maps ssh2 keepalive and lost-connection messages while running commands to disconnected', () => {
    const ka = Object.assign(new Error('Keepalive timeout'), { level: 'client-timeout' })
    expect(mapSshError(ka, { ...ctx, phase: 'exec' }).kind).toBe('disconnected')
    expect(mapSshError(new Error('No response from server'), { ...ctx, phase: 'exec' }).kind).toBe('disconnected')
    expect(mapSshError(new Error('Not connected'), { ...ctx, phase: 'exec' }).kind).toBe('disconnected')
  })

  it('maps non-Error throwables without crashing', () => {
    expect(mapSshError('weird', ctx).kind).toBe('unreachable')
    expect(mapSshError(undefined, { ...ctx, phase: 'exec' }).kind).toBe('command-failed')
  })
})

describe('mapSshError: real ssh2 errors over a Unix socket', () => {
  let dir: string
  let sshServer: Server
  let silentServer: net.Server
  let hangupServer: net.Server
  const accepted: net.Socket[] = []
  const sshSock = (): string => path.join(dir, 'ssh.sock')
  const silentSock = (): string => path.join(dir, 'silent.sock')
  const hangupSock = (): string => path.join(dir, 'hangup.sock')

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-ssherr-'))
    const hostKey = testHostKey().private
    sshServer = new Server({ hostKeys: [hostKey] }, (client) => {
      client.on('error', () => {})
      client.on('authentication', (c) => c.reject(['password', 'publickey']))
    })
    silentServer = net.createServer((s) => {
      accepted.push(s) // accepts, never speaks
      s.on('error', () => {})
    })
    hangupServer = net.createServer((s) => s.destroy()) // accepts, hangs up at once
    await Promise.all([
      new Promise<void>((r) => sshServer.listen(sshSock(), () => r())),
      new Promise<void>((r) => silentServer.listen(silentSock(), () => r())),
      new Promise<void>((r) => hangupServer.listen(hangupSock(), () => r()))
    ])
  })

  afterAll(async () => {
    for (const s of accepted) s.destroy()
    const closing = Promise.all([
      new Promise<void>((r) => sshServer.close(() => r())),
      new Promise<void>((r) => silentServer.close(() => r())),
      new Promise<void>((r) => hangupServer.close(() => r()))
    ])
    await Promise.race([closing, new Promise((r) => setTimeout(r, 2000))])
    fs.rmSync(dir, { recursive: true, force: true })
  })

  /** Connect a real ssh2 client through the given socket and return the first error it reports. */
  function firstError(sockPath: string, cfg: Partial<ConnectConfig>): Promise<unknown> {
    return new Promise((resolve) => {
      const c = new Client()
      const sock = net.connect(sockPath)
      sock.on('error', () => {}) // ssh2 reports it; a key error leaves the socket unused
      const timer = setTimeout(() => resolve(new Error('test: no error within 10 s')), 10_000)
      const done = (e: unknown): void => {
        clearTimeout(timer)
        c.removeAllListeners('error')
        c.on('error', () => {})
        c.end()
        sock.destroy()
        resolve(e)
      }
      c.on('error', done)
      c.on('ready', () => done(new Error('test: unexpectedly authenticated')))
      try {
        c.connect({ sock, username: 'root', readyTimeout: 5000, ...cfg })
      } catch (e) {
        done(e)
      }
    })
  }

  it("'All configured authentication methods failed' -> auth-failed", async () => {
    const raw = await firstError(sshSock(), { password: 'wrong' })
    expect((raw as Error).message).toMatch(/All configured authentication methods failed/)
    const e = mapSshError(raw, { ...ctx, phase: 'auth' })
    expect(e.kind).toBe('auth-failed')
    expect(e.hint).toMatch(/authorized_keys|password/)
  })

  it("a host key rejected by hostVerifier -> host-key-unknown", async () => {
    const raw = await firstError(sshSock(), { password: 'x', hostVerifier: () => false })
    expect((raw as Error).message).toMatch(/Host denied/)
    expect(mapSshError(raw, ctx).kind).toBe('host-key-unknown')
  })

  it("a server that never speaks -> 'Timed out while waiting for handshake' -> timeout", async () => {
    const raw = await firstError(silentSock(), { password: 'x', readyTimeout: 300 })
    expect((raw as Error).message).toMatch(/Timed out while waiting for handshake/)
    expect(mapSshError(raw, ctx).kind).toBe('timeout')
  })

  it('a server that hangs up before the handshake -> refused', async () => {
    const raw = await firstError(hangupSock(), { password: 'x' })
    const e = mapSshError(raw, ctx)
    expect(['refused', 'disconnected']).toContain(e.kind)
    expect(e.kind).toBe('refused')
  })

  it('an encrypted private key without passphrase -> invalid-input asking for the passphrase', async () => {
    const keyPath = path.join(dir, 'enc_key')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-C', '', '-f', keyPath], { timeout: 10_000 })
    const raw = await firstError(sshSock(), { privateKey: fs.readFileSync(keyPath) })
    expect((raw as Error).message).toMatch(/passphrase/)
    const e = mapSshError(raw, { ...ctx, phase: 'auth' })
    expect(e.kind).toBe('invalid-input')
    expect(e.hint).toMatch(/passphrase/)
  })
})
