/**
 * The control token that guards the Windows named pipe (agent/control/token.ts), exercised over
 * a Unix socket: ControlServer takes the same code path for both (only listening differs), so
 * a request without the token, or with a wrong one, is refused here exactly as on the pipe.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import { request, watch } from '../../../agent/control/client'
import { parseRequest } from '../../../agent/control/protocol'
import { ControlServer, isPipePath } from '../../../agent/control/server'
import { newToken, readTokenFile, tokenMatches, TOKEN_REFUSED, writeTokenFile } from '../../../agent/control/token'
import { createLogger } from '../../../agent/log'
import type { OsAdapter } from '../../../agent/os/os-adapter'

const dir = mkdtempSync(join(tmpdir(), 'havip-token-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function idleAgent(): Agent {
  return new Agent({ instances: [], scripts: [], transport: 'raw', udpPort: 0, controlSocket: join(dir, 'unused') }, { os: {} as OsAdapter, logger: createLogger({ stderr: false }) })
}

/** Sends raw lines on one connection; resolves with every line answered until the server closes it. */
function rawExchange(path: string, lines: string[]): Promise<{ answers: Record<string, unknown>[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path)
    let buf = ''
    const t = setTimeout(() => { c.destroy(); resolve({ answers: parse(), closedByServer: false }) }, 2000)
    const parse = (): Record<string, unknown>[] => buf.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    c.on('connect', () => c.write(lines.map((l) => `${l}\n`).join('')))
    c.on('data', (d) => (buf += d.toString()))
    c.on('error', reject)
    c.on('end', () => { clearTimeout(t); c.destroy(); resolve({ answers: parse(), closedByServer: true }) })
  })
}

describe('control token', () => {
  it('answers requests that carry the token, and refuses and disconnects those without it or with another', async () => {
    const token = newToken()
    const path = join(dir, 'a.sock')
    const server = new ControlServer(idleAgent(), path, { token })
    await server.start()
    try {
      const ok = await request(path, { cmd: 'status' }, 2000, token)
      expect(ok.ok).toBe(true)

      for (const bad of [undefined, '', newToken(), token.slice(0, 63), `${token}0`, token.toUpperCase()]) {
        const res = await request(path, { cmd: 'status' }, 2000, bad)
        expect(res).toEqual({ ok: false, error: TOKEN_REFUSED })
        expect(JSON.stringify(res)).not.toContain(token)
      }

      // A wrong token first: the connection ends there, a right one after it on the same connection is never read.
      const r = await rawExchange(path, [JSON.stringify({ cmd: 'takeover', token: 'x' }), JSON.stringify({ cmd: 'status', token })])
      expect(r.answers).toEqual([{ ok: false, error: TOKEN_REFUSED }])
      expect(r.closedByServer).toBe(true)

      // Garbage and non-string tokens are refused the same way, before the command is even parsed.
      for (const line of ['not json', '{"cmd":"nope"}', JSON.stringify({ cmd: 'status', token: 42 }), JSON.stringify({ cmd: 'status', token: [token] })]) {
        expect((await rawExchange(path, [line])).answers, line).toEqual([{ ok: false, error: TOKEN_REFUSED }])
      }

      // watch streams only with the token.
      const acks: Record<string, unknown>[] = []
      const ac = new AbortController()
      const watching = watch(path, (m) => { acks.push(m); ac.abort() }, ac.signal, token)
      await watching
      expect(acks[0]).toMatchObject({ ok: true, result: { watching: true } })
    } finally {
      await server.close()
    }
  })

  it('needs no token when the server has none (the Unix socket, guarded by its mode)', async () => {
    const path = join(dir, 'b.sock')
    const server = new ControlServer(idleAgent(), path)
    await server.start()
    try {
      expect((await request(path, { cmd: 'status' }, 2000)).ok).toBe(true)
      expect(statSync(path).mode & 0o777).toBe(0o600)
    } finally {
      await server.close()
    }
  })

  it('writes a fresh 256-bit token atomically, owner-only, and reads it back', () => {
    const file = join(dir, 'control.token')
    const a = newToken()
    writeTokenFile(file, a)
    expect(readTokenFile(file)).toBe(a)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const b = newToken()
    expect(b).not.toBe(a)
    expect(b).toMatch(/^[0-9a-f]{64}$/)
    writeTokenFile(file, b) // replaces the old one (a new start)
    expect(readFileSync(file, 'utf8')).toBe(`${b}\n`)
  })

  it('says what to do when the token file is missing, unreadable or not a token', () => {
    expect(() => readTokenFile(join(dir, 'nope.token'))).toThrow(/the agent is not running/)
    const junk = join(dir, 'junk.token')
    writeFileSync(junk, 'hello')
    expect(() => readTokenFile(junk)).toThrow(/does not hold a token/)
    expect(() => writeTokenFile(join(dir, 'no-such-dir', 'x.token'), newToken())).toThrow(/cannot write the control token .*SYSTEM/)
  })

  it('compares tokens only as equal strings', () => {
    const t = newToken()
    expect(tokenMatches(t, t)).toBe(true)
    for (const g of [undefined, null, 1, {}, [t], t.slice(1), `${t} `]) expect(tokenMatches(t, g)).toBe(false)
    expect(parseRequest(JSON.stringify({ cmd: 'status', token: t })).token).toBe(t)
    expect(() => parseRequest(JSON.stringify({ cmd: 'status', token: 1 }))).toThrow(/"token" must be a string/)
  })

  it('knows a named pipe path from a socket path', () => {
    for (const p of ['\\\\.\\pipe\\havip-agent', '//./pipe/havip-agent', '\\\\?\\pipe\\x']) expect(isPipePath(p), p).toBe(true)
    for (const p of ['/run/havip/agent.sock', 'C:\\ProgramData\\HAVIP\\agent.sock', '\\\\server\\share\\pipe\\x']) expect(isPipePath(p), p).toBe(false)
  })
})
