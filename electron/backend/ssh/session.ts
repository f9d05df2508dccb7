// One SSH session to one node: a pinned host key, a live ssh2 connection (re-opened on
// demand if it dropped), exec with timeout/exit code/streamed output, sudo that gets the
// password on stdin only when it asks (sudo-dialogue.ts), and SFTP upload verified by
// checksum and placed atomically (upload.ts).
import * as fs from 'node:fs'
import type { Duplex } from 'node:stream'
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2'
import type { HostKeyInfo, SshErrorInfo, SshTarget } from '../../api/model'
import type { HostKeyStore } from '../store/host-key-store'
import { mapSshError, SshError } from './errors'
import { hostKeyInfoOf } from './host-key'
import { buildRemoteCommand, classifySudoFailure, usesSudo } from './remote-command'
import { ExecAborted, ExecOutputTooLarge, ExecTimeout, MAX_EXEC_OUTPUT_BYTES, runChannel, type ChannelResult } from './run-channel'
export { MAX_EXEC_OUTPUT_BYTES } from './run-channel'
import { uploadAtomically, type UploadChannel } from './upload'
import { newSudoMarkers, sudoFailureError, type SudoAnswer } from './sudo-dialogue'

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

const DEFAULT_EXEC_TIMEOUT_MS = 60_000
/** OpenSSH's default MaxSessions is 10 channels per connection; stay below it. */
const MAX_CONCURRENT_CHANNELS = 8

/** A tiny counting semaphore so concurrent execs never exceed the server's channel limit. */
class Slots {
  private free: number
  private waiters: Array<() => void> = []
  constructor(n: number) {
    this.free = n
  }
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => this.waiters.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.shift()
      if (next) next()
      else this.free++
    }
  }
}

function describeArgv(argv: readonly string[]): string {
  // Only the program name: arguments may hold paths or data the log has no business keeping.
  return argv[0] ?? '(empty)'
}

export class Ssh2Session implements SshSession {
  readonly target: Omit<SshTarget, 'auth' | 'sudoPassword'>
  private _hostKey: HostKeyInfo | undefined
  private client: Client | undefined
  private connected = false
  private connecting: Promise<void> | undefined
  private closedByUser = false
  /** Set once the first connect succeeds, so a later success is a reconnect. */
  private everConnected = false
  private readonly slots = new Slots(MAX_CONCURRENT_CHANNELS)

  constructor(
    readonly id: string,
    private readonly fullTarget: SshTarget,
    private readonly hostKeys: HostKeyStore,
    private readonly cfg: SessionConfig
  ) {
    this.target = { host: fullTarget.host, port: fullTarget.port, username: fullTarget.username }
  }

  get hostKey(): HostKeyInfo {
    if (!this._hostKey) throw new Error('session not opened yet')
    return this._hostKey
  }

  private get where(): string {
    return `${this.target.username}@${this.target.host}:${this.target.port}`
  }

  isConnected(): boolean {
    return this.connected
  }

  /** First connection; also used to reconnect. Rejects with a typed SshError. */
  open(): Promise<void> {
    if (this.closedByUser) {
      return Promise.reject(
        new SshError({
          kind: 'disconnected',
          host: this.target.host,
          port: this.target.port,
          message: `The session to ${this.where} was closed.`,
          hint: 'Connect to the node again.'
        })
      )
    }
    if (this.connected) return Promise.resolve()
    if (!this.connecting) {
      this.connecting = this.connectOnce().finally(() => {
        this.connecting = undefined
      })
    }
    return this.connecting
  }

