// The Windows adapter: facts through the PowerShell seam, PowerShell verbatim quoting, and
// command lines that run an argv through powershell.exe with the values passed as data.
import type { RemoteCommandOptions } from '../../ssh/remote-command'
import type { SshSession } from '../../ssh/session'
import type { PlatformAdapter } from '../platform-adapter'
import { quotePowerShell } from '../quote'
import { encodeCommand } from './encoded-command'
import { SshPowerShellRunner } from './runner'
import { WINDOWS_SCRIPTS } from './scripts'
import { collectWindowsFactsWith } from './windows-facts'

export const windowsPlatform: PlatformAdapter = {
  platform: 'windows',
  collectFacts: (session: SshSession) => collectWindowsFactsWith(new SshPowerShellRunner(session)),
  quote: quotePowerShell,
  commandLine(argv: readonly string[], opts: RemoteCommandOptions): string {
    // No sudo on Windows: rights come from the login's token (an administrator's is elevated).
    if (opts.sudo) throw new Error('windowsPlatform.commandLine: there is no sudo on Windows; log in as an administrator instead')
    if (argv.length === 0) throw new Error('windowsPlatform.commandLine: empty argv; give at least the program name')
    const def = WINDOWS_SCRIPTS['run-argv']
    return encodeCommand('run-argv', def.body, def.depth, { argv: [...argv] }).commandLine
  }
}
