// A terminal as the renderer drives it, over the browser-mode WebSocket: output is kept only as
// a bounded tail (a flood must not fill the test's memory, which is the backend's process too)
// and acknowledged the way the renderer's write callbacks do, optionally slowly, to stand in
// for a renderer that cannot keep up. Calls and closing are WsApi's (web/helpers.ts).
import type { ApiEventPayload, ApiMethod, TerminalInfo } from '../../../electron/api/contract'
import { TERMINAL_ACK_STEP } from '../../../electron/api/terminal'
import { waitFor } from '../../support/wait-for'
import { openApiSocket, WsApi } from '../web/helpers'

const TAIL_CHARS = 64 * 1024

export class TerminalWsClient extends WsApi {
  private readonly tails = new Map<string, string>()
  private readonly received = new Map<string, number>()
  private readonly unacked = new Map<string, number>()
  readonly exits: Array<ApiEventPayload<'terminal.exit'>> = []
  readonly connectionStates: Array<ApiEventPayload<'connection.state'>> = []
  /** Largest single output message seen, in characters. */
  largestChunk = 0
  /** When false, output is received but not acknowledged (a renderer that stopped writing). */
  acking = true

  static override async open(port: number, token: string): Promise<TerminalWsClient> {
    return new TerminalWsClient(await openApiSocket(port, token))
  }

  /** Keeps only what the terminal tests read: output as a bounded tail, exits, connection states. */
  protected override onEvent(event: string, payload: unknown): void {
    if (event === 'terminal.output') this.onOutput(payload as ApiEventPayload<'terminal.output'>)
    else if (event === 'terminal.exit') this.exits.push(payload as ApiEventPayload<'terminal.exit'>)
    else if (event === 'connection.state') this.connectionStates.push(payload as ApiEventPayload<'connection.state'>)
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
