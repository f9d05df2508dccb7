// sudo over a non-tty SSH channel, done so that the password is sent only when sudo asks for
// it, and the command's stdin holds exactly the caller's bytes (NOPASSWD sudo never reads a
// password, so a password written up front would land in the command's stdin).
//
// Every sudo'd command runs as
//   sudo -S -p <PROMPT> -k -- sh -c 'printf "%s\n" "$1" >&2; shift; exec "$@"' sh <READY> argv...
// where PROMPT and READY are random per command. On stderr, PROMPT means "sudo wants the
// password now" and the READY line means "sudo let us through: the command starts". Until
// READY, stdin is ours to answer sudo with; after it, it is the caller's. Pure: the channel
// IO lives in session.ts.
import { randomBytes } from 'node:crypto'
import { SshError } from './errors'
import type { SudoFailure } from './remote-command'

export interface SudoMarkers {
  /** Given to `sudo -p`: what sudo prints (without newline) when it reads a password. */
  prompt: string
  /** Printed on a line of its own by the command's wrapper once sudo has run it. */
  ready: string
}

/** What a sudo'd exec needs: the markers, and the password to answer a prompt with (if known). */
export interface SudoAnswer {
  markers: SudoMarkers
  password: string | undefined
}

/** Fresh markers: hex only, so sudo's prompt escapes (%u, %h...) and quoting never touch them. */
export function newSudoMarkers(): SudoMarkers {
  return {
    prompt: `[havip-sudo-prompt-${randomBytes(8).toString('hex')}]`,
    ready: `[havip-sudo-ready-${randomBytes(8).toString('hex')}]`
  }
}

// Constant script; the marker and argv arrive as positional arguments, never spliced into code.
const READY_SCRIPT = 'printf "%s\\n" "$1" >&2; shift; exec "$@"'

/**
 * The argv that runs `argv` as root through sudo. `env LC_MESSAGES=C` keeps sudo's own messages
 * in English (classifySudoFailure reads them); -S reads a password from stdin, -p sets the
 * prompt we watch for, -k ignores cached credentials (so a wrong password is always caught),
 * `--` ends sudo's options so argv[0] can never be read as one.
 */
export function sudoArgv(argv: readonly string[], markers: SudoMarkers): string[] {
  return ['env', 'LC_MESSAGES=C', 'sudo', '-S', '-p', markers.prompt, '-k', '--', 'sh', '-c', READY_SCRIPT, 'sh', markers.ready, ...argv]
}

export type SudoStderrPart = { kind: 'text'; data: Buffer } | { kind: 'prompt' } | { kind: 'ready' }

/**
 * Splits a sudo'd command's stderr into sudo's prompts, the ready line, and text to pass on.
 * Markers may arrive split across chunks; text that could be the start of a marker is held
 * back until it is known. After the ready line everything is the command's own output and
 * passes through untouched (the command cannot fake a prompt).
 */
export class SudoStderr {
  private pending = Buffer.alloc(0)
  private running = false
  private readonly prompt: Buffer
  private readonly readyLine: Buffer

  constructor(markers: SudoMarkers) {
    this.prompt = Buffer.from(markers.prompt)
    this.readyLine = Buffer.from(`${markers.ready}\n`)
  }

  /** True once sudo has started the command. */
  get started(): boolean {
    return this.running
  }

  push(chunk: Buffer): SudoStderrPart[] {
    if (this.running) return chunk.length > 0 ? [{ kind: 'text', data: chunk }] : []
    this.pending = Buffer.concat([this.pending, chunk])
    const parts: SudoStderrPart[] = []
    while (!this.running) {
      const p = this.pending.indexOf(this.prompt)
      const r = this.pending.indexOf(this.readyLine)
      if (p < 0 && r < 0) break
      const isPrompt = p >= 0 && (r < 0 || p < r)
      const at = isPrompt ? p : r
      if (at > 0) parts.push({ kind: 'text', data: this.pending.subarray(0, at) })
      parts.push({ kind: isPrompt ? 'prompt' : 'ready' })
      this.pending = this.pending.subarray(at + (isPrompt ? this.prompt.length : this.readyLine.length))
      if (!isPrompt) this.running = true
    }
    if (this.running) {
      if (this.pending.length > 0) parts.push({ kind: 'text', data: this.pending })
      this.pending = Buffer.alloc(0)
      return parts
    }
    const keep = Math.max(heldPrefix(this.pending, this.prompt), heldPrefix(this.pending, this.readyLine))
    if (this.pending.length > keep) {
      parts.push({ kind: 'text', data: this.pending.subarray(0, this.pending.length - keep) })
      this.pending = this.pending.subarray(this.pending.length - keep)
    }
    return parts
  }

  /** The stream ended: whatever was held back is plain text after all. */
  end(): Buffer {
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    return rest
  }
}

/** Length of the longest tail of `buf` that is a proper prefix of `marker`. */
function heldPrefix(buf: Buffer, marker: Buffer): number {
  for (let n = Math.min(buf.length, marker.length - 1); n > 0; n--) {
    if (buf.subarray(buf.length - n).equals(marker.subarray(0, n))) return n
  }
  return 0
}

/** The error for a sudo that did not run the command, as the person at the Connect dialog should read it. */
export function sudoFailureError(
  failure: SudoFailure,
  at: { host: string; port: number; username: string; code: number; stderr: string }
): SshError {
  const { host, port, username, code } = at
  switch (failure) {
    case 'wrong-password':
      return new SshError({
        kind: 'sudo-password-wrong',
        host,
        port,
        message: `sudo on ${host} rejected the password for ${username}.`,
        hint: `Check the sudo password for ${username} (it is the user's own password unless sudoers says otherwise).`,
        exitCode: code
      })
    case 'password-required':
      return new SshError({
        kind: 'sudo-password-required',
        host,
        port,
        message: `sudo on ${host} asks ${username} for a password, and no sudo password is known for this connection.`,
        hint: `Connect again and enter ${username}'s sudo password in the Connect dialog (field "sudo password"), connect as root, or allow ${username} NOPASSWD sudo on the node.`,
        exitCode: code
      })
    case 'not-allowed':
      return new SshError({
        kind: 'command-failed',
        host,
        port,
        message: `${username} may not use sudo on ${host}.`,
        hint: `Allow it in /etc/sudoers.d on the node (e.g. "${username} ALL=(ALL) ALL"), or connect as root.`,
        exitCode: code,
        stderr: at.stderr.trim()
      })
  }
}
