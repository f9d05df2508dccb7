// The contract of the console (issue 12, "Live state, never stale" and "Actions"): the live
// state of a cluster as the agents report it (roles, nodes, alerts), the event that carries it
// on every change, and the actions an admin takes on a running cluster (Move, Pause, Resume,
// Simulate Failure, Stop/Start Cluster Service). Browser-safe: zod only. Spread into the API table (contract.ts,
// names.ts); implemented in electron/backend/live/.
import { z } from 'zod'
import { ClusterIdSchema, ClusterNodeNameSchema, RoleNameSchema } from './cluster'
import { ApiErrorSchema } from './errors'
import { text } from './limits'

const At = text('timestamp', 'at')

/**
 * A role as the cluster serves it now:
 *  - Online: exactly one node is master and holds the VIP;
 *  - Pending: no master yet (elections run, or not every node is heard from), within the grace time;
 *  - Failed: no master after the grace time (longer than Master_Down_Interval);
 *  - Split: more than one node claims it (split brain), or a non-master holds the VIP.
 */
export const RoleLiveStateSchema = z.enum(['Online', 'Pending', 'Failed', 'Split'])

/**
 * A node as the app hears it:
 *  - Up: its agent answers and takes part in elections;
 *  - Paused: every role there is paused by the admin (maintenance), until Resume;
 *  - Down: reachable over SSH but its agent is not running (Cluster Service stopped, or crashed);
 *  - Unreachable: the app cannot hear it now; `lastSeenAt` says since when. Its role states are
 *    then unknown and shown as such, never as the last ones heard.
 */
export const NodeLiveStateSchema = z.enum(['Up', 'Paused', 'Down', 'Unreachable'])

/** The agent's VRRP state of one role on one node (Maintenance: paused; Unknown: not heard). */
export const NodeRoleStateSchema = z.enum(['Master', 'Backup', 'Fault', 'Init', 'Maintenance', 'Stopped', 'Unknown'])

export const RoleTransitionSchema = z.object({
  node: ClusterNodeNameSchema,
  from: text('name', 'from'),
  to: text('name', 'to'),
  /** The agent's own words ("master down timer expired: ...", "planned takeover by admin ..."). */
  cause: text('message', 'cause'),
  at: At
})

export const RoleLiveSchema = z.object({
  name: RoleNameSchema,
  vip: text('name', 'vip'),
  vrid: z.number().int(),
  state: RoleLiveStateSchema,
  /** The node that is master (null: none, or several: see `claimants`). */
  owner: ClusterNodeNameSchema.nullable(),
  /** Every node that says it is master now (more than one: split brain). */
  claimants: z.array(ClusterNodeNameSchema).max(32),
  preferredOwners: z.array(ClusterNodeNameSchema).max(32),
  failback: z.enum(['never', 'immediately', 'window']),
  /** The newest transition of this role on any node, with its cause. */
  lastTransition: RoleTransitionSchema.nullable()
})

export const NodeRoleLiveSchema = z.object({
  role: RoleNameSchema,
  state: NodeRoleStateSchema,
  effectivePriority: z.number().int().nullable(),
  /** The node holds the role's VIP on its interface. */
  holdsVip: z.boolean(),
  /** When this node last heard an advert of the role from a peer (null: never, or not reported). */
  lastAdvertAt: At.nullable(),
  lastAdvertFrom: text('host', 'lastAdvertFrom').nullable(),
  /** In Fault: why, in the agent's words ("script chk failing", "simulated failure until <time>"). */
  faultCause: text('message', 'faultCause').optional()
})

export const NodeLiveSchema = z.object({
  name: ClusterNodeNameSchema,
  host: text('host', 'host'),
  state: NodeLiveStateSchema,
  /** When the app last heard from this node's agent (or its SSH link, for Down). */
  lastSeenAt: At.nullable(),
  agentVersion: text('name', 'agentVersion').nullable(),
  /** Per role, as this node's agent reports it; empty while Unreachable or Down. */
  roles: z.array(NodeRoleLiveSchema).max(16),
  /** Why the node is Unreachable or Down, in words a person can act on. */
  problem: text('message', 'problem').optional()
})

export const AlertKindSchema = z.enum(['split-brain', 'no-master', 'vip-on-non-master', 'generation-mismatch', 'stranger-vrid'])

export const AlertSchema = z.object({
  /** Stable while the alert lasts: kind, role or node ("split-brain:vip1"). */
  id: text('name', 'id'),
  kind: AlertKindSchema,
  role: RoleNameSchema.optional(),
  node: ClusterNodeNameSchema.optional(),
  message: text('message', 'message'),
  since: At,
  /** Set when the condition went away; a cleared alert stays listed for a while, then drops off. */
  clearedAt: At.nullable()
})

export const ClusterStateSchema = z.object({
  clusterId: ClusterIdSchema,
  name: text('name', 'name'),
  generation: z.number().int(),
  /** When this snapshot was computed. */
  at: At,
  /** Bumped on every change: a client can tell a stale snapshot from a fresh one. */
  revision: z.number().int().min(0),
  roles: z.array(RoleLiveSchema).max(16),
  nodes: z.array(NodeLiveSchema).max(32),
  /** Raised alerts first, then recently cleared ones (at most 64). */
  alerts: z.array(AlertSchema).max(64)
})

const ClusterRef = { clusterId: ClusterIdSchema }

export const MoveRequestSchema = z
  .object({
    ...ClusterRef,
    role: RoleNameSchema,
    /** Select Node…; absent: Best Possible Node (highest effective priority among Up nodes that do not hold it). */
    to: ClusterNodeNameSchema.optional()
  })
  .strict()

