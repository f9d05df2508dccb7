// The contract of "Validate a Configuration" (issue 10): the test catalogue, the request, the
// per-test per-node results, the progress events and the report. Browser-safe: zod only.
// Its methods and events (`validationMethods`, `validationEvents` below) are spread into the
// API table (contract.ts, names.ts) and implemented in electron/backend/validation/.
import { z } from 'zod'
import { ApiErrorSchema } from './errors'
import { isIPv4, SshTargetSchema } from './model'
import { InterfaceNameSchema } from './interface-name'

// ---------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------

/** FCM's groups plus the one no other tool has. */
export const ValidationGroupSchema = z.enum(['inventory', 'network', 'system', 'vrrp'])

export const VALIDATION_GROUP_TITLES: Readonly<Record<z.infer<typeof ValidationGroupSchema>, string>> = {
  inventory: 'Inventory',
  network: 'Network',
  system: 'System Configuration',
  vrrp: 'VRRP and VIP'
}

/**
 * A test's stable id: its group, a dot, then kebab-case words ('network.vip-in-subnet').
 * Scripts (`havip validate --test ID`, --json output) rely on it: never rename one.
 */
export const ValidationTestIdSchema = z
  .string()
  .max(64, 'a test id is at most 64 characters')
  .regex(
    /^(inventory|network|system|vrrp)\.[a-z0-9]+(-[a-z0-9]+)*$/,
    'not a test id: a group (inventory, network, system, vrrp), a dot, then lower-case words joined by "-", e.g. network.vip-in-subnet'
  )

export const ValidationTestSchema = z.object({
  id: ValidationTestIdSchema,
  group: ValidationGroupSchema,
  /** As the wizard's list and the report show it: "VIP lies in the interface's subnet". */
  title: z.string().min(1).max(120),
  /** What it checks and why it matters, one or two sentences. */
  checks: z.string().min(1).max(1000),
  /** 'node': judged on each node alone; 'cluster': compares the nodes (still one result per node). */
  scope: z.enum(['node', 'cluster']),
  /** Runs commands as root (sudo); without root or sudo it is Failed with that reason. */
  needsRoot: z.boolean()
})

export const ValidationCatalogueSchema = z.array(ValidationTestSchema).max(200)

// ---------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------

/** Interface names (Linux or Windows; checked per platform where the node is known): interface-name.ts. */
export { InterfaceNameSchema, LinuxInterfaceNameSchema, WindowsInterfaceNameSchema } from './interface-name'

/** An IPv4 address with its prefix length, e.g. 198.51.100.50/24. */
export const VipCidrSchema = z
  .string()
  .trim()
  .max(18, 'a VIP is at most 18 characters (a.b.c.d/nn)')
  .refine(
    (s) => {
      const m = /^([^/]+)\/(\d{1,2})$/.exec(s)
      return m !== null && isIPv4(m[1]!) && Number(m[2]) >= 1 && Number(m[2]) <= 32
    },
    { message: 'not a VIP: write an IPv4 address with its prefix length 1..32, e.g. 198.51.100.50/24' }
  )

export const VridSchema = z.coerce
  .number({ invalid_type_error: 'vrid must be a number' })
  .int('vrid must be a whole number')
  .min(1, 'vrid must be 1..255')
  .max(255, 'vrid must be 1..255')

/** VRRPv3 carries centiseconds 1..4095, VRRPv2 whole seconds 1..255: 10 ms .. 255 s covers both. */
export const AdvertIntervalMsSchema = z.coerce
  .number({ invalid_type_error: 'advertIntervalMs must be a number' })
  .int('advertIntervalMs must be a whole number of milliseconds')
  .min(10, 'advertIntervalMs must be 10..255000')
  .max(255_000, 'advertIntervalMs must be 10..255000')
  .refine((ms) => ms % 10 === 0, 'advertIntervalMs must be a multiple of 10 ms (VRRP carries centiseconds)')

export const VrrpModeSchema = z.enum(['unicast', 'multicast'])

/** Identifies a run in events, cancel and the report; also part of the report's file names. */
export const ValidationRunIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a run id has letters, digits, "_" and "-" only')

/**
 * One node to validate: a saved connection (the wizard: already connected), or an SSH target
 * (the CLI's --node) that the validation service connects through the connections service,
 * which saves it. `interface` defaults to the interface of the node's default route.
 */
export const ValidationNodeInputSchema = z.union([
  z
    .object({
      connectionId: z.string().min(1, 'connectionId is required').max(64),
      interface: InterfaceNameSchema.optional()
    })
    .strict(),
  z
    .object({
      target: SshTargetSchema,
      label: z.string().trim().max(100, 'label: at most 100 characters').optional(),
      interface: InterfaceNameSchema.optional()
    })
    .strict()
])

const nodeKey = (n: z.infer<typeof ValidationNodeInputSchema>): string =>
  'connectionId' in n ? n.connectionId : `${n.target.username}@${n.target.host.toLowerCase()}:${n.target.port}`

