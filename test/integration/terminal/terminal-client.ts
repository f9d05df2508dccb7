// A terminal as the renderer drives it, over the browser-mode WebSocket: output is kept only as
// a bounded tail (a flood must not fill the test's memory, which is the backend's process too)
// and acknowledged the way the renderer's write callbacks do, optionally slowly, to stand in
// for a renderer that cannot keep up.
import WebSocket from 'ws'
import type { ApiEventPayload, ApiInput, ApiMethod, TerminalInfo } from '../../../electron/api/contract'
import type { ApiResultEnvelope } from '../../../electron/api/names'
import { TERMINAL_ACK_STEP } from '../../../electron/api/terminal'
import type { ServerMessage } from '../../../electron/api/ws-protocol'
import { waitFor } from '../../support/wait-for'
import { tryOpen } from '../web/helpers'
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../../electron/api/ws-protocol'

const TAIL_CHARS = 64 * 1024

export class TerminalWsClient {
  private nextId = 1
  private readonly pending = new Map<number, (e: ApiResultEnvelope) => void>()
  private readonly tails = new Map<string, string>()
  private readonly received = new Map<string, number>()
  private readonly unacked = new Map<string, number>()
  readonly exits: Array<ApiEventPayload<'terminal.exit'>> = []
  readonly connectionStates: Array<ApiEventPayload<'connection.state'>> = []
  /** Largest single output message seen, in characters. */
  largestChunk = 0
  /** When false, output is received but not acknowledged (a renderer that stopped writing). */
  acking = true

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage
      if (msg.t === 'result') {
        const { t: _t, id, ...envelope } = msg
        this.pending.get(id)?.(envelope as ApiResultEnvelope)
        this.pending.delete(id)
      } else if (msg.event === 'terminal.output') {
        this.onOutput(msg.payload as ApiEventPayload<'terminal.output'>)
      } else if (msg.event === 'terminal.exit') {
        this.exits.push(msg.payload as ApiEventPayload<'terminal.exit'>)
      } else if (msg.event === 'connection.state') {
        this.connectionStates.push(msg.payload as ApiEventPayload<'connection.state'>)
      }
    })
  }

  static async open(port: number, token: string): Promise<TerminalWsClient> {
    const r = await tryOpen(port, [WS_PROTOCOL, WS_TOKEN_PREFIX + token])
    if (!r.opened) throw new Error(`WebSocket refused: ${r.status} ${r.body}`)
    return new TerminalWsClient(r.ws)
  }

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

  async call<T>(method: ApiMethod, input: unknown): Promise<T> {
    const r = await this.callRaw(method, input as never)
    if (!r.ok) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`)
    return r.value as T
  }

  async openTerminal(connectionId: string, cols = 80, rows = 24): Promise<TerminalInfo> {
    const t = await this.call<TerminalInfo>('terminal.open', { kind: 'node', connectionId, cols, rows })
    this.tails.set(t.id, '')
    return t
  }

  /** Types a line, as Enter in a terminal sends it. */
  async type(id: string, line: string): Promise<void> {
    await this.call('terminal.input', { id, data: line + '\r' })
  }

  tail(id: string): string {
    return this.tails.get(id) ?? ''
  }

  receivedChars(id: string): number {
    return this.received.get(id) ?? 0
  }

  /** Waits until the output tail matches, and returns the match. */
  async expectOutput(id: string, pattern: RegExp, what: string, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    let m: RegExpMatchArray | null = null
    await waitFor(what, () => (m = pattern.exec(this.tail(id))) !== null, timeoutMs, 20)
    return m!
  }

  /** Acknowledge everything received and not yet acknowledged (a renderer catching up). */
  async ackAll(id: string): Promise<void> {
    const n = this.unacked.get(id) ?? 0
    if (n === 0) return
    this.unacked.set(id, 0)
    await this.call('terminal.ack', { id, chars: n })
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

  private onOutput(e: ApiEventPayload<'terminal.output'>): void {
    this.largestChunk = Math.max(this.largestChunk, e.data.length)
    this.tails.set(e.id, ((this.tails.get(e.id) ?? '') + e.data).slice(-TAIL_CHARS))
    this.received.set(e.id, (this.received.get(e.id) ?? 0) + e.data.length)
    const n = (this.unacked.get(e.id) ?? 0) + e.data.length
    this.unacked.set(e.id, n)
    // As the renderer does: acknowledge in steps once written (here: once received).
    if (this.acking && n >= TERMINAL_ACK_STEP) void this.ackAll(e.id).catch(() => {})
  }
}
