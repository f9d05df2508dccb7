// One command on one SSH channel (RFC 4254 §6.5): its PID reported first so a timed-out
// command can be killed by process group, output captured and streamed, the exit status
// read, and, for sudo, sudo's prompt answered and the caller's stdin held back until sudo
// has started the command (sudo-dialogue.ts).
import { StringDecoder } from 'node:string_decoder'
import type { Client, ClientChannel } from 'ssh2'
import type { ExecResult } from './session-types'
import { SudoStderr, type SudoAnswer } from './sudo-dialogue'

/**
 * The documented output cap of exec (issue 9 item 17): bytes per stream (stdout, stderr). A
 * node that streams more (a runaway command, a hostile node) is stopped there, so it cannot
 * fill the desktop's memory; the caller gets an error that names the cap, never a silently
 * cut result. Commands this app runs print kilobytes; ExecOptions.maxOutputBytes changes it.
 */
export const MAX_EXEC_OUTPUT_BYTES = 16 * 1024 * 1024

export class ExecTimeout extends Error {
  constructor(readonly pid: number | undefined) {
    super('exec timed out')
  }
}

/** The caller aborted the command (ExecOptions.signal). */
export class ExecAborted extends Error {
  constructor(readonly pid: number | undefined) {
    super('exec aborted')
  }
}

/** The command wrote more than the cap to one stream and was stopped. */
export class ExecOutputTooLarge extends Error {
  constructor(
    readonly pid: number | undefined,
    readonly stream: 'stdout' | 'stderr',
    readonly limit: number
  ) {
    super(`exec output on ${stream} passed ${limit} bytes`)
  }
}

/**
 * Every command starts by telling us its PID on stderr, then execs the real command in
 * the same process (so the PID and process group are the command's). sshd makes each
 * non-pty session a new session leader (setsid), so the PID is also the process group id.
 * The marker line is removed before anyone sees stderr.
 */
const PID_MARKER = 'HAVIP-PID:'
/** How long a timed-out command's PID line may still take to arrive (see the timeout below). */
const PID_GRACE_MS = 3000
function withPidMarker(command: string): string {
  return `printf '${PID_MARKER}%s\\n' "$$" >&2; exec ${command}`
}

/**
 * Ask the server to signal the remote command (RFC 4254 §6.9; OpenSSH >= 7.9 honours it;
 * older servers ignore it and the channel close that follows ends the command's I/O).
 * ssh2's Channel.signal() only sends while our side of the channel is still writable, but
 * we close stdin right after starting every command, so go one level down to the
 * protocol object, which sends it for any open channel.
 */
function sendSignal(stream: ClientChannel, name: 'KILL' | 'TERM'): void {
  const ch = stream as unknown as {
    outgoing?: { id?: number; state?: string }
    _client?: { _protocol?: { signal?: (id: number, sig: string) => void } }
  }
  try {
    const id = ch.outgoing?.id
    const proto = ch._client?._protocol
    if (ch.outgoing?.state === 'open' && typeof id === 'number' && typeof proto?.signal === 'function') proto.signal(id, name)
    else stream.signal(name)
  } catch {
    // The channel is already gone: nothing left to stop.
  }
}

export interface RunOptions {
  timeoutMs: number
  /** Present when the command runs through sudo: how to recognise and answer its prompt. */
  sudo: SudoAnswer | undefined
  stdin: string | Buffer | undefined
  onStdout: ((chunk: string) => void) | undefined
  onStderr: ((chunk: string) => void) | undefined
  /** Bytes per stream before the command is stopped with ExecOutputTooLarge. */
  maxOutputBytes: number
  /** Hand output to onStdout/onStderr only; keep none for the result. */
  streamOnly?: boolean
  /** Aborting stops the command: rejects with ExecAborted. */
  signal?: AbortSignal
  /**
   * Prefix the command with the POSIX PID report (default true). False for a Windows node,
   * whose default shell (cmd or PowerShell) has no printf, $$ or exec: there the command
   * goes as it is and a stopped command has no PID to kill by.
   */
  reportPid?: boolean
}

export interface ChannelResult extends ExecResult {
  /** How often sudo asked for the password (0 without sudo, or under NOPASSWD). */
  sudoPrompts: number
  /** sudo ran the command (always true without sudo). */
  sudoStarted: boolean
}

