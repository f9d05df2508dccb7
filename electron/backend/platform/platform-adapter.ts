// What the backend needs from a node's operating system, behind one interface: services
// (facts, validation, deploy) ask the adapter instead of writing Linux commands themselves,
// so a Windows adapter (PowerShell over the same SSH, DESIGN.md §9) can slot in later.
import type { NodeFacts } from '../../api/model'
import type { RemoteCommandOptions } from '../ssh/remote-command'
import type { SshSession } from '../ssh/session'

export type PlatformName = NodeFacts['platform']

export interface PlatformAdapter {
  readonly platform: PlatformName
  /**
   * The node's facts, read with read-only commands that need no root. Missing tools give
   * empty values, not a failure; an unusable connection rejects with the session's SshError.
   */
  collectFacts(session: SshSession): Promise<NodeFacts>
  /** One argument quoted for the node's command interpreter (POSIX sh; a PowerShell verbatim string on Windows). */
  quote(arg: string): string
  /**
   * The single command string an SSH exec carries for this argv, every element quoted, run as
   * root when opts.sudo is set (Linux: through `sudo -S`, password on stdin). Windows will wrap
   * it as `powershell.exe ... -EncodedCommand` with the values passed as data.
   * (Ssh2Session still builds Linux command lines itself; it takes this once Windows lands.)
   */
  commandLine(argv: readonly string[], opts: RemoteCommandOptions): string
}

/** Which adapter serves a connection (resolve-platform.ts: Windows when the SSH server is Win32-OpenSSH). */
export type PlatformResolver = (connectionId: string) => PlatformAdapter
