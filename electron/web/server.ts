// Browser mode: the same backend and UI without Electron. An HTTP server serves the built
// renderer (static files) and a WebSocket endpoint (/api) that carries the API table through
// the same dispatch() the Electron IPC uses.
//
// Who may talk to it: only someone holding the random token printed at start. The token is
// checked on the WebSocket upgrade (offered as a sub-protocol, see ws-protocol.ts) and on
// every /api HTTP request; the Origin header must be our own origin (stops cross-site
// WebSocket hijacking) and, on loopback, the Host header must name loopback (stops DNS
// rebinding). Static files carry no secrets and are served without the token, so the page
// can load and tell the user when its token is missing.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import { dispatch, type DispatchTarget } from '../api/dispatch'
import { apiEventNames } from '../api/names'
import {
  CloseCodes,
  MAX_CLIENT_MESSAGE_BYTES,
  SESSION_PATH,
  WS_PATH,
  WS_PROTOCOL,
  WS_TOKEN_PREFIX,
  type ServerMessage
} from '../api/ws-protocol'
import type { EventHub } from '../backend/events'

export interface WebServerOptions {
  backend: DispatchTarget & { events: EventHub }
  /** Directory with the built renderer (index.html at its root). */
  staticDir: string
  /** Bind address; default 127.0.0.1. */
  host?: string
  /** Port; default 0 = a free one. */
  port?: number
  /** Fixed token (tests); default 24 random bytes, base64url. */
  token?: string
  /** Where to report problems of the server itself (not API traffic). */
  log?: (line: string) => void
}

export interface WebServer {
  /** http://HOST:PORT/#token=... — what the admin opens. */
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm'
}