/** Run one command on its own channel; resolves with the exit status (non-zero too). */
export function runChannel(client: Client, command: string, o: RunOptions): Promise<ChannelResult> {
  let unlisten = (): void => {}
  return new Promise<ChannelResult>((resolve, reject) => {
    let stream: ClientChannel | undefined
    let done = false
    let code: number | undefined
    let signal: string | undefined
    let stdout = ''
    let stderr = ''
    const outDec = new StringDecoder('utf8')
    const errDec = new StringDecoder('utf8')
    let pid: number | undefined
    const reportPid = o.reportPid !== false
    let errHead: Buffer | undefined = reportPid ? Buffer.alloc(0) : undefined // stderr until the marker line is complete
    const sudoErr = o.sudo ? new SudoStderr(o.sudo.markers) : undefined
    let sudoPrompts = 0
    let stdinClosed = false
    let gaveUp = false
    let pidGrace: NodeJS.Timeout | undefined
    /** Why the command is being stopped; made when giving up, so it carries the PID if one came late. */
    let stopReason: (pid: number | undefined) => Error = (p) => new ExecTimeout(p)
    const giveUp = (): void => {
      if (gaveUp) return
      gaveUp = true
      clearTimeout(pidGrace)
      if (stream) {
        sendSignal(stream, 'KILL') // honoured for non-root logins; the kill by PID covers root
        stream.close()
      }
      reject(stopReason(pid))
    }
    /** Stop the command (timeout or output cap). */
    const stop = (why: (pid: number | undefined) => Error): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      stopReason = why
      // On a loaded node the PID line can come after the time is up; without it the caller
      // cannot kill the command's process group, so wait a bounded moment for it.
      if (pid === undefined && stream && reportPid) pidGrace = setTimeout(giveUp, PID_GRACE_MS)
      else giveUp()
    }
    const timer = setTimeout(() => stop((p) => new ExecTimeout(p)), o.timeoutMs)
    const received = { stdout: 0, stderr: 0 }
    /** Counts raw bytes per stream; false (and the command stopped) once one passes the cap. */
    const within = (which: 'stdout' | 'stderr', b: Buffer): boolean => {
      received[which] += b.length
      if (received[which] <= o.maxOutputBytes) return true
      stop((p) => new ExecOutputTooLarge(p, which, o.maxOutputBytes))
      return false
    }
    const onOut = (s: string): void => {
      if (!s) return
      if (!o.streamOnly) stdout += s
      o.onStdout?.(s)
    }
    const onErr = (s: string): void => {
      if (!s) return
      if (!o.streamOnly) stderr += s
      o.onStderr?.(s)
    }
    const onAbort = (): void => stop((p) => new ExecAborted(p))
    if (o.signal?.aborted) {
      clearTimeout(timer)
      done = true
      reject(new ExecAborted(undefined))
      return
    }
    o.signal?.addEventListener('abort', onAbort, { once: true })
    unlisten = () => o.signal?.removeEventListener('abort', onAbort)
    /** Ends our side of stdin, first writing the caller's bytes when `withInput`. */
    const closeStdin = (withInput: boolean): void => {
      if (stdinClosed || !stream) return
      stdinClosed = true
      if (withInput && o.stdin !== undefined) stream.write(o.stdin)
      stream.end()
    }
    /** stderr after the PID line: sudo's prompts and ready line are answered here, not shown. */
    const onErrBytes = (b: Buffer): void => {
      if (!sudoErr) return onErr(errDec.write(b))
      for (const part of sudoErr.push(b)) {
        if (part.kind === 'text') onErr(errDec.write(part.data))
        else if (part.kind === 'ready') closeStdin(true) // the command runs: stdin is the caller's now
        else if (++sudoPrompts === 1 && o.sudo?.password !== undefined && !stdinClosed) stream?.write(`${o.sudo.password}\n`)
        else closeStdin(false) // no password, or sudo rejected it: EOF makes sudo give up now
      }
    }

    client.exec(reportPid ? withPidMarker(command) : command, (err, ch) => {
      if (err) {
        clearTimeout(timer)
        if (!done) {
          done = true
          reject(err)
        }
        return
      }
      stream = ch
      if (done) {
        ch.close()
        return
      }
      ch.on('data', (b: Buffer) => {
        if (!done && within('stdout', b)) onOut(outDec.write(b))
      })
      ch.stderr.on('data', (b: Buffer) => {
        if (!done && !within('stderr', b)) return
        if (errHead === undefined) return onErrBytes(b)
        errHead = Buffer.concat([errHead, b])
        const nl = errHead.indexOf(0x0a)
        if (nl < 0 && errHead.length < 64) return
        const first = errHead.subarray(0, nl < 0 ? errHead.length : nl).toString('latin1')
        const m = /^HAVIP-PID:(\d+)$/.exec(first)
        const rest = m ? errHead.subarray(nl + 1) : errHead
        if (m) pid = Number(m[1])
        errHead = undefined
        if (done && pidGrace) return giveUp() // timed out while waiting for this line
        if (rest.length > 0) onErrBytes(rest)
      })
      ch.on('exit', (c: number | null, sig?: string) => {
        if (typeof c === 'number') code = c
        if (sig) signal = sig
      })
      ch.on('close', () => {
        clearTimeout(timer)
        stdinClosed = true
        if (done) {
          if (pidGrace) giveUp()
          return
        }
        done = true
        onOut(outDec.end())
        if (errHead !== undefined && errHead.length > 0) onErrBytes(errHead) // no marker came (non-POSIX shell?)
        if (sudoErr) onErr(errDec.write(sudoErr.end()))
        onErr(errDec.end())
        if (code === undefined && signal === undefined) {
          reject(new Error('No response from server: the channel closed without an exit status'))
          return
        }
        const r: ChannelResult = { code: code ?? 128 + 9, stdout, stderr, sudoPrompts, sudoStarted: sudoErr?.started ?? true }
        if (signal) r.signal = signal
        resolve(r)
      })
      // Without sudo the caller's stdin goes at once; with sudo, when sudo has started the command.
      if (!sudoErr) closeStdin(true)
    })
  }).finally(() => unlisten())
}
