// Where HAVIP's files are on a node, in the words the cluster service uses in its messages
// ("what is left on n2", "n1 has no cluster file"): the one place that says which layout a node
// has, from its platform (told at connect from the SSH server's identification string). The
// deployers own the layouts themselves (deploy/layout.ts, deploy/windows/windows-layout.ts);
// this only names them.
import type { PlatformName } from '../platform/platform-adapter'
import { platformFromServerIdent } from '../platform/windows/detect'
import type { SshSession } from '../ssh/session'
import { AGENT_LOG, CLUSTER_JSON, ETC, OPT, RELEASES, RUNTIMES } from '../deploy/layout'
import { WIN_CLUSTER_JSON, WIN_DATA, WIN_LOGS, WIN_RELEASES, WIN_ROOT, WIN_RUNTIMES, WIN_SERVICE_NAME } from '../deploy/windows/windows-layout'

export interface NodeLayoutNames {
  platform: PlatformName
  clusterFile: string
  /** The folder of cluster.json and agent.json. */
  configDir: string
  installDir: string
  releasesDir: string
  runtimesDir: string
  /** Where to read why the agent did not start or elect. */
  agentLog: string
  /** Where the install's free space is measured. */
  installVolume: string
}

const LINUX: NodeLayoutNames = {
  platform: 'linux',
  clusterFile: CLUSTER_JSON,
  configDir: ETC,
  installDir: OPT,
  releasesDir: RELEASES,
  runtimesDir: RUNTIMES,
  agentLog: AGENT_LOG,
  installVolume: '/opt'
}

const WINDOWS: NodeLayoutNames = {
  platform: 'windows',
  clusterFile: WIN_CLUSTER_JSON,
  configDir: WIN_DATA,
  installDir: WIN_ROOT,
  releasesDir: WIN_RELEASES,
  runtimesDir: WIN_RUNTIMES,
  agentLog: `${WIN_LOGS}\\agent.log (and ${WIN_SERVICE_NAME}.err.log beside it)`,
  installVolume: 'C:'
}

/** The platform of a session's node: Windows for Win32-OpenSSH, Linux otherwise (as the deployers choose). */
export function sessionPlatform(session: Pick<SshSession, 'serverIdent'>): PlatformName {
  return platformFromServerIdent(session.serverIdent) === 'windows' ? 'windows' : 'linux'
}

export function layoutOf(platform: PlatformName | undefined): NodeLayoutNames {
  return platform === 'windows' ? WINDOWS : LINUX
}

export function layoutOfSession(session: Pick<SshSession, 'serverIdent'>): NodeLayoutNames {
  return layoutOf(sessionPlatform(session))
}

/** "/etc/havip/cluster.json" or "C:\ProgramData\HAVIP\cluster.json", or both when the platform is not known. */
export function clusterFileOf(platform: PlatformName | undefined): string {
  return platform ? layoutOf(platform).clusterFile : `${LINUX.clusterFile} (${WINDOWS.clusterFile} on Windows)`
}
