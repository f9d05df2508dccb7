// The renderer's only way to the backend. Uses the Electron preload bridge (window.havip)
// when present, otherwise browser mode's WebSocket (/api) with the token from the URL.
//
//   const info = await api.call('app.info')
//   const off = api.on('backend.log', (e) => ...); off()
//   api.call(...) rejects with ApiCallError (err.error: { kind, message, hint?, node?, field? })
import type {
  ApiEvent,
  ApiEventPayload,
  ApiInput,
  ApiMethod,
  ApiOutput,
  HavipBridge
} from '@api/contract'
import { ApiCallError, type ApiError } from '@api/errors'
import type { ApiResultEnvelope } from '@api/names'
import {
  SESSION_PATH,
  WS_PATH,
  WS_PROTOCOL,
  WS_TOKEN_PREFIX,
  CloseCodes,
  MAX_CLIENT_MESSAGE_BYTES,
  type ClientMessage,
  type ServerMessage
} from '@api/ws-protocol'

declare global {
  interface Window {
    havip?: HavipBridge
  }
}

export { ApiCallError }
export type { ApiError }

/**
 * State of the link to the backend, for a status indicator:
 * - 'open': calls go through;  'connecting': (re)connecting, calls wait;
 * - 'no-token': browser mode opened without its token (#token=...): nothing will work;
 * - 'unauthorized': the token was refused (stale URL from a previous run);
 * - 'closed': the link dropped and is being retried with backoff.
 */
export type ApiLinkStatus = 'open' | 'connecting' | 'closed' | 'no-token' | 'unauthorized'

type CallArgs<M extends ApiMethod> = Record<string, never> extends ApiInput<M>
  ? [input?: ApiInput<M>]
  : [input: ApiInput<M>]

export interface ApiClient {
  readonly mode: 'electron' | 'browser'
  call<M extends ApiMethod>(method: M, ...args: CallArgs<M>): Promise<ApiOutput<M>>
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void
  /** Current link status (always 'open' in Electron). */
  readonly status: ApiLinkStatus
  /** Called on every status change; returns an unsubscribe function. */
  onStatus(listener: (status: ApiLinkStatus) => void): () => void
  /** Stop reconnecting and close the link (tests; a page never needs it). */
  dispose(): void
}

function unwrap<T>(method: string, envelope: ApiResultEnvelope): T {
  if (envelope.ok) return envelope.value as T
  throw new ApiCallError(envelope.error as ApiError, method)
}

// ---------------------------------------------------------------------------------------
// Electron: the preload bridge
// ---------------------------------------------------------------------------------------

function electronClient(bridge: HavipBridge): ApiClient {
  return {
    mode: 'electron',
    status: 'open',
    async call(method, ...args) {
      const envelope = await bridge.call(method, args[0] ?? {})
      return unwrap(method, envelope)
    },
    on(event, listener) {
      return bridge.on(event, listener as (payload: unknown) => void)
    },
    onStatus() {
      return () => {}
    },
    dispose() {}
  }
}

// ---------------------------------------------------------------------------------------
// Browser mode: WebSocket with token
// ---------------------------------------------------------------------------------------

const TOKEN_KEY = 'havip.token'
const BACKOFF_MIN_MS = 250
const BACKOFF_MAX_MS = 5000

/** Reads the token from '#token=...' (then keeps it in sessionStorage so a reload works). */
function takeToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash)
  if (match?.[1]) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, match[1])
    } catch {
      // sessionStorage may be disabled; the token then lives only in the URL.
    }
    return match[1]
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

const NO_TOKEN_ERROR: ApiError = {
  kind: 'disconnected',
  message: 'This browser-mode URL needs its token: the address has no "#token=..." part.',
  hint: 'Open the full URL that `npm run web` printed at start (http://127.0.0.1:PORT/#token=...).'
}

const UNAUTHORIZED_ERROR: ApiError = {
  kind: 'disconnected',
  message: 'The backend refused this browser-mode token (it changes every time the server starts).',
  hint: 'Open the URL that the running `npm run web` printed at start, including its #token=... part.'
}

const DROPPED_ERROR: ApiError = {
  kind: 'disconnected',
  message: 'The connection to the HAVIP Manager backend dropped before the call finished.',
  hint: 'Check that `npm run web` is still running; the page reconnects by itself. Then retry.'
}

interface Pending {
  method: string
  resolve(value: unknown): void
  reject(err: unknown): void
}

