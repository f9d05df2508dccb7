// One NodeDeployer for the cluster service whatever the node: each call goes to the Windows
// deployer when the session's SSH server is Win32-OpenSSH (the platform told at connect from
// its identification string), to the Linux deployer otherwise.
import type { ClusterDefinition } from '../../api/cluster'
import type { NodeFacts } from '../../api/model'
import { platformFromServerIdent } from '../platform/windows/detect'
import type { SshSession } from '../ssh/session'
import type { AgentState, NodeDeployer, NodeInstallState, ServiceKind, StepNote } from './node-deployer'

export class PlatformDeployer implements NodeDeployer {
  constructor(
    private readonly linux: NodeDeployer,
    private readonly windows: NodeDeployer
  ) {}

  /** The deployer for this session's node. */
  for(session: SshSession): NodeDeployer {
    return platformFromServerIdent(session.serverIdent) === 'windows' ? this.windows : this.linux
  }

  inspect(s: SshSession): Promise<NodeInstallState> {
    return this.for(s).inspect(s)
  }
  installRelease(s: SshSession, facts: NodeFacts, note: StepNote): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
    return this.for(s).installRelease(s, facts, note)
  }
  writeConfig(s: SshSession, definition: ClusterDefinition, agentConfigJson: string): Promise<void> {
    return this.for(s).writeConfig(s, definition, agentConfigJson)
  }
  installService(s: SshSession): Promise<ServiceKind> {
    return this.for(s).installService(s)
  }
  start(s: SshSession, kind?: ServiceKind): Promise<void> {
    return this.for(s).start(s, kind)
  }
  reload(s: SshSession): Promise<void> {
    return this.for(s).reload(s)
  }
  stop(s: SshSession): Promise<void> {
    return this.for(s).stop(s)
  }
  status(s: SshSession): Promise<AgentState> {
    return this.for(s).status(s)
  }
  control(s: SshSession, cmd: 'release' | 'takeover', instance: string): Promise<void> {
    return this.for(s).control(s, cmd, instance)
  }
  probe(s: SshSession, address: string, count: number): Promise<{ sent: number; answered: number }> {
    return this.for(s).probe(s, address, count)
  }
  removeAll(s: SshSession, note: StepNote): Promise<string[]> {
    return this.for(s).removeAll(s, note)
  }
}
