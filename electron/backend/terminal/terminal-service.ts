// The terminals service: shells on nodes over the connections the admin made (one more
// channel on the node's existing SSH session, as its login user, no sudo) and the local
// shell, each behind a terminal id. Owns every open terminal; the API's terminal.* methods
// land here. Output leaves as 'terminal.output' events under flow control (output-flow.ts)
// and is never written to the log.
import { randomBytes } from 'node:crypto'
import * as os from 'node:os'
import { StringDecoder } from 'node:string_decoder'
import { ApiException } from '../../api/errors'
import {
  TERMINAL_HIGH_WATERMARK,
  TERMINAL_LOW_WATERMARK,
  TERMINAL_OUTPUT_MAX_CHARS,
  type LocalShellAvailability,
  type OpenTerminalRequest,
  type TerminalExit,
  type TerminalInfo,
  type TerminalKind
} from '../../api/terminal'
import type { NodeSessions } from '../connections/node-sessions'
import type { EventHub } from '../events'
import type { BackendLog } from '../log'
import { LocalPtyLoader, localPtySource } from './local-pty'
import { OutputFlow, type FlowOptions } from './output-flow'
import { sshShellSource } from './ssh-shell-source'
import { InputBacklogFull, type SourceEnd, type TerminalSource } from './terminal-source'

/**
 * Terminals per SSH connection. OpenSSH allows 10 channels per connection (MaxSessions); the
 * session keeps 8 for commands (session.ts), so two terminals never starve them.
 */
export const MAX_TERMINALS_PER_CONNECTION = 2
export const MAX_LOCAL_TERMINALS = 8
/** How long a closed terminal waits for its channel's or PTY's own end before it is reported ended anyway. */
const CLOSE_CONFIRM_MS = 5000

export interface TerminalServiceDeps {
  sessions: NodeSessions
  events: EventHub
  log: BackendLog
  localPty?: LocalPtyLoader
  flow?: Partial<FlowOptions>
}

interface OpenTerminal {
  info: Omit<TerminalInfo, 'flow'>
  source: TerminalSource
  flow: OutputFlow
  /** Who the shell belongs to, for messages: "root@n1 (198.51.100.11)". */
  where: string
  /** Set when the backend ends it on purpose, so the end is reported as that, not as a drop. */
  closing?: { message: string }
}

export class TerminalService {
  private readonly terminals = new Map<string, OpenTerminal>()
  private readonly localPty: LocalPtyLoader
  private readonly flowOptions: FlowOptions

  constructor(private readonly deps: TerminalServiceDeps) {
    this.localPty = deps.localPty ?? new LocalPtyLoader()
    this.flowOptions = {
      high: TERMINAL_HIGH_WATERMARK,
      low: TERMINAL_LOW_WATERMARK,
      maxChunk: TERMINAL_OUTPUT_MAX_CHARS,
      batchMs: 5,
      ...deps.flow
    }
  }

  async capabilities(): Promise<{ localShell: LocalShellAvailability }> {
    return { localShell: await this.localPty.availability() }
  }

  async open(req: OpenTerminalRequest): Promise<TerminalInfo> {
    return req.kind === 'node' ? this.openOnNode(req.connectionId, req) : this.openLocal(req)
  }