export const MoveResultSchema = z.object({
  role: RoleNameSchema,
  from: ClusterNodeNameSchema.nullable(),
  /** Who holds the role now, as the agents report it after the move. */
  owner: ClusterNodeNameSchema,
  /**
   * Time without a VIP holder, from the agents' own clocks: the old master's VIP removal to the new
   * master's (the new master adds the VIP before the old one lets go on a planned takeover, so it is
   * often 0: both held it for a moment). Null when not measurable (no old master, or its time unknown).
   */
  outageMs: z.number().nullable(),
  /** How `outageMs` was measured, in words. */
  measuredBy: text('message', 'measuredBy'),
  message: text('message', 'message')
})

/**
 * The bounds of a simulated failure: the agent's (agent/track/simulated-failure.ts, which checks
 * them again on the node; a unit test keeps the two equal). Restated because the renderer's build
 * cannot reach the agent's sources.
 */
export const SIMULATE_FAILURE_MIN_MS = 1000
export const SIMULATE_FAILURE_MAX_MS = 600_000

/** Simulate Failure of a role's owner for a while (1 s to 10 min), as FCM offers it: a failover drill. */
export const SimulateFailureRequestSchema = z
  .object({
    ...ClusterRef,
    role: RoleNameSchema,
    durationMs: z.number().int().min(SIMULATE_FAILURE_MIN_MS).max(SIMULATE_FAILURE_MAX_MS)
  })
  .strict()

export const SimulateFailureResultSchema = z.object({
  role: RoleNameSchema,
  /** The owner whose agent behaves as if its health check failed until `recoversAt`. */
  failedNode: ClusterNodeNameSchema,
  /** Who took the role over, by the real failover path. */
  newOwner: ClusterNodeNameSchema,
  /** Time without a VIP holder, as Move measures it (the agents' own transition times); null when not measurable. */
  outageMs: z.number().nullable(),
  measuredBy: text('message', 'measuredBy'),
  /** When the failed node's simulated failure ends (its own clock); it then rejoins as a backup. */
  recoversAt: At,
  /** What happens when the window ends: the role's failback policy, in words. */
  failback: text('message', 'failback'),
  message: text('message', 'message')
})

export const PauseRequestSchema = z.object({ ...ClusterRef, node: ClusterNodeNameSchema, drain: z.boolean() }).strict()
export const ResumeRequestSchema = z.object({ ...ClusterRef, node: ClusterNodeNameSchema, failback: z.boolean() }).strict()
export const NodeServiceRequestSchema = z.object({ ...ClusterRef, node: ClusterNodeNameSchema, action: z.enum(['stop', 'start']) }).strict()

/** What a node action did: roles moved on the way, and the node's state after. */
export const NodeActionResultSchema = z.object({
  node: ClusterNodeNameSchema,
  nodeState: NodeLiveStateSchema,
  moves: z.array(MoveResultSchema).max(16),
  message: text('message', 'message'),
  /** A part that did not work while the rest did (a role that could not be moved back). */
  warnings: z.array(ApiErrorSchema).max(16)
})

const ClusterIdInput = z.object(ClusterRef).strict()

export const consoleMethods = {
  /** The live state now; starts watching the cluster's nodes if not yet (cluster.state events follow). */
  'clusters.state': { input: ClusterIdInput, output: ClusterStateSchema },
  /** Planned switchover of a role (the agents' takeover, then release: nothing pinned). */
  'clusters.move': { input: MoveRequestSchema, output: MoveResultSchema },
  /** Simulate Failure of a role's owner: its agent acts as if its health check failed for a while; the role fails over by the real path. */
  'clusters.simulateFailure': { input: SimulateFailureRequestSchema, output: SimulateFailureResultSchema },
  /** Pause a node: with drain, its roles move away first; the node stays out until Resume. */
  'clusters.pauseNode': { input: PauseRequestSchema, output: NodeActionResultSchema },
  /** Resume a paused node; with failback, the roles that prefer it move back to it. */
  'clusters.resumeNode': { input: ResumeRequestSchema, output: NodeActionResultSchema },
  /** Stop or start the Cluster Service (the agent) on one node. */
  'clusters.nodeService': { input: NodeServiceRequestSchema, output: NodeActionResultSchema }
} as const

export const consoleEvents = {
  /** A whole new snapshot on every change (a few KB; at most a few per second per cluster). */
  'cluster.state': ClusterStateSchema
} as const

export type RoleLiveState = z.infer<typeof RoleLiveStateSchema>
export type NodeLiveState = z.infer<typeof NodeLiveStateSchema>
export type NodeRoleState = z.infer<typeof NodeRoleStateSchema>
export type RoleTransition = z.infer<typeof RoleTransitionSchema>
export type RoleLive = z.infer<typeof RoleLiveSchema>
export type NodeRoleLive = z.infer<typeof NodeRoleLiveSchema>
export type NodeLive = z.infer<typeof NodeLiveSchema>
export type AlertKind = z.infer<typeof AlertKindSchema>
export type Alert = z.infer<typeof AlertSchema>
export type ClusterState = z.infer<typeof ClusterStateSchema>
export type MoveRequest = z.infer<typeof MoveRequestSchema>
export type MoveResult = z.infer<typeof MoveResultSchema>
export type NodeActionResult = z.infer<typeof NodeActionResultSchema>
export type SimulateFailureRequest = z.infer<typeof SimulateFailureRequestSchema>
export type SimulateFailureResult = z.infer<typeof SimulateFailureResultSchema>
