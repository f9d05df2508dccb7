// Flow control of one terminal's output, after xterm.js's guide (xtermjs.org/docs/guides/flowcontrol):
// the renderer acknowledges what its write callbacks say is written ('terminal.ack'), and the
// backend counts what is sent and not acknowledged. Above the high watermark the source (the
// SSH channel, the PTY) is paused; once the renderer catches up to the low watermark it is
// resumed. A paused SSH channel stops granting window (RFC 4254 §5.2) and a paused PTY stops
// being read, so the node or the local program blocks on write instead of this process
// buffering a flood: memory stays bounded whatever `yes` prints.
//
// Small reads are batched for a few milliseconds into one event (fewer IPC/WebSocket messages
// under a flood), and no event is larger than maxChunk characters.

export interface FlowSource {
  pause(): void
  resume(): void
}

export interface FlowOptions {
  /** Pause the source once this many characters are unacknowledged (sent or waiting). */
  high: number
  /** Resume it once no more than this many are unacknowledged. */
  low: number
  /** Largest output event, in characters. */
  maxChunk: number
  /** How long small output waits for more before it is sent. */
  batchMs: number
}

export interface FlowTimers {
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

const realTimers: FlowTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>)
}

export interface FlowCounters {
  unackedChars: number
  paused: boolean
  pauses: number
  totalChars: number
}

export class OutputFlow {
  /** Decoded output not sent yet (the batch). */
  private pending = ''
  /** Sent and not acknowledged. */
  private unacked = 0
  private paused = false
  private pauses = 0
  private total = 0
  private timer: unknown
  private stopped = false

  constructor(
    private readonly source: FlowSource,
    private readonly emit: (data: string) => void,
    private readonly opts: FlowOptions,
    private readonly timers: FlowTimers = realTimers
  ) {
    if (!(opts.low < opts.high)) throw new Error(`flow control: low watermark ${opts.low} must be below the high one ${opts.high}`)
  }

  /** Output the source produced. */
  push(text: string): void {
    if (this.stopped || text.length === 0) return
    this.pending += text
    if (this.pending.length >= this.opts.maxChunk) this.flush()
    else if (this.timer === undefined) this.timer = this.timers.set(() => this.flush(), this.opts.batchMs)
    this.pauseIfFull()
  }

  /** Send what is waiting now (also before the terminal's exit, so no output is lost). */
  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clear(this.timer)
      this.timer = undefined
    }
    while (this.pending.length > 0) {
      let cut = Math.min(this.pending.length, this.opts.maxChunk)
      // Never split a UTF-16 surrogate pair between two events.
      if (cut < this.pending.length && isHighSurrogate(this.pending.charCodeAt(cut - 1))) cut -= 1
      const chunk = this.pending.slice(0, cut)
      this.pending = this.pending.slice(cut)
      this.unacked += chunk.length
      this.total += chunk.length
      this.emit(chunk)
    }
  }

  /** The renderer wrote `chars` more characters. More than is outstanding is read as "all". */
  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars)
    if (this.paused && this.outstanding() <= this.opts.low) {
      this.paused = false
      if (!this.stopped) this.source.resume()
    }
  }

  /** The terminal ended: no more output is taken, and no timer is left behind. */
  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) this.timers.clear(this.timer)
    this.timer = undefined
    this.pending = ''
  }

  counters(): FlowCounters {
    return { unackedChars: this.outstanding(), paused: this.paused, pauses: this.pauses, totalChars: this.total }
  }

  private outstanding(): number {
    return this.unacked + this.pending.length
  }

  private pauseIfFull(): void {
    if (this.paused || this.outstanding() < this.opts.high) return
    this.paused = true
    this.pauses += 1
    this.source.pause()
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
