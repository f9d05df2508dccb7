// Which adapter serves a session: Windows when its SSH server is Win32-OpenSSH (told by the
// identification string at connect, see windows/detect.ts), Linux otherwise, as before.
import type { SshSession } from '../ssh/session'
import { linuxPlatform } from './linux-platform'
import type { PlatformAdapter } from './platform-adapter'
import { platformFromServerIdent } from './windows/detect'
import { windowsPlatform } from './windows/windows-platform'

export function platformForSession(session: Pick<SshSession, 'serverIdent'>): PlatformAdapter {
  return platformFromServerIdent(session.serverIdent) === 'windows' ? windowsPlatform : linuxPlatform
}
