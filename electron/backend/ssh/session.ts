// One SSH session to one node: a pinned host key, a live ssh2 connection (re-opened on
// demand if it dropped), exec with timeout/exit code/streamed output, sudo that gets the
// password on stdin only when it asks (sudo-dialogue.ts), and SFTP upload verified by
// checksum and placed atomically (upload.ts).
//
// This class only composes the parts, each in a module of its own because it changes for
// its own reasons: the connect/reconnect lifecycle (reconnecting-connection.ts, with
// host-key-verify.ts and login-auth.ts), running commands (exec-command.ts over
// run-channel.ts, bounded by channel-slots.ts), the terminal's shell (shell-channel.ts) and
// uploads (upload.ts; on a Windows node, told by the server's identification string,
// platform/windows/windows-upload.ts). The contract other modules use is in
// session-types.ts, re-exported here.
import type { ClientChannel, SFTPWrapper } from 'ssh2'
import type { HostKeyInfo, SshTarget } from '../../api/model'
import { platformFromServerIdent } from '../platform/windows/detect'
import { SshPowerShellRunner } from '../platform/windows/runner'
import { uploadToWindows } from '../platform/windows/windows-upload'
import type { HostKeyStore } from '../store/host-key-store'
import { ChannelSlots } from './channel-slots'
import { checkExitCode, execCommand, type CommandHost } from './exec-command'
import { ReconnectingConnection } from './reconnecting-connection'
import { usesSudo } from './remote-command'
import type { ExecOptions, ExecResult, SessionConfig, ShellPty, SshSession, UploadOptions } from './session-types'
import { openShellChannel } from './shell-channel'
import { uploadAtomically, type UploadChannel } from './upload'

export type { ExecOptions, ExecResult, SessionConfig, SessionLinkChange, ShellPty, SshSession, UploadOptions } from './session-types'
export { MAX_EXEC_OUTPUT_BYTES } from './run-channel'

export class Ssh2Session implements SshSession {
  readonly target: Omit<SshTarget, 'auth' | 'sudoPassword'>
  private readonly connection: ReconnectingConnection
  private readonly slots = new ChannelSlots()
  /** What exec-command.ts needs of this session. */
  private readonly commandHost: CommandHost

  constructor(
    readonly id: string,
    private readonly fullTarget: SshTarget,
    hostKeys: HostKeyStore,
    private readonly cfg: SessionConfig
  ) {
    this.connection = new ReconnectingConnection(fullTarget, hostKeys, cfg)
    this.target = this.connection.target
    this.commandHost = {
      target: this.target,
      slots: this.slots,
      liveClient: () => this.connection.liveClient(),
      isWindows: () => this.isWindows(),
      sudoPassword: () => this.sudoPassword(),
      log: (line) => this.cfg.log(line)
    }
  }

  get hostKey(): HostKeyInfo {
    return this.connection.hostKey
  }

  get serverIdent(): string | undefined {
    return this.connection.serverIdent
  }

  isConnected(): boolean {
    return this.connection.isConnected()
  }

  /** A Win32-OpenSSH server: commands go to cmd or PowerShell, not to a POSIX shell. */
  private isWindows(): boolean {
    return platformFromServerIdent(this.connection.serverIdent) === 'windows'
  }

  /** First connection; also used to reconnect. Rejects with a typed SshError. */
  open(): Promise<void> {
    return this.connection.open()
  }

  async openShell(pty: ShellPty): Promise<ClientChannel> {
    const client = await this.connection.liveClient()
    this.cfg.log(`opening an interactive shell on ${this.connection.where}`)
    return openShellChannel(client, pty, this.target)
  }

  private sudoPassword(): string | undefined {
    const t = this.fullTarget
    return t.sudoPassword ?? (t.auth.kind === 'password' ? t.auth.password : undefined)
  }

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return execCommand(this.commandHost, argv, opts, true)
  }

  async execOk(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return checkExitCode(this.target, argv, await this.exec(argv, opts))
  }

  private async sftp(): Promise<SFTPWrapper> {
    const client = await this.connection.liveClient()
    return new Promise((resolve, reject) => {
      client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)))
    })
  }

  /**
   * Verified, atomic upload (see upload.ts); with sudo the file is placed by root. On a Windows
   * node the path is a Windows one (C:\...) and the file is checked and placed through the
   * PowerShell seam (platform/windows/windows-upload.ts); sudo and mode do not apply there.
   */
  async upload(data: Buffer | { localPath: string }, remotePath: string, opts: UploadOptions = {}): Promise<{ sha256: string; bytes: number }> {
    // The platform is known once connected (the server's identification string).
    await this.connection.open()
    const withSftp = async <T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> => {
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
    const log = (line: string): void => this.cfg.log(line)
    if (this.isWindows()) {
      return uploadToWindows({ target: this.target, log, withSftp, powershell: new SshPowerShellRunner(this) }, data, remotePath, opts)
    }
    const channel: UploadChannel = {
      target: this.target,
      sudo: usesSudo({ sudo: true, username: this.target.username }),
      log,
      exec: (argv, o) => this.exec(argv, o),
      execOk: (argv, o) => this.execOk(argv, o),
      withSftp
    }
    return uploadAtomically(channel, data, remotePath, opts)
  }

  close(): Promise<void> {
    return this.connection.close()
  }
}