  private authConfig(): Partial<ConnectConfig> {
    const { auth } = this.fullTarget
    const { host, port } = this.target
    switch (auth.kind) {
      case 'password':
        return { password: auth.password, tryKeyboard: true }
      case 'key': {
        let privateKey: Buffer
        try {
          privateKey = fs.readFileSync(auth.privateKeyPath)
        } catch (e) {
          throw mapSshError(e, { host, port, phase: 'auth' })
        }
        const c: Partial<ConnectConfig> = { privateKey }
        if (auth.passphrase !== undefined) c.passphrase = auth.passphrase
        return c
      }
      case 'agent': {
        const sock = auth.socketPath ?? process.env.SSH_AUTH_SOCK ?? (process.platform === 'win32' ? 'pageant' : undefined)
        if (!sock) {
          throw new SshError({
            kind: 'invalid-input',
            host,
            port,
            message: `No SSH agent is available to log in to ${this.where}.`,
            hint: 'Start ssh-agent and add a key (ssh-add), make SSH_AUTH_SOCK visible to HAVIP Manager, or give the agent socket path.'
          })
        }
        return { agent: sock }
      }
    }
  }

  private connectOnce(): Promise<void> {
    const { host, port, username } = this.target
    return new Promise<void>((resolve, reject) => {
      let settled = false
      let hostKeyError: SshError | undefined
      const client = new Client()
      const fail = (e: unknown, phase: 'connect' | 'auth'): void => {
        if (settled) return
        settled = true
        client.removeAllListeners('ready')
        client.on('error', () => {}) // late errors after a failed connect are expected noise
        client.end()
        reject(hostKeyError ?? mapSshError(e, { host, port, phase }))
      }
      let authStarted = false

      client.on('ready', () => {
        if (settled) return
        if (this.closedByUser) {
          // close() was called while we were (re)connecting: do not resurrect the session.
          return fail(new Error('Not connected: the session was closed while connecting'), 'connect')
        }
        settled = true
        this.client = client
        this.connected = true
        const isReconnect = this.everConnected
        this.everConnected = true
        this.cfg.log(`${isReconnect ? 'reconnected' : 'connected'} to ${this.where} (${this._hostKey?.keyType} ${this._hostKey?.fingerprint})`)
        resolve()
        if (isReconnect) this.reportLink({ state: 'reconnected' })
      })
      /** The last error of an established connection: the reason for the drop that follows. */
      let lastError: unknown
      client.on('error', (e) => {
        if (!settled) return fail(e, authStarted ? 'auth' : 'connect')
        lastError = e
        this.cfg.log(`connection to ${this.where} failed: ${(e as Error).message}`)
      })
      client.on('close', () => {
        // close() detaches the client before ending it, so only a drop still finds it here.
        if (this.client === client) {
          this.connected = false
          this.client = undefined
          if (!this.closedByUser) {
            const reason = this.dropReason(lastError)
            this.cfg.log(`connection to ${this.where} closed; it is reopened on the next command (${reason.message})`)
            this.reportLink({ state: 'dropped', reason: reason.toInfo() })
          }
        }
        if (!settled) fail(new Error('Connection lost before handshake'), 'connect')
      })
      client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => {
        // Servers that do passwords through PAM ask via keyboard-interactive: answer
        // every echo-off prompt with the password, nothing else.
        const pw = this.fullTarget.auth.kind === 'password' ? this.fullTarget.auth.password : ''
        finish(prompts.map((p) => (p.echo ? '' : pw)))
      })

      let config: ConnectConfig
      try {
        config = {
          host,
          port,
          username,
          readyTimeout: this.cfg.connectTimeoutMs,
          keepaliveInterval: this.cfg.keepaliveIntervalMs,
          // ssh2 gives up on the tick after countMax unanswered pings, i.e. after
          // (countMax + 1) intervals; ask for one less so a dead peer is reported within
          // interval * countMax. At least 1, or ssh2 would give up without sending a ping.
          keepaliveCountMax: Math.max(1, (this.cfg.keepaliveCountMax ?? 3) - 1),
          hostVerifier: (key: Buffer): boolean => {
            authStarted = true
            const offered = hostKeyInfoOf(host, port, key)
            let check: ReturnType<HostKeyStore['check']>
            try {
              check = this.hostKeys.check(offered)
            } catch (e) {
              // A damaged store must stop the connection, never be read as "no key pinned".
              hostKeyError = new SshError({
                kind: 'invalid-input',
                host,
                port,
                message: `Cannot check the host key of ${host}:${port}: ${(e as Error).message}`,
                hint: 'Repair or remove the host-key store named above, then connect again.',
                hostKey: offered,
                cause: e
              })
              return false
            }
            // A reconnect must meet the very key this session was opened with.
            if (this._hostKey && check.status === 'trusted' && this._hostKey.fingerprint !== offered.fingerprint) {
              hostKeyError = hostKeyChanged(offered, this._hostKey.fingerprint)
              return false
            }
            if (check.status === 'trusted') {
              this._hostKey = check.pinned
              return true
            }
            hostKeyError =
              check.status === 'unknown'
                ? new SshError({
                    kind: 'host-key-unknown',
                    host,
                    port,
                    message: `${host}:${port} is not known yet: it offered the ${offered.keyType} host key ${offered.fingerprint}.`,
                    hint: `Check the fingerprint on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or the key type shown) and trust it only if it matches.`,
                    hostKey: offered
                  })
                : hostKeyChanged(offered, check.pinned.fingerprint)
            return false
          },
          ...this.authConfig(),
          ...(this.cfg.openSocket ? { sock: this.cfg.openSocket(host, port) } : {})
        }
      } catch (e) {
        return fail(e, 'auth')
      }
      this.cfg.log(`connecting to ${this.where}`)
      try {
        client.connect(config)
      } catch (e) {
        // ssh2 throws synchronously for unusable keys (e.g. encrypted without passphrase).
        fail(e, 'auth')
      }
    })
  }

  /** Why an established connection went away, from the error ssh2 reported (if any) before 'close'. */
  private dropReason(lastError: unknown): SshError {
    const { host, port } = this.target
    if (lastError !== undefined) return mapSshError(lastError, { host, port, phase: 'exec' })
    // No error: the server side closed the TCP connection (sshd or its session process ended,
    // or the node shut down cleanly).
    return new SshError({
      kind: 'disconnected',
      host,
      port,
      message: `The SSH server on ${host}:${port} closed the connection.`,
      hint: `The node may have rebooted, or its SSH server (or this session's sshd process) was stopped. Check that ${host} is up.`
    })
  }

  private reportLink(change: SessionLinkChange): void {
    try {
      this.cfg.onLinkChange?.(change)
    } catch (e) {
      // An observer's bug must not break the connection handling.
      this.cfg.log(`a link-state observer failed: ${(e as Error).message}`)
    }
  }

  private async channel(argv: readonly string[]): Promise<Client> {
    if (argv.length === 0) {
      throw new SshError({
        kind: 'invalid-input',
        host: this.target.host,
        port: this.target.port,
        message: 'No command given.',
        hint: 'Pass the program and its arguments as an array.'
      })
    }
    if (!this.connected) await this.open() // reconnect on demand, same pinned key
    const c = this.client
    if (!c) throw mapSshError(new Error('Not connected'), { host: this.target.host, port: this.target.port, phase: 'exec' })
    return c
  }

  async openShell(pty: ShellPty): Promise<ClientChannel> {
    const { host, port } = this.target
    const client = await this.channel(['shell'])
    this.cfg.log(`opening an interactive shell on ${this.where}`)
    return new Promise<ClientChannel>((resolve, reject) => {
      try {
        client.shell({ term: pty.term, cols: pty.cols, rows: pty.rows, width: 0, height: 0 }, {}, (err, channel) =>
          err ? reject(mapSshError(err, { host, port, phase: 'exec' })) : resolve(channel)
        )
      } catch (e) {
        // ssh2 throws synchronously when the connection ended between the check and the request.
        reject(mapSshError(e, { host, port, phase: 'exec' }))
      }
    })
  }

  private sudoPassword(): string | undefined {
    const t = this.fullTarget
    return t.sudoPassword ?? (t.auth.kind === 'password' ? t.auth.password : undefined)
  }

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.execImpl(argv, opts, true)
  }

  private async execImpl(argv: string[], opts: ExecOptions, killOnTimeout: boolean): Promise<ExecResult> {
    const { host, port, username } = this.target
    if (argv.length === 0 || argv.some((a) => typeof a !== 'string' || a.includes('\0'))) {
      throw new SshError({
        kind: 'invalid-input',
        host,
        port,
        message: argv.length === 0 ? 'No command given.' : 'A command argument contains a NUL byte or is not a string.',
        hint: 'Pass the program and its arguments as an array of strings without NUL bytes.'
      })
    }
    const sudo = usesSudo({ sudo: opts.sudo, username })
    let sudoAnswer: SudoAnswer | undefined
    if (sudo) {
      const pw = this.sudoPassword()
      if (pw !== undefined && /[\r\n]/.test(pw)) {
        throw new SshError({
          kind: 'invalid-input',
          host,
          port,
          message: 'The sudo password contains a line break, which sudo cannot read from stdin.',
          hint: 'Check the sudo password.'
        })
      }
      // Sent only if sudo asks (NOPASSWD never does), so it may well be unknown here.
      sudoAnswer = { markers: newSudoMarkers(), password: pw === '' ? undefined : pw }
    }
    const command = buildRemoteCommand(argv, { sudo: opts.sudo, username, markers: sudoAnswer?.markers })
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS

    const release = await this.slots.acquire()
    try {
      const client = await this.channel(argv)
      if (!opts.quiet) this.cfg.log(`exec on ${host}${sudo ? ' (sudo)' : ''}: ${describeArgv(argv)}`)
      let run: ChannelResult
      try {
        run = await runChannel(client, command, {
          timeoutMs,
          sudo: sudoAnswer,
          stdin: opts.stdin,
          onStdout: opts.onStdout,
          onStderr: opts.onStderr,
          maxOutputBytes: opts.maxOutputBytes ?? MAX_EXEC_OUTPUT_BYTES,
          streamOnly: opts.streamOnly === true,
          signal: opts.signal
        })
      } catch (e) {
        if (e instanceof ExecAborted) {
          release()
          const stopped = e.pid !== undefined && (await this.killRemote(e.pid, sudo))
          throw new SshError({
            kind: 'command-failed',
            host,
            port,
            message: `${describeArgv(argv)} on ${host} was stopped on request${stopped ? '' : '; it could not be confirmed stopped on the node'}.`,
            hint: 'Nothing to do: the app stopped it.'
          })
        }
        if (e instanceof ExecTimeout || e instanceof ExecOutputTooLarge) {
          release() // the clean-up below needs a channel of its own
          const stopped = killOnTimeout && e.pid !== undefined && (await this.killRemote(e.pid, sudo))
          const what = describeArgv(argv)
          throw new SshError(
            e instanceof ExecTimeout
              ? {
                  kind: 'timeout',
                  host,
                  port,
                  message:
                    `${what} on ${host} did not finish within ${timeoutMs} ms` +
                    (stopped ? ' and was stopped.' : '; it could not be confirmed stopped on the node.'),
                  hint: 'The node may be overloaded or the command may wait for input; retry, or allow a longer timeout.'
                }
              : {
                  kind: 'command-failed',
                  host,
                  port,
                  message:
                    `${what} on ${host} wrote more than ${e.limit} bytes to ${e.stream}, the output cap of HAVIP Manager, ` +
                    (stopped ? 'and was stopped.' : 'and was cut off; it could not be confirmed stopped on the node.'),
                  hint: 'The command printed far more than expected: run it on the node to see why, or send its output to a file there.'
                }
          )
        }
        throw mapSshError(e, { host, port, phase: 'exec' })
      }
      const { sudoPrompts, sudoStarted, ...result } = run
      if (sudoAnswer && !sudoStarted) {
        // sudo itself failed (the command never ran): say why, from what sudo did and said.
        const failure =
          sudoPrompts > 0 && sudoAnswer.password === undefined
            ? 'password-required'
            : sudoPrompts > 1
              ? 'wrong-password'
              : classifySudoFailure(result.code, result.stderr)
        if (failure) throw sudoFailureError(failure, { host, port, username, code: result.code, stderr: result.stderr })
      }
      return result
    } finally {
      release()
    }
  }

  /**
   * Stop a timed-out command by its process group. Signals over SSH (RFC 4254 §6.9) are
   * refused by OpenSSH for root logins ("session signalling requires privilege separation"),
   * so kill it from a second channel: TERM first (sudo relays it to its child), KILL after
   * up to 2 s. Returns whether the group is gone.
   */
  private async killRemote(pid: number, sudo: boolean): Promise<boolean> {
    // `kill -s SIG -- -PGID` is the spelling dash, bash and busybox all accept.
    const script =
      'g="-$1"; kill -s TERM -- "$g" 2>/dev/null; i=0; ' +
      'while kill -s 0 -- "$g" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; ' +
      'kill -s KILL -- "$g" 2>/dev/null; i=0; ' +
      'while kill -s 0 -- "$g" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done; ' +
      '! kill -s 0 -- "$g" 2>/dev/null'
    try {
      const r = await this.execImpl(['sh', '-c', script, 'sh', String(pid)], { sudo, timeoutMs: 10_000 }, false)
      return r.code === 0
    } catch {
      return false
    }
  }

  async execOk(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(argv, opts)
    if (r.code !== 0) {
      const { host, port } = this.target
      const err = r.stderr.trim()
      const firstLine = err.split('\n').find((l) => l.trim() !== '') ?? ''
      throw new SshError({
        kind: 'command-failed',
        host,
        port,
        message:
          `${describeArgv(argv)} failed on ${host} with ${r.signal ? `signal ${r.signal}` : `exit code ${r.code}`}` +
          (firstLine ? `: ${firstLine}` : '.'),
        hint:
          r.code === 127
            ? `${describeArgv(argv)} is not installed on ${host} (or not on its PATH).`
            : r.code === 126
              ? `${describeArgv(argv)} is not executable on ${host}: check its permissions.`
              : 'See the command\'s error output for the cause.',
        exitCode: r.code,
        stderr: err
      })
    }
    return r
  }

  private async sftp(): Promise<SFTPWrapper> {
    const client = await this.channel(['sftp'])
    return new Promise((resolve, reject) => {
      client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)))
    })
  }

  /** Verified, atomic upload (see upload.ts); with sudo the file is placed by root. */
  upload(data: Buffer | { localPath: string }, remotePath: string, opts: UploadOptions = {}): Promise<{ sha256: string; bytes: number }> {
    const channel: UploadChannel = {
      target: this.target,
      sudo: usesSudo({ sudo: true, username: this.target.username }),
      log: (line) => this.cfg.log(line),
      exec: (argv, o) => this.exec(argv, o),
      execOk: (argv, o) => this.execOk(argv, o),
      withSftp: async (fn) => {
        // The SFTP channel takes one slot only while it is open; the execs take their own.
        const release = await this.slots.acquire()
        try {
          const sftp = await this.sftp()
          try {
            return await fn(sftp)
          } finally {
            sftp.end()
          }
        } finally {
          release()
        }
      }
    }
    return uploadAtomically(channel, data, remotePath, opts)
  }

  async close(): Promise<void> {
    this.closedByUser = true
    const c = this.client
    this.client = undefined
    this.connected = false
    if (!c) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        c.destroy()
        resolve()
      }, 3000)
      c.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      c.end()
    })
    this.cfg.log(`disconnected from ${this.where}`)
  }
}

function hostKeyChanged(offered: HostKeyInfo, expectedFingerprint: string): SshError {
  return new SshError({
    kind: 'host-key-changed',
    host: offered.host,
    port: offered.port,
    message:
      `WARNING: the host key of ${offered.host}:${offered.port} has CHANGED. It offered ${offered.keyType} ${offered.fingerprint}, ` +
      `but ${expectedFingerprint} is pinned. Someone may be intercepting the connection, or the node was reinstalled.`,
    hint:
      'Do not connect until you know why. If the node was reinstalled or its keys regenerated on purpose, verify the new fingerprint on the node ' +
      '(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then forget the pinned key and trust the new one.',
    hostKey: { ...offered, expectedFingerprint }
  })
}
