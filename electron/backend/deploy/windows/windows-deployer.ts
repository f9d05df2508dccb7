// The deploy service for Windows Server nodes: NodeDeployer (node-deployer.ts) through the
// PowerShell seam (platform/windows/): every command is a named script run by a
// PowerShellRunner (SSH on a real node, replay in tests), every file an upload through
// session.upload (SFTP + 'place-file'). Layout and the reasons for it: windows-layout.ts.
import type { ClusterDefinition } from '../../../api/cluster'
import type { NodeFacts } from '../../../api/model'
import { SshPowerShellRunner, type PowerShellRunner } from '../../platform/windows/runner'
import type { SshSession } from '../../ssh/session'
import { findAgentBundleDir } from '../../validation/groups/vrrp-bundle'
import { noAgentBundle } from '../layout'
import type { AgentState, NodeDeployer, NodeInstallState, ServiceKind, StepNote } from '../node-deployer'
import { findRuntimeDir } from '../runtime'
import { windowsAgentCommand, windowsAgentProbe, windowsAgentStatus, windowsService } from './windows-agent'
import { installWindowsRelease, writeWindowsConfig } from './windows-install'
import { WIN_DATA, WIN_ROOT, WIN_RUNTIMES } from './windows-layout'
import { inspectWindowsNode, runStep } from './windows-steps'

export interface WindowsDeployerOptions {
  bundleDir?: string
  runtimeDir?: string
  now?: () => string
  /** How to reach PowerShell on a session (tests: a replay runner). */
  powershell?: (session: SshSession) => PowerShellRunner
}

function clusterOf(text: string | null): NodeInstallState['cluster'] {
  if (text === null) return null
  try {
    const v = JSON.parse(text.replace(/^\uFEFF/, '')) as { id?: unknown; name?: unknown; generation?: unknown }
    if (typeof v.id === 'string' && typeof v.name === 'string' && typeof v.generation === 'number') return { id: v.id, name: v.name, generation: v.generation }
    return { unreadable: 'it lacks id, name or generation' }
  } catch (e) {
    return { unreadable: (e as Error).message }
  }
}

export class WindowsDeployer implements NodeDeployer {
  private readonly bundleDir: string | undefined
  private readonly runtimeDir: string | undefined
  private readonly now: () => string
  private readonly ps: (session: SshSession) => PowerShellRunner

  constructor(opts: WindowsDeployerOptions = {}) {
    this.bundleDir = opts.bundleDir ?? findAgentBundleDir()
    this.runtimeDir = opts.runtimeDir ?? findRuntimeDir()
    this.now = opts.now ?? (() => new Date().toISOString())
    this.ps = opts.powershell ?? ((s) => new SshPowerShellRunner(s))
  }

  async inspect(session: SshSession): Promise<NodeInstallState> {
    const s = await inspectWindowsNode(this.ps(session))
    return {
      releases: s.releases,
      currentRelease: s.current?.release ?? null,
      uploadedRuntime: (s.uploadedRuntimes.find((r) => s.current?.node.startsWith(`${WIN_RUNTIMES}\\${r.dir}\\`)) ?? s.uploadedRuntimes[0])?.version ?? null,
      nodePath: s.current?.node ?? null,
      service: s.service ? { kind: 'windows-service', installed: true, running: s.service.status === 'Running' } : null,
      cluster: clusterOf(s.clusterJson),
      optFreeBytes: s.freeBytes
    }
  }

  installRelease(session: SshSession, _facts: NodeFacts, note: StepNote): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
    if (!this.bundleDir) {
      return Promise.reject(noAgentBundle(session.target.host))
    }
    return installWindowsRelease(session, this.ps(session), note, { bundleDir: this.bundleDir, runtimeDir: this.runtimeDir, now: this.now })
  }

  writeConfig(session: SshSession, definition: ClusterDefinition, agentConfigJson: string): Promise<void> {
    return writeWindowsConfig(session, this.ps(session), definition, agentConfigJson)
  }

  async installService(session: SshSession): Promise<ServiceKind> {
    await windowsService(this.ps(session), 'install')
    return 'windows-service'
  }

  start(session: SshSession): Promise<void> {
    return windowsService(this.ps(session), 'start')
  }

  reload(session: SshSession): Promise<void> {
    return windowsAgentCommand(this.ps(session), 'reload')
  }

  stop(session: SshSession): Promise<void> {
    return windowsService(this.ps(session), 'stop')
  }

  status(session: SshSession): Promise<AgentState> {
    return windowsAgentStatus(this.ps(session))
  }

  control(session: SshSession, cmd: 'release' | 'takeover', instance: string): Promise<void> {
    return windowsAgentCommand(this.ps(session), cmd, instance)
  }

  probe(session: SshSession, address: string, count: number): Promise<{ sent: number; answered: number }> {
    return windowsAgentProbe(this.ps(session), address, count)
  }

  async removeAll(session: SshSession, note: StepNote): Promise<string[]> {
    note(`stopping the agent and removing the havip-agent service, ${WIN_ROOT} and ${WIN_DATA}`)
    // The agent gives its VIPs up when the service stops them (they live in the ActiveStore only, so a reboot clears any left by a crash).
    const r = await runStep<{ left?: unknown }>(this.ps(session), 'Removing HAVIP', 'deploy-remove')
    const left = (Array.isArray(r?.left) ? r.left : typeof r?.left === 'string' ? [r.left] : []).map(String)
    return left.map((l) =>
      l.startsWith('service ')
        ? `the ${l} is marked for deletion; Windows removes it once nothing holds it open (close the Services console, or reboot)`
        : `${l} is still there (a file in it is in use); remove it by hand as an administrator`
    )
  }
}