  input(id: string, data: string): void {
    const t = this.get(id)
    try {
      t.source.write(data)
    } catch (e) {
      if (e instanceof InputBacklogFull) {
        throw new ApiException({
          kind: 'command-failed',
          message: `The terminal on ${t.where} is not taking input (${e.backlogBytes} bytes are waiting); this input was dropped.`,
          hint: 'The program in it may be stopped (Ctrl+S pauses output: press Ctrl+Q) or busy; wait, or close the terminal.'
        })
      }
      throw e
    }
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).source.resize(cols, rows)
  }

  ack(id: string, chars: number): void {
    // An ack for a terminal that just ended is not an error: the renderer was still writing.
    this.terminals.get(id)?.flow.ack(chars)
  }

  close(id: string): void {
    const t = this.terminals.get(id)
    if (t) this.end(t, 'Terminal closed.')
  }

  /** The connection is being disconnected or forgotten: its terminals end first, saying why. */
  closeForConnection(connectionId: string, message: string): void {
    for (const t of this.terminals.values()) if (t.info.connectionId === connectionId) this.end(t, message)
  }

  list(): TerminalInfo[] {
    return [...this.terminals.values()].map((t) => this.infoOf(t))
  }

  dispose(): void {
    for (const t of this.terminals.values()) this.end(t, 'HAVIP Manager is shutting down.')
  }

  private async openOnNode(connectionId: string, size: { cols: number; rows: number }): Promise<TerminalInfo> {
    const { sessions, log } = this.deps
    const saved = sessions.savedOf(connectionId)
    const session = sessions.sessionOf(connectionId)
    const where = `${saved.username}@${saved.host}`
    const onThis = [...this.terminals.values()].filter((t) => t.info.connectionId === connectionId).length
    if (onThis >= MAX_TERMINALS_PER_CONNECTION) {
      throw new ApiException({
        kind: 'conflict',
        message: `${saved.label} already has ${onThis} terminals open, the most HAVIP Manager opens on one connection.`,
        hint: 'Close one of them first (the SSH server allows few channels per connection, and commands need them too).',
        node: saved.host
      })
    }
    if (!session.openShell) {
      throw new ApiException({ kind: 'internal', message: `The session to ${saved.host} cannot carry a terminal.`, node: saved.host })
    }
    const channel = await session.openShell({ ...size, term: 'xterm-256color' })
    const source = sshShellSource(channel, () => session.isConnected())
    const title = saved.hostname ? `${saved.username}@${saved.hostname}` : saved.label
    log('info', `Terminal opened on ${where}`, saved.host)
    return this.track(source, { kind: 'node', connectionId, title, user: saved.username }, where)
  }

  private async openLocal(size: { cols: number; rows: number }): Promise<TerminalInfo> {
    const loaded = await this.localPty.load()
    if (!loaded.ok) throw new ApiException({ kind: 'command-failed', message: loaded.reason, hint: loaded.hint })
    const local = [...this.terminals.values()].filter((t) => t.info.kind === 'local').length
    if (local >= MAX_LOCAL_TERMINALS) {
      throw new ApiException({
        kind: 'conflict',
        message: `${local} local shells are open already, the most HAVIP Manager opens.`,
        hint: 'Close one of them first.'
      })
    }
    let source: TerminalSource
    try {
      source = localPtySource(loaded.pty, loaded.shell, size)
    } catch (e) {
      throw new ApiException({
        kind: 'command-failed',
        message: `The local shell ${loaded.shell} could not be started: ${(e as Error).message}`,
        hint: 'Check that the shell exists and can be run (the SHELL environment variable names it).'
      })
    }
    const user = safeUserName()
    const shellName = loaded.shell.split(/[\\/]/).pop() ?? loaded.shell
    this.deps.log('info', `Local shell opened (${loaded.shell})`)
    return this.track(source, { kind: 'local', title: `Local shell (${shellName})`, user }, 'this computer')
  }

  private track(source: TerminalSource, meta: { kind: TerminalKind; connectionId?: string; title: string; user: string }, where: string): TerminalInfo {
    const id = `t-${randomBytes(6).toString('hex')}`
    const { events } = this.deps
    const flow = new OutputFlow(source, (data) => events.emit('terminal.output', { id, data }), this.flowOptions)
    const t: OpenTerminal = {
      info: { id, ...meta, openedAt: new Date().toISOString() },
      source,
      flow,
      where
    }
    this.terminals.set(id, t)
    // SSH output is bytes: decode UTF-8 across chunk boundaries (a character may be split).
    const decoder = new StringDecoder('utf8')
    source.onData((chunk) => flow.push(typeof chunk === 'string' ? chunk : decoder.write(chunk)))
    source.onEnd((end) => {
      flow.push(decoder.end())
      this.finish(t, end)
    })
    return this.infoOf(t)
  }

  /** End a terminal on purpose; its source's end reports it (or, if a hung link never confirms, the timer). */
  private end(t: OpenTerminal, message: string): void {
    if (t.closing) return
    t.closing = { message }
    t.source.close()
    setTimeout(() => this.finish(t, {}), CLOSE_CONFIRM_MS).unref()
  }

  private finish(t: OpenTerminal, end: SourceEnd): void {
    if (this.terminals.get(t.info.id) !== t) return
    this.terminals.delete(t.info.id)
    t.flow.flush()
    t.flow.stop()
    const exit = this.exitOf(t, end)
    this.deps.events.emit('terminal.exit', exit)
    this.deps.log(exit.reason === 'dropped' || exit.reason === 'error' ? 'warn' : 'info', `Terminal on ${t.where} ended: ${exit.message}`)
  }

  private exitOf(t: OpenTerminal, end: SourceEnd): TerminalExit {
    const id = t.info.id
    const status = { ...(end.exitCode !== undefined ? { exitCode: end.exitCode } : {}), ...(end.signal ? { signal: end.signal } : {}) }
    if (t.closing) return { id, reason: 'closed', ...status, message: t.closing.message }
    if (end.linkLost) {
      return {
        id,
        reason: 'dropped',
        message: `The SSH connection to ${t.where} dropped, so this terminal ended${end.error ? ` (${end.error})` : ''}. Reconnect to the node, then open a new terminal.`
      }
    }
    if (end.exitCode === undefined && end.signal === undefined && end.error) {
      return { id, reason: 'error', message: `The terminal on ${t.where} failed: ${end.error}. Open a new terminal.` }
    }
    const how = end.signal ? `was ended by signal ${end.signal}` : end.exitCode !== undefined ? `exited with code ${end.exitCode}` : 'ended'
    return { id, reason: 'exited', ...status, message: `The shell on ${t.where} ${how}.` }
  }

  private infoOf(t: OpenTerminal): TerminalInfo {
    return { ...t.info, flow: { ...t.flow.counters(), sourceBufferedBytes: t.source.bufferedBytes() } }
  }

  private get(id: string): OpenTerminal {
    const t = this.terminals.get(id)
    if (!t) {
      throw new ApiException({
        kind: 'not-found',
        message: `There is no open terminal with id "${id}"; it has ended.`,
        hint: 'Open a new terminal.'
      })
    }
    return t
  }
}

function safeUserName(): string {
  try {
    return os.userInfo().username
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'
  }
}
