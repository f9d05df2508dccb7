// What a terminal reads from and writes to: an SSH shell channel (ssh-shell-source.ts) or a
// local PTY (local-pty.ts). The terminal service drives both the same way.
import type { FlowSource } from './output-flow'

/** How a source ended. */
export interface SourceEnd {
  exitCode?: number
  signal?: string
  /** The SSH connection went away under the channel (not an exit of the shell). */
  linkLost?: boolean
  /** A failure of the source itself, in words. */
  error?: string
}

export interface TerminalSource extends FlowSource {
  /** Output: bytes from an SSH channel, text from node-pty. */
  onData(listener: (chunk: Buffer | string) => void): void
  /** Called once, after the last output. */
  onEnd(listener: (end: SourceEnd) => void): void
  /** Keystrokes; throws when the program does not read its input (see inputBacklogBytes). */
  write(data: string): void
  resize(cols: number, rows: number): void
  /** Bytes read from the other end and not yet handed to onData (bounded by flow control). */
  bufferedBytes(): number
  /** End it: close the channel, hang up the PTY. onEnd follows. */
  close(): void
}

/**
 * Input waiting to be taken by a program that does not read it (a paused remote side). Beyond
 * this, input calls fail instead of queueing without bound.
 */
export const MAX_INPUT_BACKLOG_BYTES = 1024 * 1024

export class InputBacklogFull extends Error {
  constructor(readonly backlogBytes: number) {
    super(`${backlogBytes} bytes of input are waiting: the program in the terminal is not reading its input`)
  }
}
