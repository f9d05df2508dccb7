// renderer/src/services/api.ts — the client the UI uses in browser mode — against the real
// browser-mode server and backend. The client is bundled as the renderer build would (the
// '@api' alias resolved by esbuild) and runs in Node with the two browser globals it needs:
// `WebSocket` (the ws package implements the same interface) and a minimal `window`
// (location + sessionStorage). The e2e test covers the same client in real Chromium.
import { build } from 'esbuild'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { WebSocket as WsWebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { createWebServer, type WebServer } from '../../../electron/web/server'
import { waitFor } from '../../support/wait-for'

// The renderer module's shape, spelled out here: importing its types would pull DOM-typed
// renderer code into the Node type check.
interface ClientApi {
  readonly mode: 'electron' | 'browser'
  readonly status: string
  call(method: string, input?: unknown): Promise<any> // eslint-disable-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (payload: any) => void): () => void // eslint-disable-line @typescript-eslint/no-explicit-any
  onStatus(listener: (status: string) => void): () => void
  dispose(): void
}
interface ClientError extends Error {
  readonly kind: string
  readonly error: { kind: string; message: string; field?: string }
}
interface ClientModule {
  createApiClient(): ClientApi
  ApiCallError: new (...args: never[]) => ClientError
}

const repo = path.resolve(__dirname, '../../..')
let tmp: string
let backend: Backend
let server: WebServer
let mod: ClientModule
const storage = new Map<string, string>()

function setPage(hash: string): void {
  const origin = `http://127.0.0.1:${server.port}`
  ;(globalThis as Record<string, unknown>).window = {
    location: { hash, protocol: 'http:', host: `127.0.0.1:${server.port}`, origin, href: `${origin}/${hash}` },
    sessionStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v)
    }
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-client-'))
  fs.mkdirSync(path.join(tmp, 'renderer'))
  fs.writeFileSync(path.join(tmp, 'renderer', 'index.html'), '<!doctype html>')
  backend = createBackend({ dataDir: path.join(tmp, 'data'), mode: 'browser' })
  server = await createWebServer({ backend, staticDir: path.join(tmp, 'renderer'), log: () => {} })

  const outfile = path.join(tmp, 'api-client.cjs')
  await build({
    absWorkingDir: repo,
    entryPoints: [path.join(repo, 'renderer/src/services/api.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'api-alias',
        setup(b) {
          b.onResolve({ filter: /^@api\// }, (a) => ({ path: path.join(repo, 'electron/api', a.path.slice(5) + '.ts') }))
        }
      }
    ]
  })
  ;(globalThis as Record<string, unknown>).WebSocket = WsWebSocket
  setPage('')
  mod = require(outfile) as ClientModule
})

afterAll(async () => {
  await server?.close()
  await backend?.dispose()
  delete (globalThis as Record<string, unknown>).window
  delete (globalThis as Record<string, unknown>).WebSocket
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

describe('renderer api client (browser mode)', { timeout: 30_000 }, () => {
  it('with the token in the URL: opens, calls, receives events, keeps the token for a reload', async () => {
    storage.clear()
    setPage(`#token=${server.token}`)
    const api = mod.createApiClient()
    try {
      expect(api.mode).toBe('browser')
      // Calls made before the socket is open are queued, not lost.
      const info = await api.call('app.info')
      expect(info.mode).toBe('browser')
      expect(api.status).toBe('open')
      expect(storage.get('havip.token')).toBe(server.token)

      const logs: string[] = []
      const off = api.on('backend.log', (e) => logs.push(e.message))
      await api.call('hostKeys.trust', { host: '198.51.100.251', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:clientTest' })
      await waitFor('the backend.log event', () => logs.some((m) => m.includes('SHA256:clientTest')), 5000, 20)
      off()
      await api.call('hostKeys.forget', { host: '198.51.100.251', port: 22 })
    } finally {
      api.dispose()
    }

    // "Reload": no hash any more, the token comes from sessionStorage.
    setPage('')
    const reloaded = mod.createApiClient()
    try {
      expect((await reloaded.call('app.info')).mode).toBe('browser')
    } finally {
      reloaded.dispose()
    }
  })

  it('rejects invalid input with an ApiCallError naming the field', async () => {
    setPage(`#token=${server.token}`)
    const api = mod.createApiClient()
    try {
      const err = await api.call('nodes.facts', { connectionId: '' }).then(
        () => null,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(mod.ApiCallError)
      const e = err as ClientError
      expect(e.kind).toBe('invalid-input')
      expect(e.error.field).toBe('connectionId')
    } finally {
      api.dispose()
    }
  })

  it('a call larger than the server accepts in one message is refused by the client, and the link stays up', async () => {
    setPage(`#token=${server.token}`)
    const api = mod.createApiClient()
    try {
      expect((await api.call('app.info')).mode).toBe('browser')
      const huge = { host: '198.51.100.11', username: 'root', auth: { kind: 'password', password: 'p'.repeat(2 * 1024 * 1024) } }
      const err = await api.call('connections.connect', huge).then(
        () => null,
        (e: unknown) => e as ClientError
      )
      expect(err).toBeInstanceOf(mod.ApiCallError)
      expect(err!.kind).toBe('invalid-input')
      expect(err!.message).toMatch(/more than the 1048576 bytes/)
      // Nothing was sent, so the server did not close the socket: the next call goes through at once.
      expect(api.status).toBe('open')
      expect((await api.call('app.info')).mode).toBe('browser')
    } finally {
      api.dispose()
    }
  })

  it('without a token: status no-token and calls fail with a message saying the URL needs its token', async () => {
    storage.clear()
    setPage('')
    const api = mod.createApiClient()
    try {
      expect(api.status).toBe('no-token')
      await expect(api.call('app.info')).rejects.toThrow(/needs its token/)
    } finally {
      api.dispose()
    }
  })

  it('with a wrong token: status becomes unauthorized and calls are rejected, not retried forever', async () => {
    storage.clear()
    setPage('#token=' + 'W'.repeat(32))
    const api = mod.createApiClient()
    try {
      const statuses: string[] = []
      api.onStatus((s) => statuses.push(s))
      const pending = api.call('app.info')
      await expect(pending).rejects.toThrow(/refused this browser-mode token/)
      await waitFor('status unauthorized', () => api.status === 'unauthorized', 5000, 20)
      expect(statuses).toContain('unauthorized')
      await expect(api.call('connections.list')).rejects.toThrow(/refused/)
    } finally {
      api.dispose()
    }
  })

  it('when the server goes away, in-flight calls are rejected with a clear "disconnected" error', async () => {
    // A second server of our own, so closing it does not disturb the other tests.
    const b2 = createBackend({ dataDir: path.join(tmp, 'data2'), mode: 'browser' })
    const s2 = await createWebServer({ backend: b2, staticDir: path.join(tmp, 'renderer'), log: () => {} })
    const origin = `http://127.0.0.1:${s2.port}`
    ;(globalThis as Record<string, unknown>).window = {
      location: { hash: `#token=${s2.token}`, protocol: 'http:', host: `127.0.0.1:${s2.port}`, origin, href: origin },
      sessionStorage: { getItem: () => null, setItem: () => {} }
    }
    const api = mod.createApiClient()
    try {
      expect((await api.call('app.info')).mode).toBe('browser')
      // Hold a call open inside the backend so it is in flight when the socket drops.
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      const original = b2.handlers['hostKeys.list']
      b2.handlers['hostKeys.list'] = async () => {
        await gate
        return original({})
      }
      const inflight = api.call('hostKeys.list')
      await new Promise((r) => setTimeout(r, 100))
      await s2.close()
      const err = await inflight.then(
        () => null,
        (e: unknown) => e as ClientError
      )
      release()
      expect(err).toBeInstanceOf(mod.ApiCallError)
      expect(err!.kind).toBe('disconnected')
      expect(err!.message).toMatch(/dropped/)
      await waitFor('status closed', () => api.status === 'closed', 5000, 20)
    } finally {
      api.dispose()
      await s2.close()
      await b2.dispose()
    }
  })
})
