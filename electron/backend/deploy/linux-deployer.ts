// The deploy service for Linux nodes: NodeDeployer (node-deployer.ts) over an SshSession.
// Each operation is one module of this folder; this class only wires them to the bundle and
// runtime found on this machine.
import type { ClusterDefinition } from '../../api/cluster'
import type { NodeFacts } from '../../api/model'
import type { SshSession } from '../ssh/session'
import { findAgentBundleDir } from '../validation/groups/vrrp-bundle'
import { agentControl, agentProbe, agentStatus } from './agent-status'
import { installRelease } from './install-release'
import { noAgentBundle } from './layout'
import type { AgentState, NodeDeployer, NodeInstallState, ServiceKind, StepNote } from './node-deployer'
import { installState, probeNode } from './node-probe'
import { removeAll } from './removal'
import { writeConfigFiles } from './root-files'
import { findRuntimeDir } from './runtime'
import { installService, serviceAction } from './service'
import { startSupervisor } from './supervisor'
import { systemctl } from './systemd-unit'

export interface LinuxDeployerOptions {
  /** The agent bundle (resources/agent); found like validation finds it when absent. */
  bundleDir?: string
  /** The runtime archives (resources/runtime); found the same way when absent. */
  runtimeDir?: string
  now?: () => string
}

export class LinuxDeployer implements NodeDeployer {
  private readonly bundleDir: string | undefined
  private readonly runtimeDir: string | undefined
  private readonly now: () => string

  constructor(opts: LinuxDeployerOptions = {}) {
    this.bundleDir = opts.bundleDir ?? findAgentBundleDir()
    this.runtimeDir = opts.runtimeDir ?? findRuntimeDir()
    this.now = opts.now ?? (() => new Date().toISOString())
  }

  async inspect(session: SshSession): Promise<NodeInstallState> {
    return installState(await probeNode(session, { askNode: false }))
  }

  installRelease(session: SshSession, facts: NodeFacts, note: StepNote): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
    if (!this.bundleDir) {
      return Promise.reject(noAgentBundle(session.target.host))
    }
    return installRelease(session, facts, note, { bundleDir: this.bundleDir, runtimeDir: this.runtimeDir, now: this.now })
  }

  writeConfig(session: SshSession, definition: ClusterDefinition, agentConfigJson: string): Promise<void> {
    return writeConfigFiles(session, definition, agentConfigJson)
  }

  installService(session: SshSession): Promise<ServiceKind> {
    return installService(session)
  }

  start(session: SshSession, kind?: ServiceKind): Promise<void> {
    if (kind === 'systemd') return systemctl(session, 'start')
    if (kind === 'supervisor') return startSupervisor(session)
    return serviceAction(session, 'start')
  }

  reload(session: SshSession): Promise<void> {
    return serviceAction(session, 'reload')
  }

  stop(session: SshSession): Promise<void> {
    return serviceAction(session, 'stop')
  }

  status(session: SshSession): Promise<AgentState> {
    return agentStatus(session)
  }

  control(session: SshSession, cmd: 'release' | 'takeover', instance: string): Promise<void> {
    return agentControl(session, cmd, instance)
  }

  probe(session: SshSession, address: string, count: number): Promise<{ sent: number; answered: number }> {
    return agentProbe(session, address, count)
  }

  removeAll(session: SshSession, note: StepNote): Promise<string[]> {
    return removeAll(session, note)
  }
}
