// Small real clients for browser mode: raw HTTP (exact paths, no normalisation) and a
// WebSocket API client speaking electron/api/ws-protocol.ts. Every wait is bounded.
import * as http from 'node:http'
import WebSocket from 'ws'
import type { ApiEvent, ApiEventPayload, ApiInput, ApiMethod } from '../../../electron/api/contract'
import type { ApiResultEnvelope } from '../../../electron/api/names'
import { WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type ServerMessage } from '../../../electron/api/ws-protocol'

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** GET a path exactly as given (Node's client does not collapse '..'). */
export function rawGet(port: number, pathname: string, headers: http.OutgoingHttpHeaders = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'GET', headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${pathname} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

export type UpgradeOutcome = { opened: true; ws: WebSocket; protocol: string } | { opened: false; status: number; body: string }

/** Try to open the API WebSocket; resolves with the refusal status instead of throwing. */
export function tryOpen(port: number, protocols: string[], opts: { origin?: string; host?: string } = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    if (opts.host) headers.Host = opts.host
    const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_PATH}`, protocols, {
      ...(opts.origin ? { origin: opts.origin } : {}),
      headers,
      handshakeTimeout: 5000
    })
    ws.on('open', () => resolve({ opened: true, ws, protocol: ws.protocol }))
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', () => resolve({ opened: false, status: res.statusCode ?? 0, body: '' }))
    })
    ws.on('error', (err) => reject(err))
  })
}

/** Open the API WebSocket with the session token, or throw with the server's refusal. */
export async function openApiSocket(port: number, token: string): Promise<WebSocket> {
  const r = await tryOpen(port, [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
  if (!r.opened) throw new Error(`WebSocket refused: ${r.status} ${r.body}`)
  return r.ws
}

/**
 * A typed API client over the browser-mode WebSocket, for tests. It keeps every event it is
 * sent; a client that must not (the terminal client, whose output events can be a flood)
 * extends it and overrides onEvent.
 */
export class WsApi {
  private nextId = 1
  private readonly pending = new Map<number, (e: ApiResultEnvelope) => void>()
  readonly events: Array<{ event: string; payload: unknown }> = []

  protected constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage
      if (msg.t === 'result') {
        const { t: _t, id, ...envelope } = msg
        this.pending.get(id)?.(envelope as ApiResultEnvelope)
        this.pending.delete(id)
      } else {
        this.onEvent(msg.event, msg.payload)
      }
    })
  }

  static async open(port: number, token: string): Promise<WsApi> {
    return new WsApi(await openApiSocket(port, token))
  }

  /** Every event the server sends; kept in `events` unless a subclass says otherwise. */
  protected onEvent(event: string, payload: unknown): void {
    this.events.push({ event, payload })
  }

  /** Raw envelope (ok/value or ok/error), so tests can assert on error values. */
  callRaw<M extends ApiMethod>(method: M, input: ApiInput<M>, timeoutMs = 60_000): Promise<ApiResultEnvelope> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${method} got no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, (e) => {
        clearTimeout(timer)
        resolve(e)
      })
      this.ws.send(JSON.stringify({ t: 'call', id, method, input }))
    })
  }

  eventsOf<E extends ApiEvent>(event: E): Array<ApiEventPayload<E>> {
    return this.events.filter((e) => e.event === event).map((e) => e.payload as ApiEventPayload<E>)
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve()
      const t = setTimeout(() => {
        this.ws.terminate()
        resolve()
      }, 2000)
      this.ws.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      this.ws.close()
    })
  }
}
