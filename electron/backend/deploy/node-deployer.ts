// What the cluster service (electron/backend/clusters/) asks of one node, and what the deploy
// service (electron/backend/deploy/) implements over SSH. Types only: the seam between "which
// nodes, in which order, with what rollback" (clusters) and "how a file, a runtime or a service
// lands on a Linux node" (deploy), so each side is tested on its own.
//
// The layout on a Linux node (every file written to a temp name and renamed; root-owned):
//   /opt/havip/releases/<version>/havip-agent.cjs + prebuilds/<platform>/   the agent bundle
//   /opt/havip/current -> releases/<version>                                 switched atomically
//   /opt/havip/runtime/node-v<x.y.z>-linux-<arch>/bin/node                   only when we uploaded it
//   /opt/havip/node -> the Node.js the agent runs with (system or ours)      switched atomically
//   /etc/havip/cluster.json   the cluster definition, 0600 (holds the VRRP password)
//   /etc/havip/agent.json     this node's agent config derived from it, 0600
//   /etc/havip/install.json   what we installed and what was there before (for a clean removal)
//   /var/log/havip/agent.log  the agent's log;  /run/havip/agent.sock  its control socket
//   service: /etc/systemd/system/havip-agent.service where systemd runs (/run/systemd/system
//   exists), else the agent's own supervisor (`havip-agent supervise`, pid file /run/havip/supervisor.pid).
// A Windows node (Win32-OpenSSH) gets the layout of deploy/windows/windows-layout.ts through
// WindowsDeployer; platform-deployer.ts picks one or the other per session.
import type { ClusterDefinition } from '../../api/cluster'
import type { NodeFacts } from '../../api/model'
import type { SshSession } from '../ssh/session'

/** 'windows-service': the havip-agent Windows service (WinSW), see deploy/windows/windows-layout.ts. */
export type ServiceKind = 'systemd' | 'supervisor' | 'windows-service'

/** What is on a node now, read without changing anything. */
export interface NodeInstallState {
  /** Release versions under /opt/havip/releases, and the one `current` points to. */
  releases: string[]
  currentRelease: string | null
  /** Whether /opt/havip/runtime holds a Node.js we uploaded, and its version. */
  uploadedRuntime: string | null
  /** The Node.js /opt/havip/node points to (null: not set up). */
  nodePath: string | null
  service: { kind: ServiceKind; installed: boolean; running: boolean } | null
  /** The cluster.json there: null when absent; `unreadable` names why it could not be parsed. */
  cluster: { id: string; name: string; generation: number } | { unreadable: string } | null
  /** Free space under /opt (bytes), to refuse early on a full disk. */
  optFreeBytes: number | null
}

/** One instance (role) as `havip-agent ctl status --json` reports it. */
export interface AgentInstanceState {
  name: string
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | string
  vrid: number
  priority: number
  holdsVips: boolean
}

export interface AgentState {
  running: boolean
  version: string | null
  instances: AgentInstanceState[]
  /** Why status could not be read, when it could not. */
  error?: string
}

/** Progress inside one step ("uploading Node.js runtime: 12.3 of 40.1 MB"). */
export type StepNote = (message: string) => void

/** The per-node operations, each idempotent: running it again after a failure converges. */
export interface NodeDeployer {
  inspect(session: SshSession): Promise<NodeInstallState>
  /**
   * Puts this app's agent release on the node (and a Node.js runtime when the node has no usable
   * one), switches `current` and `/opt/havip/node` atomically, records install.json.
   * Returns what it did, in words, for the operation report.
   */
  installRelease(session: SshSession, facts: NodeFacts, note: StepNote): Promise<{ runtime: 'system' | 'uploaded'; summary: string }>
  /** Writes cluster.json and agent.json (each temp + rename, 0600 root); the agent config is checked first by the agent's own code (and by `havip-agent check-config` on the node where it has node-specific parts: track scripts, notify hooks). */
  writeConfig(session: SshSession, definition: ClusterDefinition, agentConfigJson: string): Promise<void>
  /** Installs and enables the service (systemd unit or supervisor), without starting it. */
  installService(session: SshSession): Promise<ServiceKind>
  /**
   * Starts the agent. `kind`: the service kind installService just returned in this same
   * operation, which spares reading it back from the node (one root call less per node).
   */
  start(session: SshSession, kind?: ServiceKind): Promise<void>
  /** Makes a running agent re-read agent.json (instances unchanged keep their state). */
  reload(session: SshSession): Promise<void>
  stop(session: SshSession): Promise<void>
  status(session: SshSession): Promise<AgentState>
  /** `havip-agent ctl release|takeover INSTANCE` as root (Evict moves the VIP away first with release). */
  control(session: SshSession, cmd: 'release' | 'takeover', instance: string): Promise<void>
  /** ICMP probes of `address` from this node (`havip-agent probe`, as root): how many of `count` answered. */
  probe(session: SshSession, address: string, count: number): Promise<{ sent: number; answered: number }>
  /**
   * Stops the agent and removes everything this app put there (service, /opt/havip, /etc/havip,
   * logs, VIPs still on an interface), leaving a Node.js runtime only if it was there before.
   * Returns what is left, in words (empty when the node is as it was before).
   */
  removeAll(session: SshSession, note: StepNote): Promise<string[]>
}
