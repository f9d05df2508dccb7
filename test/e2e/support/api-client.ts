// A minimal client of browser mode's public WebSocket API, used only to ARRANGE test
// situations the UI deliberately cannot create (e.g. a wrongly pinned host key), and by the
// browser benches to time when an event reaches a client.
import WebSocket from 'ws'
import { WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX, type ServerMessage } from '../../../electron/api/ws-protocol'

export async function callApi(baseUrl: string, token: string, method: string, input: unknown): Promise<unknown> {
  const url = new URL(WS_PATH, baseUrl.replace(/^http/, 'ws'))
  const ws = new WebSocket(url, [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
  try {
    return await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer within 10 s`)), 10_000)
      ws.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
      ws.once('open', () => ws.send(JSON.stringify({ t: 'call', id: 1, method, input })))
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as ServerMessage
        if (msg.t !== 'result' || msg.id !== 1) return
        clearTimeout(timer)
        if (msg.ok) resolve(msg.value)
        else reject(new Error(`${method} failed: ${msg.error.kind}: ${msg.error.message}`))
      })
    })
  } finally {
    ws.close()
  }
}

/**
 * Listens to every event the server fans out (each client gets them all) on a WebSocket of its
 * own; resolves once connected. `close()` ends it.
 */
export async function listenToEvents(baseUrl: string, token: string, onEvent: (event: string, payload: unknown) => void): Promise<{ close(): void }> {
  const ws = new WebSocket(new URL(WS_PATH, baseUrl.replace(/^http/, 'ws')), [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as ServerMessage
    if (msg.t === 'event') onEvent(msg.event, msg.payload)
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the event WebSocket did not open within 10 s')), 10_000)
    ws.once('open', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
  }).catch((err: unknown) => {
    ws.terminate()
    throw err
  })
  return { close: () => ws.close() }
}
