// Edges of the browser-mode server that need no lab: an HTML file served under an
// upper-case name still carries the CSP, a start that fails (port taken) leaves no
// listener on the backend's event hub, and the WebSocket's limits (issue 9 item 17): a
// message over the cap closes with 1009, a binary frame with 1003, both with real clients.
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ApiHandlers } from '../../../electron/api/contract'
import {
  CloseCodes,
  MAX_CLIENT_MESSAGE_BYTES,
  WS_PATH,
  WS_PROTOCOL,
  WS_TOKEN_PREFIX
} from '../../../electron/api/ws-protocol'
import { createEventHub, type EventHub } from '../../../electron/backend/events'
import { FILE_ONLY } from '../../../electron/backend/store/secret-protection'
import { createWebServer, type WebServer } from '../../../electron/web/server'

let tmp: string
const closers: Array<() => Promise<void>> = []

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-web-edges-'))
  fs.writeFileSync(path.join(tmp, 'index.html'), '<!doctype html>')
  fs.writeFileSync(path.join(tmp, 'PAGE.HTML'), '<!doctype html><p>upper case</p>')
})

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

/** An event hub that counts live subscriptions, around the real one. */
function countingHub(): EventHub & { live(): number } {
  const hub = createEventHub()
  let live = 0
  return {
    ...hub,
    on(event, listener) {
      live++
      const off = hub.on(event, listener)
      return () => {
        live--
        off()
      }
    },
    live: () => live
  }
}

function backendWith(events: EventHub) {
  return {
    // One real handler, so a test can show the server still answers after refusing a client.
    handlers: { 'app.info': async () => ({ version: '0.0.0-test', mode: 'browser' as const, secretStorage: FILE_ONLY }) } as unknown as ApiHandlers,
    toApiError: () => ({ kind: 'internal' as const, message: 'not used here' }),
    events
  }
}

function get(port: number, pathname: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, timeout: 5000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${pathname} timed out`)))
    req.on('error', reject)
  })
}

async function start(events: EventHub, port?: number): Promise<WebServer> {
  const server = await createWebServer({ backend: backendWith(events), staticDir: tmp, log: () => {}, ...(port ? { port } : {}) })
  closers.push(() => server.close())
  return server
}

describe('browser-mode server edges', () => {
  it('serves an .HTML file as HTML with the CSP, like index.html', async () => {
    const server = await start(countingHub())
    for (const p of ['/', '/PAGE.HTML']) {
      const res = await get(server.port, p)
      expect(res.statusCode, p).toBe(200)
      expect(res.headers['content-type'], p).toBe('text/html; charset=utf-8')
      expect(String(res.headers['content-security-policy']), p).toContain("script-src 'self'")
      expect(res.headers['cache-control'], p).toBe('no-store')
    }
  })

  it('a start on a taken port fails and leaves no listener on the event hub', async () => {
    const first = countingHub()
    const running = await start(first)
    expect(first.live()).toBeGreaterThan(0)

    const second = countingHub()
    await expect(start(second, running.port)).rejects.toThrow(/EADDRINUSE/)
    expect(second.live()).toBe(0)
  })
})

/** An authenticated WebSocket client; resolves once open. */
function openClient(server: WebServer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + server.token], {
      handshakeTimeout: 5000
    })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Resolves with the close code and reason the server sent (bounded). */
function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not close the socket within 10 s')), 10_000)
    ws.on('error', () => {}) // the close event carries what we check
    ws.once('close', (code, reason) => {
      clearTimeout(t)
      resolve({ code, reason: reason.toString() })
    })
  })
}

/** One call over a fresh socket, to show the server still serves after a refusal. */
async function appInfo(server: WebServer): Promise<unknown> {
  const ws = await openClient(server)
  try {
    const reply = new Promise<unknown>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply to app.info within 10 s')), 10_000)
      ws.once('message', (d) => {
        clearTimeout(t)
        resolve(JSON.parse(String(d)))
      })
    })
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'app.info', input: {} }))
    return await reply
  } finally {
    ws.close()
  }
}

/** A text call message of exactly `bytes` bytes (padding in an input field the schema refuses). */
function callOfSize(bytes: number): string {
  const head = JSON.stringify({ t: 'call', id: 7, method: 'app.info', input: { pad: '' } })
  return head.replace('"pad":""', `"pad":"${'x'.repeat(bytes - head.length)}"`)
}

describe('browser-mode WebSocket limits', () => {
  it(`a message over the cap (${MAX_CLIENT_MESSAGE_BYTES} bytes) closes the socket with 1009; others are still served`, async () => {
    const server = await start(countingHub())
    const ws = await openClient(server)
    const done = closed(ws)
    ws.send(callOfSize(MAX_CLIENT_MESSAGE_BYTES + 1))
    expect((await done).code).toBe(CloseCodes.messageTooBig)
    expect(CloseCodes.messageTooBig).toBe(1009)
    expect(await appInfo(server)).toMatchObject({ t: 'result', id: 1, ok: true })
  })

  it('the cap counts the whole message, not one frame: small fragments adding up past it close with 1009', async () => {
    const server = await start(countingHub())
    const ws = await openClient(server)
    const done = closed(ws)
    const msg = callOfSize(MAX_CLIENT_MESSAGE_BYTES + 1)
    const step = 64 * 1024
    for (let i = 0; i < msg.length; i += step) ws.send(msg.slice(i, i + step), { fin: i + step >= msg.length })
    expect((await done).code).toBe(CloseCodes.messageTooBig)
  })

  it('a message exactly at the cap is read and answered (an invalid-input error value, the socket stays open)', async () => {
    const server = await start(countingHub())
    const ws = await openClient(server)
    try {
      const reply = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))))
      const msg = callOfSize(MAX_CLIENT_MESSAGE_BYTES)
      expect(Buffer.byteLength(msg)).toBe(MAX_CLIENT_MESSAGE_BYTES)
      ws.send(msg)
      const r = await reply
      expect(r).toMatchObject({ t: 'result', id: 7, ok: false, error: { kind: 'invalid-input' } })
      expect(ws.readyState).toBe(WebSocket.OPEN)
    } finally {
      ws.close()
    }
  })

  it('a binary frame closes the socket with 1003 (unsupported data) and says why', async () => {
    const server = await start(countingHub())
    const ws = await openClient(server)
    const done = closed(ws)
    ws.send(Buffer.from(JSON.stringify({ t: 'call', id: 1, method: 'app.info', input: {} })), { binary: true })
    const c = await done
    expect(c.code).toBe(CloseCodes.unsupportedData)
    expect(c.code).toBe(1003)
    expect(c.reason).toMatch(/binary/)
    expect(await appInfo(server)).toMatchObject({ t: 'result', id: 1, ok: true })
  })
})
