/**
 * What differs between the operating systems the agent runs on, chosen once from
 * process.platform (injected by tests): the OS adapter, how the config is read (interface names,
 * the control endpoint), and how the control channel is guarded. Linux: iproute2 and a Unix
 * socket whose mode admits root only. Windows: PowerShell's NetTCPIP cmdlets and a named pipe
 * guarded by a per-start token (control/token.ts).
 */
import type { AgentConfig, ConfigTarget } from './config/model'
import { WINDOWS_TOKEN_FILE } from './control/token'
import { LinuxOs } from './os/linux'
import type { OsAdapter } from './os/os-adapter'
import { WindowsOs } from './os/windows'
import { checkPrivateDir } from './os/windows/config-acl'
import { LocalPsRunner, type PsRunner } from './os/windows/ps-runner'

export interface PlatformRuntime {
  platform: 'linux' | 'win32'
  /** How config files are read and checked on this OS. */
  configTarget: ConfigTarget
  /** Where the control token is written at start and read by ctl; absent: no token (the socket's mode guards it). */
  tokenFile?: string
  /** The OS adapter for a config; `warn` receives problems that do not stop the agent. */
  makeOs(config: AgentConfig, warn: (message: string) => void): OsAdapter & { interfaceUpSync?: (dev: string) => boolean }
  /** Checks, before the token is written, that only the privileged can read it (Windows). */
  checkTokenDir?(): Promise<void>
}

/** Peers the firewall rule admits: every instance's unicast peers (multicast instances add none: the rule then admits the local subnet). */
function allPeers(config: AgentConfig): string[] {
  return [...new Set(config.instances.flatMap((i) => i.unicastPeers))]
}

/** The interfaces that carry VIPs, for the neighbour-update check. */
function vipInterfaces(config: AgentConfig): string[] {
  return [...new Set(config.instances.flatMap((i) => i.vips.map((v) => v.dev ?? i.interface)))]
}

export function platformRuntime(platform: NodeJS.Platform = process.platform, deps: { runner?: PsRunner } = {}): PlatformRuntime {
  if (platform === 'linux') {
    return { platform, configTarget: 'linux', makeOs: () => new LinuxOs() }
  }
  if (platform === 'win32') {
    const runner = deps.runner ?? new LocalPsRunner()
    return {
      platform,
      configTarget: 'windows',
      tokenFile: WINDOWS_TOKEN_FILE,
      makeOs: (config, warn) => new WindowsOs({ runner, vipInterfaces: vipInterfaces(config), firewallPeers: allPeers(config), warn }),
      checkTokenDir: () => checkPrivateDir(runner, WINDOWS_TOKEN_FILE.slice(0, WINDOWS_TOKEN_FILE.lastIndexOf('\\')))
    }
  }
  throw new Error(`havip-agent runs on Linux and Windows Server; this is ${platform}`)
}
