// Two edges of the browser-mode server that need no lab: an HTML file served under an
// upper-case name still carries the CSP, and a start that fails (port taken) leaves no
// listener on the backend's event hub.
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiHandlers } from '../../../electron/api/contract'
import { createEventHub, type EventHub } from '../../../electron/backend/events'
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
    handlers: {} as ApiHandlers,
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