export const ValidationRequestSchema = z
  .object({
    nodes: z.array(ValidationNodeInputSchema).min(1, 'choose at least one node').max(32, 'at most 32 nodes'),
    vip: VipCidrSchema,
    /** Omitted: the router id scan proposes a free one (report.proposedVrid). */
    vrid: VridSchema.optional(),
    advertIntervalMs: AdvertIntervalMsSchema.default(1000),
    /** How adverts will travel; unicast is the default because clouds do not deliver multicast. */
    mode: VrrpModeSchema.default('unicast'),
    /** Run only these tests (all when omitted); the others are reported NotRun. */
    tests: z.array(ValidationTestIdSchema).min(1).max(200).optional()
  })
  .superRefine((r, ctx) => {
    const seen = new Set<string>()
    r.nodes.forEach((n, i) => {
      const key = nodeKey(n)
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['nodes', i], message: `${key} is listed twice; list each node once` })
      seen.add(key)
    })
  })

// ---------------------------------------------------------------------------
// Results, progress, report
// ---------------------------------------------------------------------------

export const ValidationStatusSchema = z.enum(['Success', 'Warning', 'Failed', 'NotRun'])

/** A Windows Firewall rule name or display name as HAVIP writes them (letters, digits, spaces, a few marks). */
const FirewallRuleTextSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9 _.:,()-]+$/, 'a firewall rule name has letters, digits, spaces and _ . : , ( ) - only')

/**
 * A change the app can make on the node to fix what a test found, offered in the report beside
 * the result (the admin confirms it first; validation itself never changes a node). The values
 * are exactly what the change will use, so the confirmation can say what will be done.
 */
export const ValidationFixSchema = z.discriminatedUnion('kind', [
  z.object({
    /** An inbound Windows Firewall rule admitting IP protocol 112 (VRRP) from the peers only. */
    kind: z.literal('windows-firewall-rule'),
    ruleName: FirewallRuleTextSchema,
    displayName: FirewallRuleTextSchema,
    /** The other nodes' addresses on the VIP's subnet: the rule's RemoteAddress. */
    peers: z
      .array(z.string().max(15).refine(isIPv4, 'a peer is an IPv4 address'))
      .min(1)
      .max(31)
  })
])

/**
 * How results name a node, stable within a run: the saved connection id, or user@host:port for
 * a target that never connected (so no saved entry exists).
 */
export const ValidationNodeIdSchema = z.string().min(1).max(300)

export const ValidationResultSchema = z.object({
  testId: ValidationTestIdSchema,
  nodeId: ValidationNodeIdSchema,
  status: ValidationStatusSchema,
  /** What was found, in sentences a person reads: "eth0 is UP with 198.51.100.11/24". */
  details: z.string().max(4000),
  /** What to do, for Warning and Failed (and for NotRun when the reason is fixable). */
  remediation: z.string().max(2000).optional(),
  /** What was observed, for the report's table: e.g. { label: 'net.ipv4.conf.eth0.arp_ignore', value: '0' }. */
  evidence: z.array(z.object({ label: z.string().max(200), value: z.string().max(1000) })).max(64).optional(),
  /** What the app can change on the node to fix it, once the admin confirms (validation.createFirewallRule). */
  fix: ValidationFixSchema.optional(),
  durationMs: z.number().int().min(0).optional()
})

/** One 'validation.progress' event per change of one test on one node. */
export const ValidationProgressSchema = z.object({
  runId: ValidationRunIdSchema,
  testId: ValidationTestIdSchema,
  nodeId: ValidationNodeIdSchema,
  status: z.enum(['Running', ...ValidationStatusSchema.options]),
  /** The result's details once it is final; a short note while running. */
  message: z.string().max(500).optional()
})

/** What the report shows of a node's facts (the full facts stay available through nodes.facts). */
export const NodeFactsSummarySchema = z.object({
  hostname: z.string().max(253),
  osPrettyName: z.string().max(200),
  kernel: z.string().max(200),
  arch: z.string().max(64),
  /** `node --version`, or null without Node.js. */
  nodeVersion: z.string().max(64).nullable(),
  platform: z.enum(['linux', 'windows']),
  /** The interface the VIP would go on, and its IPv4 address/prefix there, if it has one. */
  interface: InterfaceNameSchema.optional(),
  ipv4: z.string().max(18).optional()
})

export const ValidationReportNodeSchema = z.object({
  id: ValidationNodeIdSchema,
  label: z.string().max(100),
  host: z.string().max(253),
  port: z.number().int().min(1).max(65535),
  username: z.string().max(128),
  /** Null when the node could not be reached (then `error` says why and its tests are Failed). */
  facts: NodeFactsSummarySchema.nullable(),
  error: ApiErrorSchema.optional()
})

