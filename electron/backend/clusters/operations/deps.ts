// What the cluster operations need from the rest of the backend, as small interfaces: the
// per-node seam (NodeDeployer, implemented over SSH by the deploy service), the connections,
// facts and validation services, the desktop's list of known clusters, and a reader of the
// definition the nodes hold. Composed in backend.ts; the unit tests give fakes.
import type { ClusterDefinition, KnownCluster } from '../../../api/cluster'
import type { ValidationReport } from '../../../api/validation'
import type { NodeDeployer } from '../../deploy/node-deployer'
import type { EventHub } from '../../events'
import type { NodeFactsSource } from '../../facts/facts-service'
import type { BackendLog } from '../../log'
import type { NodeAccessor } from '../node-access'
import type { ConnectionsForOperations } from './node-access'
import type { OperationStore } from './operation-store'

/** The desktop's list of known clusters (<dataDir>/clusters.json; KnownClusters fits it). */
export interface ClusterRegistry {
  list(): KnownCluster[]
  get(id: string): KnownCluster | undefined
  upsert(cluster: KnownCluster): void
  remove(id: string): void
  /** A Destroy left something on a node: the entry stays, marked with what is left where. */
  markDestroyIncomplete(id: string, mark: NonNullable<KnownCluster['destroyIncomplete']>): boolean
}

/** The cluster's definition as its nodes hold it: the highest generation found on the nodes that answer. */
export interface DefinitionSource {
  current(clusterId: string): Promise<ClusterDefinition>
}

/** Whether a VRID is free on the segment of these nodes (the validation's router id scan, run on them alone). */
export interface VridScan {
  /** `inUseBy`: who sends on `vrid` (not counting these nodes); `proposed`: a free one. */
  scan(connectionIds: string[], role: { vip: string; vrid?: number; advertIntervalMs: number; mode: 'unicast' | 'multicast' }): Promise<{ inUseBy?: string; proposed?: number }>
}

export interface OperationTiming {
  /** Between two status rounds while waiting for the masters. */
  pollMs: number
  /** Added to 4 advert intervals as the bound of the wait for masters (agent start-up, SSH round trips). */
  formationMarginMs: number
  /**
   * After starting stopped agents, read no status before their master-down timers can have run
   * (formation.ts firstElectionAt). False only where the deployer is no VRRP peer (a fake that
   * elects at once), or tests would wait on timers nobody runs.
   */
  waitMasterDown: boolean
}

export const DEFAULT_TIMING: OperationTiming = { pollMs: 500, formationMarginMs: 20_000, waitMasterDown: true }

export interface OperationDeps {
  deployer: NodeDeployer
  connections: ConnectionsForOperations
  /** Reaches a node through its saved connection (nodeAccessor(connections, log)). */
  access: NodeAccessor
  facts: NodeFactsSource
  validation: { report(runId: string): ValidationReport }
  vridScan?: VridScan
  known: ClusterRegistry
  definitions: DefinitionSource
  events: EventHub
  log: BackendLog
  store: OperationStore
  appVersion: string
  now: () => Date
  timing: OperationTiming
}
