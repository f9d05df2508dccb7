// The contract of the live reachability graph (issue 12): probe one role's VIP from some of
// the cluster's nodes (the agent's ICMP prober, `havip-agent probe`, run as root over SSH) and
// from this computer (TCP connect to a port the admin chooses), receive the results in
// bounded batches, and the role's ownership changes with the outage each source measured.
// Only ids cross the API: the probe processes and sockets stay in the backend.
// Browser-safe: zod only. Spread into the API table in contract.ts and names.ts.
import { z } from 'zod'
import { ClusterIdSchema, ClusterNodeNameSchema, RoleNameSchema } from './cluster'
import { text } from './limits'

/** 'rp-' and 12 hex digits, made by the backend when probing starts. */
export const ProbeSessionIdSchema = z.string().max(15).regex(/^rp-[0-9a-f]{12}$/, 'a probe session id is "rp-" and 12 hex digits')

/** A source within one session: 'node:<name>' or 'local'. */
export const ProbeSourceIdSchema = text('name', 'sourceId').regex(/^(local|node:[A-Za-z0-9-]{1,63})$/, 'a probe source is "local" or "node:<node name>"')

/** Probe interval: the agent's probe takes 10..100 ms for the live graph (10 ms = 100 probes per second). */
export const ProbeIntervalMsSchema = z.number().int().min(10, 'the probe interval is at least 10 ms').max(100, 'the probe interval is at most 100 ms for the live graph')

export const LocalProbeSchema = z.discriminatedUnion('kind', [
  /** TCP connect to VIP:port from this computer: a connection accepted or refused (RST) is an answer, a timeout or "unreachable" is a loss. */
  z.object({ kind: z.literal('tcp'), port: z.number().int().min(1).max(65535) }).strict()
])

export const ReachabilityStartSchema = z
  .object({
    clusterId: ClusterIdSchema,
    role: RoleNameSchema,
    /** Cluster nodes that probe the VIP with the agent (ICMP, as root). */
    nodes: z.array(ClusterNodeNameSchema).max(32).default([]),
    /** Probe from this computer too. */
    local: LocalProbeSchema.optional(),
    intervalMs: ProbeIntervalMsSchema.default(100),
    /** A probe without an answer after this long is lost. Default 1000 ms. */
    timeoutMs: z.number().int().min(50).max(10_000).default(1000)
  })
  .strict()
  .refine((r) => r.nodes.length > 0 || r.local !== undefined, { message: 'choose at least one source: a node, or this computer', path: ['nodes'] })

export const ProbeSourceSchema = z.object({
  id: ProbeSourceIdSchema,
  /** "n1 (agent ICMP)", "this computer (TCP 22)". */
  label: text('label', 'label'),
  kind: z.enum(['agent-icmp', 'local-tcp'])
})

export const ReachabilitySessionSchema = z.object({
  sessionId: ProbeSessionIdSchema,
  clusterId: ClusterIdSchema,
  role: RoleNameSchema,
  /** The probed address (the role's VIP without its prefix). */
  target: text('name', 'target'),
  intervalMs: z.number().int(),
  sources: z.array(ProbeSourceSchema).max(33),
  /** When probing started (ms since the epoch). */
  startedAt: z.number(),
  /** The role's owner when probing started, as the live state knows it (null: none or not known). */
  owner: ClusterNodeNameSchema.nullable()
})

/** At most this many samples per source in one batch event (a batch is sent every ~150 ms). */
export const MAX_SAMPLES_PER_BATCH = 2000

/**
 * Results of one source since its last batch, in the order the probes were sent: `t[i]` when
 * probe i was sent (ms since the epoch), `rtt[i]` its round-trip time in ms, or null if it was lost.
 */
export const SourceSamplesSchema = z.object({
  sourceId: ProbeSourceIdSchema,
  t: z.array(z.number()).max(MAX_SAMPLES_PER_BATCH),
  rtt: z.array(z.number().nullable()).max(MAX_SAMPLES_PER_BATCH)
})

export const ReachabilitySamplesEventSchema = z.object({
  sessionId: ProbeSessionIdSchema,
  batches: z.array(SourceSamplesSchema).max(33)
})

/** One source's measured outage across a transition: first lost probe to first answered probe after it. */
export const SourceOutageSchema = z.object({
  sourceId: ProbeSourceIdSchema,
  /** null while not yet measured, or when the VIP was not answered again within the wait. */
  outageMs: z.number().nullable(),
  lostProbes: z.number().int().min(0),
  /** 'measured', 'pending' (the loss has not ended yet) or 'unanswered' (no answer within the wait). */
  status: z.enum(['measured', 'pending', 'unanswered'])
})

export const ReachabilityTransitionSchema = z.object({
  sessionId: ProbeSessionIdSchema,
  /** Stable per transition: sent again (same id) when its outage is measured. */
  transitionId: z.number().int().min(0),
  /** When the new owner took over (ms since the epoch; the agent's transition time when known). */
  at: z.number(),
  /** null: the first owner known since probing started (no failover: no outage measured, outages empty). */
  from: ClusterNodeNameSchema.nullable(),
  to: ClusterNodeNameSchema.nullable(),
  outages: z.array(SourceOutageSchema).max(33)
})

/** A source stopped on its own (SSH link lost, the agent missing, a socket error): what and why. */
export const ReachabilitySourceErrorSchema = z.object({
  sessionId: ProbeSessionIdSchema,
  sourceId: ProbeSourceIdSchema,
  message: text('message', 'message'),
  hint: text('message', 'hint').optional()
})

const SessionRef = z.object({ sessionId: ProbeSessionIdSchema }).strict()

export const reachabilityMethods = {
  /** Starts probing a role's VIP from the chosen sources; samples follow as 'reachability.samples'. */
  'reachability.start': { input: ReachabilityStartSchema, output: ReachabilitySessionSchema },
  /** Stops every source of a session (remote probe processes included). Stopping an unknown or stopped session is not an error. */
  'reachability.stop': { input: SessionRef, output: z.object({}).strict() }
}

export const reachabilityEvents = {
  'reachability.samples': ReachabilitySamplesEventSchema,
  'reachability.transition': ReachabilityTransitionSchema,
  'reachability.sourceError': ReachabilitySourceErrorSchema
}

export type ReachabilityStart = z.output<typeof ReachabilityStartSchema>
export type ReachabilitySession = z.output<typeof ReachabilitySessionSchema>
export type ProbeSource = z.output<typeof ProbeSourceSchema>
export type SourceSamples = z.output<typeof SourceSamplesSchema>
export type ReachabilityTransition = z.output<typeof ReachabilityTransitionSchema>
export type SourceOutage = z.output<typeof SourceOutageSchema>
