// Browser mode's front door, with real clients against a real server: the token is required
// on the API (HTTP and WebSocket), cross-origin and DNS-rebinding requests are refused,
// static files cannot be escaped, and the built `node out/node/web.cjs` starts, prints its
// URL and stops cleanly on SIGTERM.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { createWebServer, type WebServer } from '../../../electron/web/server'
import { SESSION_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, CloseCodes } from '../../../electron/api/ws-protocol'
import { rawGet, tryOpen, WsApi } from './helpers'

const repo = path.resolve(__dirname, '../../..')
let tmp: string
let staticDir: string
let backend: Backend
let server: WebServer

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-web-'))
  // A stand-in renderer build plus a secret file right NEXT to it that must never be served.
  staticDir = path.join(tmp, 'renderer')
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true })
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>HAVIP test shell</title>')
  fs.writeFileSync(path.join(staticDir, 'assets', 'app-1234.js'), 'console.log("app")')
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP-SECRET-NEXT-TO-ROOT')
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(staticDir, 'assets', 'link.txt'))
  backend = createBackend({ dataDir: path.join(tmp, 'data'), mode: 'browser' })
  server = await createWebServer({ backend, staticDir, log: () => {} })
})

afterAll(async () => {
  await server?.close()
  await backend?.dispose()
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('browser mode: token', () => {
  it('prints a URL with a random base64url token of 24 bytes', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{32}$/)
    expect(server.url.endsWith(server.token)).toBe(true)
  })

  it('HTTP /api without token -> 401, wrong token -> 401, right token -> 200', async () => {
    const none = await rawGet(server.port, SESSION_PATH)
    expect(none.status).toBe(401)
    expect(none.body).toContain('token')
    const wrong = await rawGet(server.port, SESSION_PATH, { Authorization: `Bearer ${'A'.repeat(32)}` })
    expect(wrong.status).toBe(401)
    const right = await rawGet(server.port, SESSION_PATH, { Authorization: `Bearer ${server.token}` })
    expect(right.status).toBe(200)
    expect(JSON.parse(right.body)).toEqual({ ok: true, mode: 'browser' })
    // Plain GET on the WebSocket endpoint without a token is refused too.
    expect((await rawGet(server.port, '/api')).status).toBe(401)
  })

  it('WebSocket upgrade without token is refused with 401', async () => {
    const r = await tryOpen(server.port, [WS_PROTOCOL])
    expect(r.opened).toBe(false)
    if (!r.opened) {
      expect(r.status).toBe(401)
      expect(r.body).toMatch(/token is missing/)
    }
  })

  it('WebSocket upgrade with a wrong token (also one of a different length) is refused with 401', async () => {
    for (const bad of [server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A'), 'short', server.token + 'x']) {
      const r = await tryOpen(server.port, [WS_PROTOCOL, WS_TOKEN_PREFIX + bad])
      expect(r.opened, bad).toBe(false)
      if (!r.opened) expect(r.status).toBe(401)
    }
  })

  it('right token -> app.info works over the WebSocket', async () => {
    const api = await WsApi.open(server.port, server.token)
    try {
      expect(api.ws.protocol).toBe(WS_PROTOCOL)
      const r = await api.callRaw('app.info', {})
      expect(r).toMatchObject({ ok: true, value: { mode: 'browser' } })
    } finally {
      await api.close()
    }
  })

  it('invalid input comes back as an invalid-input error value naming the field', async () => {
    const api = await WsApi.open(server.port, server.token)
    try {
      const r = await api.callRaw('connections.connect', { host: '198.51.100.11', port: 0, username: 'root', auth: { kind: 'agent' } })
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.kind).toBe('invalid-input')
        expect(r.error.field).toBe('port')
      }
      const u = await api.callRaw('nodes.launchMissiles' as 'app.info', {})
      expect(!u.ok && u.error.message).toMatch(/Unknown API method/)
    } finally {
      await api.close()
    }
  })

  it('events reach WebSocket clients (backend.log after hostKeys.trust)', async () => {
    const api = await WsApi.open(server.port, server.token)
    try {
      const fp = 'SHA256:eventTestFingerprint000000000000000000000000'
      await api.callRaw('hostKeys.trust', { host: '198.51.100.250', port: 2222, keyType: 'ssh-ed25519', fingerprint: fp })
      const deadline = Date.now() + 3000
      while (!api.eventsOf('backend.log').some((e) => e.message.includes(fp)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(api.eventsOf('backend.log').some((e) => e.message.includes(fp))).toBe(true)
      await api.callRaw('hostKeys.forget', { host: '198.51.100.250', port: 2222 })
    } finally {
      await api.close()
    }
  })

  it('a message that is not the protocol closes the socket with a reason', async () => {
    const api = await WsApi.open(server.port, server.token)
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      api.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    )
    api.ws.send('this is not json')
    const c = await closed
    expect(c.code).toBe(CloseCodes.protocolError)
    expect(c.reason).toMatch(/not JSON/)
  })
})

