// What an SSH session offers (SshSession: exec, upload, an interactive shell) and what it is
// built from (SessionConfig). Kept apart from the ssh2 implementation (session.ts) so the many
// modules and test fakes that only speak to a session depend on this contract, not on ssh2.
import type { Duplex } from 'node:stream'
import type { ClientChannel } from 'ssh2'
import type { HostKeyInfo, SshErrorInfo, SshTarget } from '../../api/model'

export interface ExecOptions {
  /** Stop the command and reject with a 'timeout' SshError after this long. Default 60 s. */
  timeoutMs?: number
  /**
   * Output cap: a command that writes more than this many bytes to stdout, or to stderr, is
   * stopped and the exec rejects with a 'command-failed' SshError saying so. Default
   * MAX_EXEC_OUTPUT_BYTES (16 MiB per stream).
   */
  maxOutputBytes?: number
  /** Run as root through sudo (no-op when logged in as root). */
  sudo?: boolean
  /** Written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer
  onStdout?(chunk: string): void
  onStderr?(chunk: string): void
  /**
   * For long-running streams read through onStdout/onStderr: do not also keep the output for
   * the result (its stdout/stderr come back empty), so a stream that runs for hours holds no memory.
   */
  streamOnly?: boolean
  /**
   * Stops the command when aborted: the channel is closed and the command's process group
   * killed on the node (as on a timeout); the exec rejects with an SshError saying it was stopped.
   */
  signal?: AbortSignal
  /** Leave this command out of the session log (frequent background reads would drown it). */
  quiet?: boolean
  /** Not supported on purpose: sshd drops most variables (AcceptEnv), so pass values as arguments. */
  env?: never
}

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
  signal?: string
}

export interface UploadOptions {
  /** File mode of the result, default 0o644. */
  mode?: number
  /** Place the file as root (stage it in a private temp dir, then root copies it beside the target, checks it and renames it). */
  sudo?: boolean
  /** Limit for the SFTP transfer itself. Default 5 minutes. */
  timeoutMs?: number
  /** Called as the transfer goes (bytes read from the local file so far, and the total), for progress notes. */
  onProgress?(bytesDone: number, bytesTotal: number): void
}

export interface SshSession {
  readonly id: string
  readonly target: Omit<SshTarget, 'auth' | 'sudoPassword'>
  readonly hostKey: HostKeyInfo
  /**
   * The software part of the SSH server's identification string (RFC 4253 §4.2), e.g.
   * 'OpenSSH_9.6p1' or 'OpenSSH_for_Windows_8.1': how the platform is told at connect.
   * Undefined before the first handshake (and on sessions that have none, e.g. test fakes).
   */
  readonly serverIdent?: string
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>
  execOk(argv: string[], opts?: ExecOptions): Promise<ExecResult>
  upload(
    data: Buffer | { localPath: string },
    remotePath: string,
    opts?: UploadOptions
  ): Promise<{ sha256: string; bytes: number }>
  close(): Promise<void>
  isConnected(): boolean
  /**
   * An interactive login shell with a PTY (RFC 4254 §6.2, §6.5) on this connection, as its
   * login user (no sudo). Optional: only real SSH sessions carry one. The caller owns the
   * channel and must close it; it also closes when the connection does.
   */
  openShell?(pty: ShellPty): Promise<ClientChannel>
}

export interface ShellPty {
  cols: number
  rows: number
  /** TERM for the remote side, e.g. 'xterm-256color'. */
  term: string
}

/**
 * A change of a session's link, reported as it happens (not on the next command):
 *  - 'dropped': the connection went away without close() being called (node rebooted, sshd
 *    killed, network cut and keepalives unanswered); `reason` says what was seen;
 *  - 'reconnected': a dropped session was opened again (reconnect on the next use).
 * A deliberate close() reports nothing: it is not a drop.
 */
export type SessionLinkChange = { state: 'dropped'; reason: SshErrorInfo } | { state: 'reconnected' }

export interface SessionConfig {
  connectTimeoutMs: number
  keepaliveIntervalMs: number
  /** Unanswered keepalives before the link counts as dead: detected within interval * max(countMax, 2). Default 3. */
  keepaliveCountMax?: number
  log: (line: string) => void
  onLinkChange?: (change: SessionLinkChange) => void
  /**
   * Open the byte stream to the SSH server instead of a TCP connection to host:port
   * (ssh2's `sock`): for tests over a Unix socket, and later for jump hosts.
   */
  openSocket?: (host: string, port: number) => Duplex
}
