/**
 * Structured log: one JSON object per line on stderr and, if configured, appended to a
 * log file. Never log secrets (auth passwords, script environments).
 *
 * The file is written off the event loop: log() only queues the line, and one writer appends
 * queued lines in batches. A slow or stuck disk (NFS, a full device, a FIFO nobody reads) must
 * never delay an advert, so the queue is bounded: past MAX_QUEUED_BYTES lines are dropped and
 * counted, and the file says how many when it catches up. close() flushes what is queued.
 */
import { mkdirSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void

export interface Logger {
  log: LogFn
  child(fields: Record<string, unknown>): Logger
}

export interface RootLogger extends Logger {
  /** Writes every queued line to the log file and closes it; later lines go to stderr only. */
  close(): Promise<void>
}

/** Lines waiting for the log file, at most (1 MiB: thousands of lines, seconds of a busy agent). */
export const MAX_QUEUED_BYTES = 1024 * 1024

function stderrLine(level: LogLevel, msg: string): string {
  return JSON.stringify({ time: new Date().toISOString(), level, msg }) + '\n'
}

/** Appends lines to one file without blocking the caller; bounded; one write in flight at a time. */
class LogFileWriter {
  private queue: string[] = []
  private queuedBytes = 0
  private dropped = 0
  private fh?: FileHandle
  private running?: Promise<void>
  private failed = false
  private closed = false

  constructor(private readonly path: string, private readonly maxQueuedBytes: number) {}

  write(line: string): void {
    if (this.failed || this.closed) return
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped++
      return
    }
    this.queue.push(line)
    this.queuedBytes += line.length
    this.running ??= this.drain().finally(() => (this.running = undefined))
  }

  private async drain(): Promise<void> {
    try {
      this.fh ??= await open(this.path, 'a', 0o640)
      while (this.queue.length > 0) {
        let chunk = this.queue.join('')
        this.queue = []
        this.queuedBytes = 0
        if (this.dropped > 0) {
          chunk += stderrLine('warn', `${this.dropped} log line(s) dropped: the log file ${this.path} could not keep up`)
          this.dropped = 0
        }
        await this.fh.write(chunk)
      }
    } catch (err) {
      this.failed = true
      this.queue = []
      this.queuedBytes = 0
      writeStderr(stderrLine('warn', `cannot write log file ${this.path} (${(err as Error).message}); logging to stderr only`))
    }
  }

  async close(): Promise<void> {
    this.closed = true
    while (this.running) await this.running
    const fh = this.fh
    this.fh = undefined
    await fh?.close().catch(() => undefined)
  }
}

/**
 * stderr may be a pipe whose reader is gone (a supervisor killed with SIGKILL, a closed SSH
 * session). Node reports the EPIPE as an 'error' event, which without a listener becomes an
 * uncaught exception, whose handler logs, which writes to stderr again: a loop that starves the
 * event loop while the agent should be releasing its VIPs. A broken stderr is dropped instead.
 */
let stderrBroken = false
function writeStderr(line: string): void {
  if (stderrBroken || process.stderr.destroyed) return
  if (process.stderr.listenerCount('error') === 0) process.stderr.on('error', () => (stderrBroken = true))
  try {
    process.stderr.write(line)
  } catch {
    stderrBroken = true
  }
}

export function createLogger(opts: { file?: string; stderr?: boolean; minLevel?: LogLevel; maxQueuedBytes?: number } = {}): RootLogger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }
  const min = order[opts.minLevel ?? 'info']
  let file: LogFileWriter | undefined
  if (opts.file) {
    try {
      mkdirSync(dirname(opts.file), { recursive: true }) // once, at start-up
      file = new LogFileWriter(opts.file, opts.maxQueuedBytes ?? MAX_QUEUED_BYTES)
    } catch {
      writeStderr(stderrLine('warn', `cannot create the directory of log file ${opts.file}; logging to stderr only`))
    }
  }
  const write = (base: Record<string, unknown>): LogFn => (level, msg, fields) => {
    if (order[level] < min) return
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }) + '\n'
    if (opts.stderr !== false) writeStderr(line)
    file?.write(line)
  }
  const make = (base: Record<string, unknown>): Logger => ({ log: write(base), child: (f) => make({ ...base, ...f }) })
  return { ...make({}), close: async () => file?.close() }
}