describe('browser mode: origin and host checks', () => {
  it('a cross-origin WebSocket (even with the right token) is refused with 403', async () => {
    const r = await tryOpen(server.port, [WS_PROTOCOL, WS_TOKEN_PREFIX + server.token], { origin: 'http://evil.example' })
    expect(r.opened).toBe(false)
    if (!r.opened) expect(r.status).toBe(403)
    const r2 = await tryOpen(server.port, [WS_PROTOCOL, WS_TOKEN_PREFIX + server.token], { origin: 'http://127.0.0.1:1' })
    expect(r2.opened).toBe(false)
  })

  it('a same-origin WebSocket with the token is accepted', async () => {
    const r = await tryOpen(server.port, [WS_PROTOCOL, WS_TOKEN_PREFIX + server.token], { origin: `http://127.0.0.1:${server.port}` })
    expect(r.opened).toBe(true)
    if (r.opened) r.ws.terminate()
  })

  it('a cross-origin HTTP API request is refused with 403', async () => {
    const r = await rawGet(server.port, SESSION_PATH, { Authorization: `Bearer ${server.token}`, Origin: 'http://evil.example' })
    expect(r.status).toBe(403)
  })

  it('a foreign Host header (DNS rebinding) is refused, for pages and for the WebSocket', async () => {
    const page = await rawGet(server.port, '/', { Host: `evil.example:${server.port}` })
    expect(page.status).toBe(421)
    const r = await tryOpen(server.port, [WS_PROTOCOL, WS_TOKEN_PREFIX + server.token], {
      host: `evil.example:${server.port}`,
      origin: `http://evil.example:${server.port}`
    })
    expect(r.opened).toBe(false)
    if (!r.opened) expect(r.status).toBe(421)
    expect((await rawGet(server.port, '/', { Host: `localhost:${server.port}` })).status).toBe(200)
  })
})

describe('browser mode: static files', () => {
  it('serves the shell with a strict CSP and the right MIME types', async () => {
    const index = await rawGet(server.port, '/')
    expect(index.status).toBe(200)
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.body).toContain('HAVIP test shell')
    const csp = String(index.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(index.headers['x-content-type-options']).toBe('nosniff')
    const js = await rawGet(server.port, '/assets/app-1234.js')
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect((await rawGet(server.port, '/assets/missing.js')).status).toBe(404)
  })

  it('refuses path traversal in every spelling, never leaking the file next to the root', async () => {
    const attempts = [
      '/../package.json',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/assets/../../secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00/index.html',
      '/%zz',
      '/assets/link.txt' // a symlink pointing outside the root
    ]
    for (const p of attempts) {
      const r = await rawGet(server.port, p)
      expect([400, 403, 404], `${p} -> ${r.status}`).toContain(r.status)
      expect(r.body, p).not.toContain('TOP-SECRET')
      expect(r.body, p).not.toContain('"name": "havip-manager"')
    }
  })
})

describe('browser mode: the built server (out/node/web.cjs)', () => {
  let child: ChildProcess | undefined

  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
  })

  it('starts on a random port, prints HAVIP_READY with the token URL, refuses tokenless calls, stops on SIGTERM', async () => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build-node.mjs')], { cwd: repo, stdio: 'pipe', timeout: 60_000 })
    const dataDir = path.join(tmp, 'cli-data')
    child = spawn(process.execPath, [path.join(repo, 'out/node/web.cjs')], {
      cwd: repo,
      env: { ...process.env, HAVIP_PORT: '0', HAVIP_DATA_DIR: dataDir, HAVIP_STATIC_DIR: staticDir },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr!.on('data', () => {})
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no HAVIP_READY within 15 s; output: ${out}`)), 15_000)
      const check = (): void => {
        const m = /^HAVIP_READY (http:\/\/127\.0\.0\.1:(\d+)\/#token=[A-Za-z0-9_-]+)$/m.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      }
      child!.stdout!.on('data', check)
      child!.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)))
    })
    expect(out).toContain(`HAVIP Manager browser mode: ${url}`)
    const port = Number(new URL(url).port)
    const token = url.split('#token=')[1]!
    expect((fs.statSync(dataDir).mode & 0o777)).toBe(0o700)

    expect((await rawGet(port, SESSION_PATH)).status).toBe(401)
    const refused = await tryOpen(port, [WS_PROTOCOL])
    expect(refused.opened).toBe(false)
    const api = await WsApi.open(port, token)
    expect(await api.callRaw('app.info', {})).toMatchObject({ ok: true, value: { mode: 'browser' } })

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)))
    const closed = new Promise<number>((resolve) => api.ws.once('close', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await closed).toBe(CloseCodes.shuttingDown)
    expect(await exited).toBe(0)
  })
})