function browserClient(): ApiClient {
  const token = takeToken()
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const statusListeners = new Set<(s: ApiLinkStatus) => void>()
  const pending = new Map<number, Pending>()
  /** Calls made while the socket is not open yet; sent on open. */
  const queue: ClientMessage[] = []
  let status: ApiLinkStatus = token ? 'connecting' : 'no-token'
  let socket: WebSocket | null = null
  let nextId = 1
  let attempt = 0
  let everOpened = false
  let disposed = false
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined

  function setStatus(s: ApiLinkStatus): void {
    if (s === status) return
    status = s
    for (const l of statusListeners) l(s)
  }

  function failAll(error: ApiError): void {
    for (const [id, p] of pending) {
      pending.delete(id)
      p.reject(new ApiCallError(error, p.method))
    }
    for (const msg of queue.splice(0)) {
      const p = pending.get(msg.id)
      pending.delete(msg.id)
      p?.reject(new ApiCallError(error, msg.method))
    }
  }

  /** A refused upgrade gives the browser no reason; ask the HTTP endpoint why. */
  async function tokenIsRefused(): Promise<boolean> {
    try {
      const res = await fetch(`${window.location.origin}${SESSION_PATH}`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' })
      return res.status === 401 || res.status === 403
    } catch {
      return false // server down: not a token problem
    }
  }

  function scheduleReconnect(): void {
    if (disposed) return
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt)
    attempt += 1
    reconnectTimer = setTimeout(open, delay)
  }

  function open(): void {
    if (!token || disposed) return
    setStatus(socket || everOpened ? 'closed' : 'connecting')
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(`${scheme}//${window.location.host}${WS_PATH}`, [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
    socket = ws
    let opened = false

    ws.onopen = () => {
      opened = true
      everOpened = true
      attempt = 0
      setStatus('open')
      for (const msg of queue.splice(0)) ws.send(JSON.stringify(msg))
    }

    ws.onmessage = (ev: MessageEvent) => {
      let msg: ServerMessage
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage
      } catch {
        return // not ours; the server only sends JSON
      }
      if (msg.t === 'result') {
        const p = pending.get(msg.id)
        if (!p) return
        pending.delete(msg.id)
        try {
          p.resolve(unwrap(p.method, msg))
        } catch (err) {
          p.reject(err)
        }
      } else if (msg.t === 'event') {
        for (const l of listeners.get(msg.event) ?? []) {
          try {
            l(msg.payload)
          } catch (err) {
            console.error(`HAVIP: listener for ${msg.event} failed`, err)
          }
        }
      }
    }

    // Failures are handled in onclose (which always follows); without a handler some
    // WebSocket implementations treat the error as unhandled.
    ws.onerror = () => {}

    ws.onclose = (ev: CloseEvent) => {
      if (socket !== ws) return
      // In-flight calls cannot be resumed on a new socket: the backend may or may not have
      // run them. Reject them clearly; queued (unsent) calls wait for the next socket.
      for (const [id, p] of pending) {
        if (queue.some((m) => m.id === id)) continue
        pending.delete(id)
        p.reject(new ApiCallError(DROPPED_ERROR, p.method))
      }
      if (ev.code === CloseCodes.unauthorized) {
        setStatus('unauthorized')
        failAll(UNAUTHORIZED_ERROR)
        return
      }
      if (!opened) {
        void tokenIsRefused().then((refused) => {
          if (refused) {
            setStatus('unauthorized')
            failAll(UNAUTHORIZED_ERROR)
          } else {
            setStatus('closed')
            scheduleReconnect()
          }
        })
        return
      }
      setStatus('closed')
      scheduleReconnect()
    }
  }

  if (token) open()

  return {
    mode: 'browser',
    get status() {
      return status
    },
    call(method, ...args) {
      if (status === 'no-token') return Promise.reject(new ApiCallError(NO_TOKEN_ERROR, method))
      if (status === 'unauthorized') return Promise.reject(new ApiCallError(UNAUTHORIZED_ERROR, method))
      const msg: ClientMessage = { t: 'call', id: nextId++, method, input: args[0] ?? {} }
      // The server closes the socket (1009) on a message over its cap, which would fail every
      // call in flight; refuse this one call instead, with an error that says why.
      const bytes = new TextEncoder().encode(JSON.stringify(msg)).length
      if (bytes > MAX_CLIENT_MESSAGE_BYTES) {
        return Promise.reject(
          new ApiCallError(
            {
              kind: 'invalid-input',
              message: `The request for ${method} is ${bytes} bytes, more than the ${MAX_CLIENT_MESSAGE_BYTES} bytes the backend accepts in one message.`,
              hint: 'A field holds far more text than it should (a pasted file?); shorten it and try again.'
            },
            method
          )
        )
      }
      return new Promise((resolve, reject) => {
        pending.set(msg.id, { method, resolve: resolve as (v: unknown) => void, reject })
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg))
        else queue.push(msg)
      })
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const l = listener as (payload: unknown) => void
      set.add(l)
      return () => {
        set.delete(l)
      }
    },
    onStatus(listener) {
      statusListeners.add(listener)
      return () => {
        statusListeners.delete(listener)
      }
    },
    dispose() {
      disposed = true
      if (reconnectTimer) clearTimeout(reconnectTimer)
      const ws = socket
      socket = null
      ws?.close(1000, 'client disposed')
      setStatus('closed')
      failAll(DROPPED_ERROR)
    }
  }
}

/** A client for the current page: the preload bridge in Electron, else the WebSocket. */
export function createApiClient(): ApiClient {
  return window.havip ? electronClient(window.havip) : browserClient()
}

/** The one client of this page. */
export const api: ApiClient = createApiClient()
