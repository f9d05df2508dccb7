// The contract of clusters (issue 11): the cluster definition that lives on the nodes
// (/etc/havip/cluster.json), the requests of Create Cluster, Add Node, Evict, Destroy, Configure
// Role and Connect to Cluster, and the operation reports and progress events of the work they
// start on the nodes. Browser-safe: zod only. Its methods and events (`clusterMethods`,
// `clusterEvents`) are spread into the API table (contract.ts, names.ts) and implemented in
// electron/backend/clusters/.
import { z } from 'zod'
import { ApiErrorSchema } from './errors'
import { isIPv4, SshTargetSchema } from './model'
import { interfaceNameProblem } from './interface-name'
import { AdvertIntervalMsSchema, InterfaceNameSchema, ValidationRunIdSchema, VipCidrSchema, VridSchema, VrrpModeSchema } from './validation'

// ---------------------------------------------------------------------------
// Names and small values
// ---------------------------------------------------------------------------

/**
 * A name an admin gives (cluster, role): it ends up in file contents, agent instance names,
 * keepalived.conf and log lines, so it is limited to characters that need no quoting anywhere.
 * Shell metacharacters are refused here with a message, never quoted later.
 */
function plainName(what: string, max: number, example: string) {
  return z
    .string()
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} is at most ${max} characters`)
    .regex(
      /^[A-Za-z][A-Za-z0-9-]*$/,
      `${what} may use letters, digits and "-" only, starting with a letter (e.g. ${example}); no spaces, quotes or shell characters`
    )
}

export const ClusterNameSchema = plainName('a cluster name', 40, 'web-vip')
export const RoleNameSchema = plainName('a role name', 32, 'vip1')

/** A node's name in the cluster: its hostname by default (RFC 1123 label). */
export const ClusterNodeNameSchema = z
  .string()
  .trim()
  .min(1, 'a node name is required')
  .max(63, 'a node name is at most 63 characters')
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/, 'a node name is a host name label: letters, digits and "-" (e.g. n1, web-01)')

/** 'cl-' and 16 hex digits, made by the backend at Create Cluster. */
export const ClusterIdSchema = z.string().max(19).regex(/^cl-[0-9a-f]{16}$/, 'a cluster id is "cl-" and 16 hex digits')

/** Operations (create, add node, ...) are named by an id the backend makes: 'op-' and 12 hex digits. */
export const OperationIdSchema = z.string().max(15).regex(/^op-[0-9a-f]{12}$/, 'an operation id is "op-" and 12 hex digits')

export const Ipv4AddressSchema = z
  .string()
  .trim()
  .max(15)
  .refine(isIPv4, 'not an IPv4 address (e.g. 198.51.100.11)')

/**
 * VRRPv2 simple password (keepalived's auth_pass): keepalived sends its first 8 bytes, so at
 * most 8 characters. Printable ASCII without spaces, quotes, backslash, '#' or '!' (keepalived.conf
 * reads '#' and '!' as comments, quotes and backslash as quoting, and "${NAME}" as a parameter, so
 * the export would differ from what the agents run). Every other character, shell metacharacters included, is data: it
 * travels in files, never on a command line.
 */
export const VrrpPasswordSchema = z
  .string()
  .min(1, 'the VRRP password is empty')
  .max(8, 'the VRRP password is at most 8 characters (VRRPv2 carries 8 bytes; keepalived ignores the rest)')
  .regex(
    /^[\x21-\x7e]+$/,
    'the VRRP password may use printable ASCII only, without spaces'
  )
  .refine((s) => !/["'\\#!]/.test(s), 'the VRRP password may not contain quotes, "\\", "#" or "!" (keepalived.conf would read them as quoting or comments)')
  // keepalived.conf substitutes ${NAME} even inside quotes, and defines some names itself
  // (${_HASH} reads as "#", ${_PWD} as its directory): the export would carry another password.
  .refine((s) => !s.includes('${'), 'the VRRP password may not contain "${" (keepalived.conf reads ${NAME} as a parameter)')

export const RoleAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  /** VRRPv2 only (RFC 5798 removed authentication from VRRPv3). */
  z.object({ type: z.literal('pass'), password: VrrpPasswordSchema }).strict()
])

/**
 * When a returning preferred owner takes its role back (FCM's failback policy):
 * never; immediately; or only between startHour and endHour, node local time (a window that
 * wraps midnight, 22 -> 6, is allowed).
 */
export const FailbackSchema = z.union([
  z.object({ policy: z.literal('never') }).strict(),
  z.object({ policy: z.literal('immediately') }).strict(),
  z
    .object({
      policy: z.literal('window'),
      startHour: z.number().int().min(0, 'startHour is 0..23').max(23, 'startHour is 0..23'),
      endHour: z.number().int().min(0, 'endHour is 0..23').max(23, 'endHour is 0..23')
    })
    .strict()
    .refine((w) => w.startHour !== w.endHour, 'a failback window needs startHour and endHour to differ')
])

// ---------------------------------------------------------------------------
// The definition (what /etc/havip/cluster.json holds on every node)
// ---------------------------------------------------------------------------

export const ClusterNodeSchema = z
  .object({
    name: ClusterNodeNameSchema,
    /** How the app reaches it over SSH. */
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    username: z.string().min(1).max(128),
    platform: z.enum(['linux', 'windows']),
    /** The interface that carries the VIPs, and the node's own IPv4 address on it (unicast source). */
    interface: InterfaceNameSchema,
    address: Ipv4AddressSchema,
    /** Base VRRP priority for roles that do not name this node a preferred owner (1..254). */
    priority: z.number().int().min(1).max(254)
  })
  .strict()
  // The interface by the node's own rule: a Windows adapter name ("Ethernet 2") only on a Windows node.
  .superRefine((n, ctx) => {
    const problem = interfaceNameProblem(n.platform, n.interface)
    if (problem) ctx.addIssue({ code: 'custom', path: ['interface'], message: problem })
  })

/** A role's settings: everything but its name. One list, so clusters.setRole can change exactly what a role holds. */
const RoleSettings = {
  vip: VipCidrSchema,
  vrid: VridSchema,
  version: z.union([z.literal(2), z.literal(3)]),
  advertIntervalMs: AdvertIntervalMsSchema,
  mode: VrrpModeSchema,
  auth: RoleAuthSchema,
  /** Node names, most preferred first; the first one present holds the role. May be empty. */
  preferredOwners: z.array(ClusterNodeNameSchema).max(32),
  failback: FailbackSchema
}

export const RoleSchema = z
  .object({
    name: RoleNameSchema,
    ...RoleSettings
  })
  .strict()
  .refine((r) => r.auth.type === 'none' || r.version === 2, {
    message: 'a VRRP password needs VRRP version 2 (VRRPv3 has no authentication, RFC 5798 §9)',
    path: ['auth']
  })
  .refine((r) => r.version === 3 || r.advertIntervalMs % 1000 === 0, {
    message: 'VRRPv2 adverts are whole seconds: advertIntervalMs must be a multiple of 1000',
    path: ['advertIntervalMs']
  })

export const ClusterDefinitionSchema = z
  .object({
    /** Format of this file; bumped only by an incompatible change. */
    schema: z.literal(1),
    id: ClusterIdSchema,
    name: ClusterNameSchema,
    /** Bumped by every change; every node's copy should carry the same one. */
    generation: z.number().int().min(1),
    /** The app version that wrote this generation. */
    writtenBy: z.string().max(64),
    updatedAt: z.string().max(40),
    nodes: z.array(ClusterNodeSchema).min(1).max(32),
    roles: z.array(RoleSchema).max(16)
  })
  .strict()
  .superRefine((d, ctx) => {
    const dup = <T>(items: T[], key: (t: T) => string, path: string, what: string) => {
      const seen = new Set<string>()
      items.forEach((it, i) => {
        const k = key(it)
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i], message: `${what} ${k} appears twice` })
        seen.add(k)
      })
    }
    dup(d.nodes, (n) => n.name.toLowerCase(), 'nodes', 'node name')
    dup(d.nodes, (n) => `${n.host.toLowerCase()}:${n.port}`, 'nodes', 'node address')
    dup(d.roles, (r) => r.name.toLowerCase(), 'roles', 'role name')
    dup(d.roles, (r) => String(r.vrid), 'roles', 'VRID')
    dup(d.roles, (r) => r.vip.split('/')[0]!, 'roles', 'VIP')
    const names = new Set(d.nodes.map((n) => n.name))
    d.roles.forEach((r, i) =>
      r.preferredOwners.forEach((o, j) => {
        if (!names.has(o)) ctx.addIssue({ code: 'custom', path: ['roles', i, 'preferredOwners', j], message: `preferred owner ${o} is not a node of this cluster` })
      })
    )
  })

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/** A node to put in a cluster: a saved connection (already connected), as the wizards have it. */
export const ClusterNodeInputSchema = z
  .object({
    connectionId: z.string().min(1, 'connectionId is required').max(64),
    /** Default: the interface of the node's default route (as validation proposes it). */
    interface: InterfaceNameSchema.optional(),
    /** Default: the node's hostname. */
    name: ClusterNodeNameSchema.optional(),
    priority: z.number().int().min(1).max(254).optional()
  })
  .strict()

/** A role as an admin asks for it; the backend fills the defaults and proposes a free VRID. */
export const RoleInputSchema = z
  .object({
    name: RoleNameSchema.default('vip1'),
    vip: VipCidrSchema,
    /** Omitted: a VRID the scan found free on the segment. */
    vrid: VridSchema.optional(),
    version: z.union([z.literal(2), z.literal(3)]).default(3),
    advertIntervalMs: AdvertIntervalMsSchema.default(1000),
    mode: VrrpModeSchema.default('unicast'),
    auth: RoleAuthSchema.default({ type: 'none' }),
    preferredOwners: z.array(ClusterNodeNameSchema).max(32).default([]),
    failback: FailbackSchema.default({ policy: 'never' })
  })
  .strict()

/**
 * Validation before a change that adds nodes: the id of a finished validation run that covered
 * these nodes (its report must have no Failed result), or the admin's reason for skipping it
 * (kept in the operation report, as FCM's "Validation Warning" page asks for it).
 */
export const ValidationGateSchema = z.union([
  z.object({ runId: ValidationRunIdSchema }).strict(),
  z.object({ skipReason: z.string().trim().min(3, 'say in a few words why validation is skipped').max(500) }).strict()
])

export const CreateClusterRequestSchema = z
  .object({
    name: ClusterNameSchema,
    nodes: z.array(ClusterNodeInputSchema).min(1, 'choose at least one node').max(32, 'at most 32 nodes'),
    role: RoleInputSchema,
    validation: ValidationGateSchema
  })
  .strict()

const ClusterRef = { clusterId: ClusterIdSchema }

export const AddNodeRequestSchema = z.object({ ...ClusterRef, node: ClusterNodeInputSchema, validation: ValidationGateSchema }).strict()
export const EvictNodeRequestSchema = z.object({ ...ClusterRef, node: ClusterNodeNameSchema }).strict()
/** `confirmName` must repeat the cluster's name: destroying is not undoable. */
export const DestroyClusterRequestSchema = z.object({ ...ClusterRef, confirmName: ClusterNameSchema }).strict()
export const AddRoleRequestSchema = z.object({ ...ClusterRef, role: RoleInputSchema }).strict()
/** Changes only the fields given; the role keeps its name. */
export const SetRoleRequestSchema = z
  .object({
    ...ClusterRef,
    role: RoleNameSchema,
    changes: z.object(RoleSettings).partial().strict()
  })
  .strict()
export const RemoveRoleRequestSchema = z.object({ ...ClusterRef, role: RoleNameSchema }).strict()

/** Connect to Cluster by any one node: a saved connection, or an SSH target to connect first. */
export const ConnectClusterRequestSchema = z.union([
  z.object({ connectionId: z.string().min(1).max(64) }).strict(),
  z.object({ target: SshTargetSchema }).strict()
])

export const ExportFormatSchema = z.enum(['keepalived', 'json'])

// ---------------------------------------------------------------------------
// What the app knows and shows
// ---------------------------------------------------------------------------

/** A definition as it crosses the API: passwords are never sent to the renderer. */
export const RedactedRoleSchema = RoleSchema.innerType().innerType().extend({
  auth: z.discriminatedUnion('type', [z.object({ type: z.literal('none') }), z.object({ type: z.literal('pass'), password: z.literal('(hidden)') })])
})
export const ClusterViewDefinitionSchema = ClusterDefinitionSchema.innerType().extend({ roles: z.array(RedactedRoleSchema).max(16) })

/** The desktop's list entry of a known cluster (`<dataDir>/clusters.json`); the definition itself lives on the nodes. */
export const KnownClusterSchema = z.object({
  id: ClusterIdSchema,
  name: ClusterNameSchema,
  /** The generation last read from the nodes. */
  generation: z.number().int().min(1),
  nodes: z
    .array(z.object({ name: ClusterNodeNameSchema, host: z.string().max(253), port: z.number().int(), username: z.string().max(128), connectionId: z.string().max(64).optional() }))
    .max(32),
  roles: z.array(z.object({ name: RoleNameSchema, vip: VipCidrSchema })).max(16),
  lastSeenAt: z.string().max(40),
  /**
   * Set when a Destroy could not clean every node: the cluster stays listed, marked, until a
   * retried Destroy cleans the nodes named or the admin forgets it. Kept in clusters.json.
   */
  destroyIncomplete: z
    .object({
      at: z.string().max(40),
      operationId: OperationIdSchema,
      /** What is left on which node, as the Destroy's report said it. */
      leftovers: z.array(z.object({ node: ClusterNodeNameSchema, what: z.string().max(1000) })).min(1).max(32)
    })
    .optional()
})

/** One node as Connect to Cluster / clusters.get found it. */
export const ClusterNodeStatusSchema = z.object({
  name: ClusterNodeNameSchema,
  host: z.string().max(253),
  port: z.number().int(),
  username: z.string().max(128),
  connectionId: z.string().max(64).optional(),
  /** What the app could do with it: connected and read; needs the admin (trust a key, a password); or not reachable. */
  reach: z.enum(['connected', 'host-key-unknown', 'host-key-changed', 'needs-credentials', 'unreachable']),
  /** The generation of its cluster.json (null: absent or unreadable). */
  generation: z.number().int().nullable(),
  /** True when its generation differs from the highest one found. */
  generationMismatch: z.boolean(),
  agentVersion: z.string().max(64).nullable(),
  serviceKind: z.enum(['systemd', 'supervisor', 'windows-service']).nullable(),
  error: ApiErrorSchema.optional()
})

export const ClusterViewSchema = z.object({
  definition: ClusterViewDefinitionSchema,
  nodes: z.array(ClusterNodeStatusSchema).max(32)
})

// ---------------------------------------------------------------------------
// Operations: progress and report
// ---------------------------------------------------------------------------

export const OperationKindSchema = z.enum(['create', 'add-node', 'evict-node', 'destroy', 'add-role', 'set-role', 'remove-role', 'rollback'])
export const StepStateSchema = z.enum(['pending', 'running', 'done', 'failed', 'skipped'])

/** One step of an operation, on one node or on the cluster as a whole (node absent). */
export const OperationStepSchema = z.object({
  /** Stable id ('preflight', 'upload-runtime', 'install-release', 'write-config', 'install-service', 'start', 'wait-master', 'vip-answers', 'stop', 'remove', ...). */
  step: z.string().max(64),
  title: z.string().max(200),
  node: ClusterNodeNameSchema.optional(),
  state: StepStateSchema,
  /** What happened (done), why not (failed, skipped), or a note while running ("12.3 MB of 40.1 MB"). */
  message: z.string().max(4000).optional(),
  startedAt: z.string().max(40).optional(),
  finishedAt: z.string().max(40).optional()
})

export const OperationReportSchema = z.object({
  id: OperationIdSchema,
  kind: OperationKindSchema,
  clusterId: ClusterIdSchema,
  clusterName: ClusterNameSchema,
  startedAt: z.string().max(40),
  /** Absent while running. */
  finishedAt: z.string().max(40).optional(),
  outcome: z.enum(['running', 'succeeded', 'failed']),
  /** The generation before and after (equal when nothing was committed). */
  fromGeneration: z.number().int().min(0),
  toGeneration: z.number().int().min(0),
  steps: z.array(OperationStepSchema).max(2000),
  /** Which node is master of each role once the cluster formed. */
  masters: z.array(z.object({ role: RoleNameSchema, node: ClusterNodeNameSchema.nullable(), vipAnswers: z.boolean() })).max(16),
  /** For a failed operation: what is left on which node, in words. */
  leftovers: z.array(z.object({ node: ClusterNodeNameSchema, what: z.string().max(1000) })).max(256),
  /** What clusters.rollback would do now: back to the previous generation, or remove everything (a new cluster). */
  rollback: z.enum(['none', 'previous-generation', 'remove-everything']),
  validation: z.union([z.object({ runId: ValidationRunIdSchema, overall: z.enum(['Success', 'Warning', 'Failed']) }), z.object({ skipReason: z.string().max(500) })]).optional(),
  error: ApiErrorSchema.optional()
})

// ---------------------------------------------------------------------------
// Methods and events (spread into the API table in contract.ts)
// ---------------------------------------------------------------------------

const Empty = z.object({}).strict()
const OperationRef = z.object({ operationId: OperationIdSchema }).strict()
const ClusterIdInput = z.object(ClusterRef).strict()

export const clusterMethods = {
  /** The clusters this desktop knows (created here or connected to). */
  'clusters.list': { input: Empty, output: z.array(KnownClusterSchema).max(256) },
  /** Reads the definition from the nodes again and says how each node is reached. */
  'clusters.get': { input: ClusterIdInput, output: ClusterViewSchema },
  /** Connect to Cluster by one node's address: reads its cluster.json, remembers the cluster, tries every other node. */
  'clusters.connect': { input: ConnectClusterRequestSchema, output: ClusterViewSchema },
  /** Drops the cluster from this desktop's list (the nodes are not touched). */
  'clusters.forget': { input: ClusterIdInput, output: Empty },
  /** Each node's keepalived.conf, or the definition as JSON: the files, for the admin to see or save. */
  'clusters.export': {
    input: z.object({ ...ClusterRef, format: ExportFormatSchema }).strict(),
    output: z.object({ files: z.array(z.object({ node: ClusterNodeNameSchema.optional(), fileName: z.string().max(200), content: z.string().max(1024 * 1024) })).max(32) })
  },
  // Operations: each checks its input, starts, and returns its id at once; 'cluster.progress'
  // events follow and 'cluster.finished' ends it; clusters.operation reads the report.
  'clusters.create': { input: CreateClusterRequestSchema, output: OperationRef.extend({ clusterId: ClusterIdSchema }) },
  'clusters.addNode': { input: AddNodeRequestSchema, output: OperationRef },
  'clusters.evictNode': { input: EvictNodeRequestSchema, output: OperationRef },
  'clusters.destroy': { input: DestroyClusterRequestSchema, output: OperationRef },
  'clusters.addRole': { input: AddRoleRequestSchema, output: OperationRef },
  'clusters.setRole': { input: SetRoleRequestSchema, output: OperationRef },
  'clusters.removeRole': { input: RemoveRoleRequestSchema, output: OperationRef },
  /** Undo a failed operation as its report offers (report.rollback). */
  'clusters.rollback': { input: OperationRef, output: OperationRef },
  'clusters.operation': { input: OperationRef, output: OperationReportSchema }
} as const

export const clusterEvents = {
  'cluster.progress': z.object({ operationId: OperationIdSchema, clusterId: ClusterIdSchema, step: OperationStepSchema }),
  'cluster.finished': z.object({ operationId: OperationIdSchema, clusterId: ClusterIdSchema, outcome: z.enum(['succeeded', 'failed']), error: ApiErrorSchema.optional() })
} as const

export type ClusterDefinition = z.infer<typeof ClusterDefinitionSchema>
export type ClusterNode = z.infer<typeof ClusterNodeSchema>
export type Role = z.infer<typeof RoleSchema>
export type RoleAuth = z.infer<typeof RoleAuthSchema>
export type Failback = z.infer<typeof FailbackSchema>
export type RoleInput = z.input<typeof RoleInputSchema>
export type ClusterNodeInput = z.infer<typeof ClusterNodeInputSchema>
export type ValidationGate = z.infer<typeof ValidationGateSchema>
export type CreateClusterRequest = z.output<typeof CreateClusterRequestSchema>
export type CreateClusterRequestInput = z.input<typeof CreateClusterRequestSchema>
export type KnownCluster = z.infer<typeof KnownClusterSchema>
export type ClusterNodeStatus = z.infer<typeof ClusterNodeStatusSchema>
export type ClusterView = z.infer<typeof ClusterViewSchema>
export type ClusterViewDefinition = z.infer<typeof ClusterViewDefinitionSchema>
export type OperationKind = z.infer<typeof OperationKindSchema>
export type OperationStep = z.infer<typeof OperationStepSchema>
export type OperationReport = z.infer<typeof OperationReportSchema>
export type ExportFormat = z.infer<typeof ExportFormatSchema>