export const ValidationSummarySchema = z.object({
  success: z.number().int().min(0),
  warning: z.number().int().min(0),
  failed: z.number().int().min(0),
  notRun: z.number().int().min(0),
  /** The worst result of the run: Failed > Warning > Success (NotRun alone counts as Warning). */
  overall: z.enum(['Success', 'Warning', 'Failed'])
})

const IsoTime = z.string().max(40)

export const ValidationReportSchema = z.object({
  runId: ValidationRunIdSchema,
  appVersion: z.string().max(64),
  startedAt: IsoTime,
  /** Absent while the run is going on. */
  finishedAt: IsoTime.optional(),
  cancelled: z.boolean(),
  /** The settings that were validated (node secrets never appear in a report). */
  settings: z.object({
    vip: VipCidrSchema,
    vrid: VridSchema.optional(),
    advertIntervalMs: AdvertIntervalMsSchema,
    mode: VrrpModeSchema
  }),
  /** The router id scan's proposal of a free VRID (when none was given, or the given one is taken). */
  proposedVrid: VridSchema.optional(),
  nodes: z.array(ValidationReportNodeSchema).max(32),
  /** The catalogue entries of every test in `results`, so the report stands alone. */
  tests: z.array(ValidationTestSchema).max(200),
  results: z.array(ValidationResultSchema).max(200 * 32),
  summary: ValidationSummarySchema,
  /** Where the self-contained HTML and the JSON copy were saved (absent until saved). */
  files: z.object({ html: z.string().max(4096), json: z.string().max(4096) }).optional()
})

// ---------------------------------------------------------------------------
// Methods and events (spread into the API table in contract.ts)
// ---------------------------------------------------------------------------

/** The rule created on a node, and the firewall test's result run again afterwards. */
export const CreateFirewallRuleResultSchema = z.object({
  nodeId: ValidationNodeIdSchema,
  rule: z.object({ name: FirewallRuleTextSchema, displayName: FirewallRuleTextSchema, peers: z.array(z.string().max(15)).max(31) }),
  /** The test run again on that node after the change (the run's report holds it too). */
  result: ValidationResultSchema
})

const RunIdInput = z.object({ runId: ValidationRunIdSchema })

export const validationMethods = {
  'validation.catalogue': { input: z.object({}).strict(), output: ValidationCatalogueSchema },
  /** Checks the request, starts the run and returns at once; progress follows as events. */
  'validation.start': { input: ValidationRequestSchema, output: RunIdInput },
  /** Stops a run cleanly: tests not finished become NotRun. */
  'validation.cancel': { input: RunIdInput, output: z.object({}).strict() },
  /** The report so far (finishedAt absent while running), or the finished one (also of an earlier session, from its saved JSON). */
  'validation.report': { input: RunIdInput, output: ValidationReportSchema },
  /** The saved self-contained HTML report of a finished run, and where it lies, so the app can show or open it. */
  'validation.reportHtml': {
    input: RunIdInput,
    output: z.object({ html: z.string().max(20 * 1024 * 1024), path: z.string().max(4096) })
  },
  /**
   * Carries out the fix a finished run offered for its Windows firewall test on one node: creates
   * (or replaces) the inbound rule admitting IP protocol 112 from the peers the report names,
   * then runs that test again there; the run's report (and its saved files) get the new result.
   */
  'validation.createFirewallRule': {
    input: z.object({ runId: ValidationRunIdSchema, nodeId: ValidationNodeIdSchema }).strict(),
    output: CreateFirewallRuleResultSchema
  }
} as const

export const validationEvents = {
  'validation.progress': ValidationProgressSchema,
  'validation.finished': z.object({ runId: ValidationRunIdSchema, cancelled: z.boolean(), summary: ValidationSummarySchema })
} as const

export type ValidationGroup = z.infer<typeof ValidationGroupSchema>
export type ValidationTest = z.infer<typeof ValidationTestSchema>
export type ValidationNodeInput = z.infer<typeof ValidationNodeInputSchema>
/** What a caller passes (before defaults). */
export type ValidationRequestInput = z.input<typeof ValidationRequestSchema>
export type ValidationRequest = z.output<typeof ValidationRequestSchema>
export type ValidationStatus = z.infer<typeof ValidationStatusSchema>
export type ValidationResult = z.infer<typeof ValidationResultSchema>
export type ValidationProgress = z.infer<typeof ValidationProgressSchema>
export type NodeFactsSummary = z.infer<typeof NodeFactsSummarySchema>
export type ValidationReportNode = z.infer<typeof ValidationReportNodeSchema>
export type ValidationSummary = z.infer<typeof ValidationSummarySchema>
export type ValidationReport = z.infer<typeof ValidationReportSchema>
export type VrrpMode = z.infer<typeof VrrpModeSchema>
export type ValidationFix = z.infer<typeof ValidationFixSchema>
export type CreateFirewallRuleResult = z.infer<typeof CreateFirewallRuleResultSchema>
