// The Linux adapter: POSIX shell quoting, sudo command lines and the facts of linux-facts.ts.
import { buildRemoteCommand } from '../ssh/remote-command'
import { collectLinuxFacts } from './linux-facts'
import type { PlatformAdapter } from './platform-adapter'
import { quotePosix } from './quote'

export const linuxPlatform: PlatformAdapter = {
  platform: 'linux',
  collectFacts: collectLinuxFacts,
  quote: quotePosix,
  commandLine: buildRemoteCommand
}