/** A client that does not read its events is dropped rather than buffered forever. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024

function isLoopbackAddress(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function contentSecurityPolicy(hostHeader: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${hostHeader}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'"
  ].join('; ')
}

export async function createWebServer(opts: WebServerOptions): Promise<WebServer> {
  const bindHost = opts.host ?? '127.0.0.1'
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const staticRoot = fs.realpathSync(opts.staticDir)
  let port = 0

  /** On loopback, only loopback names may appear in Host (DNS rebinding defence). */
  function hostAllowed(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false
    if (!isLoopbackAddress(bindHost)) return true
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(hostHeader)
    if (!m) return false
    const name = (m[1] ?? m[2] ?? '').toLowerCase()
    return Number(m[3]) === port && isLoopbackAddress(name)
  }

  /** A browser always sends Origin on WebSocket and cross-origin requests; it must be us. */
  function originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin
    if (origin === undefined) return true // not a browser (CLI, tests): the token still applies
    return origin === `http://${req.headers.host ?? ''}`
  }

  function bearerOk(req: http.IncomingMessage): boolean {
    const auth = req.headers.authorization
    const m = auth ? /^Bearer ([A-Za-z0-9_-]+)$/.exec(auth) : null
    return !!m?.[1] && sameSecret(m[1], token)
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: http.OutgoingHttpHeaders = {}): void {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...extra
    })
    res.end(text)
  }

  function sendText(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'X-Content-Type-Options': 'nosniff'
    })
    res.end(text)
  }

  const TOKEN_HELP = 'Open the URL that `npm run web` printed at start (http://127.0.0.1:PORT/#token=...).'

  function handleApiHttp(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
    if (!bearerOk(req)) {
      sendJson(
        res,
        401,
        { error: { kind: 'unauthorized', message: 'This request lacks the browser-mode token or the token is wrong.', hint: TOKEN_HELP } },
        { 'WWW-Authenticate': 'Bearer realm="havip"' }
      )
      return
    }
    if (pathname === SESSION_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { ok: true, mode: 'browser' })
      return
    }
    if (pathname === WS_PATH) {
      sendJson(res, 426, { error: { kind: 'invalid-input', message: 'The API is a WebSocket endpoint.', hint: `Open a WebSocket to ${WS_PATH}.` } }, { Upgrade: 'websocket' })
      return
    }
    sendJson(res, 404, { error: { kind: 'not-found', message: `No API endpoint ${pathname}.` } })
  }

  /** Map a URL path into staticRoot, or null if it tries to leave it. */
  function resolveStatic(pathname: string): string | null {
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      return null
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null
    // Refuse any '..' segment outright instead of normalising it away: no legitimate asset needs it.
    if (decoded.split('/').some((seg) => seg === '..')) return null
    const rel = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
    const full = path.resolve(staticRoot, rel)
    const back = path.relative(staticRoot, full)
    if (back.startsWith('..') || path.isAbsolute(back)) return null
    return full
  }

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' })
      res.end()
      return
    }
    const file = resolveStatic(pathname)
    if (!file) {
      sendText(res, 403, 'Forbidden: path outside the application.')
      return
    }
    let real: string
    let stat: fs.Stats
    try {
      real = fs.realpathSync(file)
      stat = fs.statSync(real)
    } catch {
      sendText(res, 404, 'Not found.')
      return
    }
    // A symlink inside the build must not lead outside it either.
    const back = path.relative(staticRoot, real)
    if (back.startsWith('..') || path.isAbsolute(back) || !stat.isFile()) {
      sendText(res, stat.isFile() ? 403 : 404, stat.isFile() ? 'Forbidden.' : 'Not found.')
      return
    }
    // One lower-cased extension decides both the type and the CSP: an "X.HTML" must not go out as HTML without it.
    const ext = path.extname(real).toLowerCase()
    const isHtml = ext === '.html'
    res.writeHead(200, {
      'Content-Type': MIME[ext] ?? 'application/octet-stream',
      'Content-Length': stat.size,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      // Hashed asset names change on every build; the shell must always be fresh.
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
      ...(isHtml ? { 'Content-Security-Policy': contentSecurityPolicy(req.headers.host ?? `127.0.0.1:${port}`) } : {})
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    fs.createReadStream(real)
      .on('error', () => res.destroy())
      .pipe(res)
  }

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req.headers.host)) {
      sendText(res, 421, 'Misdirected request: this server answers only to its loopback address.')
      return
    }
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/'
    if (!rawPath.startsWith('/')) {
      sendText(res, 400, 'Bad request path.')
      return
    }
    if (rawPath === WS_PATH || rawPath.startsWith(WS_PATH + '/')) {
      if (!originAllowed(req)) {
        sendJson(res, 403, { error: { kind: 'unauthorized', message: 'Cross-origin requests to the API are refused.' } })
        return
      }
      handleApiHttp(req, res, rawPath)
      return
    }
    serveStatic(req, res, rawPath)
  })

  // ---- WebSocket --------------------------------------------------------------------

  const wss = new WebSocketServer({
    noServer: true,
    // ws enforces it while reading frames and closes with 1009 (CloseCodes.messageTooBig).
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false)
  })
  const clients = new Set<WebSocket>()

  function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
    const body = JSON.stringify({ error: { kind: 'unauthorized', message: reason, hint: TOKEN_HELP } })
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const rawPath = (req.url ?? '/').split('?')[0]
    if (rawPath !== WS_PATH) return refuseUpgrade(socket, 404, `No WebSocket endpoint here; use ${WS_PATH}.`)
    if (!hostAllowed(req.headers.host)) return refuseUpgrade(socket, 421, 'Host header does not name this server.')
    if (!originAllowed(req)) return refuseUpgrade(socket, 403, 'Cross-origin WebSocket connections are refused.')
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
    const tokenOffer = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))
    if (!tokenOffer) return refuseUpgrade(socket, 401, 'The browser-mode token is missing.')
    if (!sameSecret(tokenOffer.slice(WS_TOKEN_PREFIX.length), token)) {
      return refuseUpgrade(socket, 401, 'The browser-mode token is wrong (it changes every time the server starts).')
    }
    if (!offered.includes(WS_PROTOCOL)) return refuseUpgrade(socket, 400, `Offer the sub-protocol ${WS_PROTOCOL}.`)
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws))
  })

  function send(ws: WebSocket, msg: ServerMessage): void {
    if (ws.readyState !== WebSocket.OPEN) return
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(1013, 'client too slow to read its messages')
      return
    }
    ws.send(JSON.stringify(msg))
  }

  function onClient(ws: WebSocket): void {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('error', () => clients.delete(ws))
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return ws.close(CloseCodes.unsupportedData, 'binary messages are not part of the protocol (text JSON only)')
      let msg: unknown
      try {
        msg = JSON.parse(data.toString())
      } catch {
        return ws.close(CloseCodes.protocolError, 'message is not JSON')
      }
      const call = msg as { t?: unknown; id?: unknown; method?: unknown; input?: unknown }
      if (call?.t !== 'call' || typeof call.id !== 'number' || !Number.isSafeInteger(call.id)) {
        return ws.close(CloseCodes.protocolError, 'expected {"t":"call","id":<integer>,"method":...,"input":...}')
      }
      const id = call.id
      void dispatch(opts.backend, call.method, call.input).then(
        (envelope) => send(ws, { t: 'result', id, ...envelope }),
        (err: unknown) =>
          send(ws, {
            t: 'result',
            id,
            ok: false,
            error: { kind: 'internal', message: `Dispatch failed: ${String(err)}`, hint: 'Report this bug with the backend log.' }
          })
      )
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: bindHost, port: opts.port ?? 0 }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  // Events fan out to every authenticated client; one subscription per event name, from the table.
  // Subscribed only once listening: a failed listen (port taken) must leave no listener behind.
  const unsubscribe = apiEventNames.map((event) =>
    opts.backend.events.on(event, (payload) => {
      for (const ws of clients) send(ws, { t: 'event', event, payload })
    })
  )
  server.on('error', (err) => log(`HAVIP web server error: ${err.message}`))
  const hostPart = bindHost.includes(':') ? `[${bindHost}]` : bindHost
  const origin = `http://${hostPart}:${port}`

  let closed: Promise<void> | undefined
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const u of unsubscribe) u()
        for (const ws of clients) ws.close(CloseCodes.shuttingDown, 'HAVIP Manager is shutting down')
        // Give clients a moment to receive the close frame, then cut what is left.
        const force = setTimeout(() => {
          for (const ws of clients) ws.terminate()
          server.closeAllConnections()
        }, 1000)
        force.unref()
        wss.close()
        server.close(() => {
          clearTimeout(force)
          resolve()
        })
        server.closeIdleConnections()
      })
      return closed
    }
  }
}
