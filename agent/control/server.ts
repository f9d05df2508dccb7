/**
 * The local control socket. A Unix socket, mode 0600, in a directory only the owner can
 * enter: SSH (as root or via sudo) is the only way in; the agent opens no TCP port.
 * On Windows a named pipe (\\.\pipe\havip-agent) with the same protocol; its access is
 * enforced by the control token every request must carry (token.ts says why a token).
 */
import { chmodSync, existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs'
import net from 'node:net'
import { dirname } from 'node:path'
import type { AdminCommand, Agent } from '../agent'
import type { AgentEvent } from '../instance'
import type { ReloadResult } from '../reload/plan'
import { LineSplitter, parseRequest, type ControlRequest, type ControlResponse } from './protocol'
import { TOKEN_REFUSED, tokenMatches } from './token'

/** \\.\pipe\NAME (or //./pipe/NAME): a Windows named pipe, which has no directory, mode or file to unlink. */
export function isPipePath(path: string): boolean {
  return /^[\\/]{2}[.?][\\/]pipe[\\/]/i.test(path)
}

/** The "token" of a request line, without trusting anything else in it. */
function tokenOf(line: string): unknown {
  try {
    const o = JSON.parse(line) as unknown
    return typeof o === 'object' && o !== null ? (o as Record<string, unknown>).token : undefined
  } catch {
    return undefined
  }
}

function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(path)
    const t = setTimeout(() => { c.destroy(); resolve(false) }, 1000)
    c.once('connect', () => { clearTimeout(t); c.destroy(); resolve(true) })
    c.once('error', () => { clearTimeout(t); resolve(false) })
  })
}

/**
 * Bytes a `watch` client may leave unread before it is dropped. Events are small and rare
 * (transitions, health changes), so a client that falls this far behind has stopped reading (a
 * hung SSH channel, a paused terminal); buffering for it forever would grow the agent without bound.
 */
export const MAX_WATCH_BACKLOG_BYTES = 1024 * 1024

export class ControlServer {
  private server?: net.Server
  private readonly clients = new Set<net.Socket>()

  /** Told when a client is dropped for not reading (the agent logs it). */
  onDropped?: (why: string) => void

  /**
   * `reload` re-reads the config file the agent was started with (reload/from-file.ts); absent: refused.
   * `token`: every request must carry it (Windows; token.ts), else it is refused and the connection closed.
   */
  constructor(private readonly agent: Agent, readonly path: string, private readonly opts: { reload?: () => Promise<ReloadResult>; token?: string } = {}) {}

  async start(): Promise<void> {
    if (isPipePath(this.path)) return this.startPipe()
    const dir = dirname(this.path)
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = statSync(dir)
    if ((st.mode & 0o077) !== 0 && typeof process.getuid === 'function' && st.uid === process.getuid()) chmodSync(dir, 0o700)
    if (existsSync(this.path)) {
      if (await socketInUse(this.path)) {
        throw new Error(`control socket ${this.path} is in use: another havip-agent is running; stop it first (or use --socket / "controlSocket" for a second agent)`)
      }
      unlinkSync(this.path) // stale socket from a crashed run
    }
    const server = net.createServer((c) => this.onClient(c))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      // Restrict permissions from the moment the socket exists, not just after chmod.
      const old = process.umask(0o177)
      try {
        server.listen(this.path, () => { server.off('error', reject); resolve() })
      } finally {
        process.umask(old)
      }
    })
    chmodSync(this.path, 0o600)
    this.server = server
  }

  /**
   * A named pipe: nothing to create or clean up. libuv creates its first instance with
   * FILE_FLAG_FIRST_PIPE_INSTANCE, so if any process (another agent, or one squatting the name
   * to catch tokens) holds the name, listening fails here and the agent does not start.
   */
  private async startPipe(): Promise<void> {
    const server = net.createServer((c) => this.onClient(c))
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new Error(`control pipe ${this.path} is already open (${err.code}): another havip-agent is running, or another program holds the name; stop it first (Get-ChildItem \\.\pipe\ lists the pipes)`)
          : err)
      })
      server.listen(this.path, () => { server.removeAllListeners('error'); resolve() })
    })
    this.server = server
  }

  private onClient(c: net.Socket): void {
    this.clients.add(c)
    c.setEncoding('utf8')
    let unwatch: (() => void) | undefined
    const send = (o: unknown): void => {
      if (c.destroyed) return
      if (c.writableLength > MAX_WATCH_BACKLOG_BYTES) {
        // Not reading: drop it (it may reconnect and get a fresh status in the watch ack).
        this.onDropped?.(`dropped a control client that left ${c.writableLength} bytes unread (more than ${MAX_WATCH_BACKLOG_BYTES})`)
        c.destroy()
        return
      }
      c.write(JSON.stringify(o) + '\n')
    }
    const splitter = new LineSplitter((line) => {
      if (this.opts.token !== undefined && !tokenMatches(this.opts.token, tokenOf(line))) {
        // Nothing from an unauthenticated client is parsed further or answered beyond this.
        send({ ok: false, error: TOKEN_REFUSED } satisfies ControlResponse)
        c.end()
        return
      }
      let req: ControlRequest
      try {
        req = parseRequest(line)
      } catch (err) {
        return send({ ok: false, error: (err as Error).message } satisfies ControlResponse)
      }
      try {
        if (req.cmd === 'status') return send({ id: req.id, ok: true, result: this.agent.status() } satisfies ControlResponse)
        if (req.cmd === 'watch') {
          if (!unwatch) {
            const onEvent = (e: AgentEvent): void => send({ event: e })
            this.agent.on('event', onEvent)
            unwatch = () => this.agent.off('event', onEvent)
          }
          return send({ id: req.id, ok: true, result: { watching: true, status: this.agent.status() } } satisfies ControlResponse)
        }
        if (req.cmd === 'reload') {
          if (req.instance !== undefined) throw new Error('reload takes no instance name: it applies the whole config file')
          if (!this.opts.reload) throw new Error('this agent cannot reload its config')
          this.opts.reload().then(
            (result) => send({ id: req.id, ok: true, result } satisfies ControlResponse),
            (err: Error) => send({ id: req.id, ok: false, error: err.message } satisfies ControlResponse)
          )
          return
        }
        if (req.cmd === 'simulate-failure') {
          return send({ id: req.id, ok: true, result: this.agent.simulateFailure(req.instance, { durationMs: req.durationMs, cancel: req.cancel }) } satisfies ControlResponse)
        }
        const result = this.agent.command(req.cmd as AdminCommand, req.instance)
        return send({ id: req.id, ok: true, result } satisfies ControlResponse)
      } catch (err) {
        return send({ id: req.id, ok: false, error: (err as Error).message } satisfies ControlResponse)
      }
    })
    c.on('data', (chunk: string) => {
      try {
        splitter.push(chunk)
      } catch (err) {
        send({ ok: false, error: (err as Error).message })
        c.destroy()
      }
    })
    c.on('error', () => {})
    c.on('close', () => {
      unwatch?.()
      this.clients.delete(c)
    })
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end()
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
    for (const c of this.clients) c.destroy()
    if (isPipePath(this.path)) return
    try {
      unlinkSync(this.path)
    } catch {
      // already gone
    }
  }
}
