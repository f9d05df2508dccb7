// What one validation test is, and what it is given to run: the interface every test group
// (groups/*.ts) is written against. A test reads the node (read-only: validation never changes
// a node), runs every remote command as an argv array through the session, and says what it
// found and, when it is not Success, what to do.
import type { NetInterface, NodeFacts } from '../../api/model'
import type { ValidationFix, ValidationTest } from '../../api/validation'
import type { PlatformAdapter, PlatformName } from '../platform/platform-adapter'
import type { PowerShellRunner } from '../platform/windows/runner'
import type { SshSession } from '../ssh/session'

export interface NodeContext {
  nodeId: string
  label: string
  host: string
  /** Exec as root via { sudo: true } (works for root and sudo users). */
  session: SshSession
  facts: NodeFacts
  /**
   * The interface chosen for the VIP: the request's interface, else the one whose subnet holds
   * the VIP, else the default route's; undefined if none (e.g. the requested one does not exist).
   */
  iface?: NetInterface
  platform: PlatformAdapter
  /** On a Windows node: the PowerShell seam its tests run their named scripts through. */
  powershell?: PowerShellRunner
  /** The interface the request named for this node, if it named one (so a missing one can be reported by name). */
  requestedInterface?: string
}

export interface ClusterContext {
  /** Only nodes that are reachable. */
  nodes: NodeContext[]
  settings: { vip: string; prefix: number; vrid?: number; advertIntervalMs: number; mode: 'unicast' | 'multicast' }
  /** Cancel (or the test's time bound): stop and return quickly. */
  signal: AbortSignal
  progress(nodeId: string, message: string): void
}

export interface TestOutcome {
  status: 'Success' | 'Warning' | 'Failed' | 'NotRun'
  details: string
  remediation?: string
  evidence?: { label: string; value: string }[]
  /** A change the admin may confirm to fix what was found (offered in the report, never done by the test). */
  fix?: ValidationFix
}

export interface ValidationTestDef {
  /** From electron/api/validation.ts (id 'group.kebab', group, title, checks, scope, needsRoot). */
  meta: ValidationTest
  /** scope 'node'. */
  runNode?(node: NodeContext, cluster: ClusterContext): Promise<TestOutcome>
  /** scope 'cluster': one outcome per nodeId (a node left out is reported Failed). */
  runCluster?(cluster: ClusterContext): Promise<Record<string, TestOutcome>>
  /** Optional: what the test proposes, merged into the report (e.g. a free VRID from the router id scan). */
  proposals?: (cluster: ClusterContext) => { vrid?: number } | undefined
  /** Optional: this test's time bound per node (ms) when it needs more than the runner's default. */
  timeoutMs?: number
  /**
   * The node platforms the test applies to (default: Linux only). On a node of another
   * platform it is NotRun, saying so; a cluster test sees only the nodes it applies to.
   */
  platforms?: readonly PlatformName[]
}
