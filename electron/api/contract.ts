// THE API: one table of methods and events, shared by the backend, both transports
// (Electron IPC and browser-mode WebSocket) and the renderer. Browser-safe: zod only.
//
// Adding a method: add it here AND to names.ts (the compiler refuses a mismatch), then
// implement it in the service that owns it (electron/backend/<service>/) and map it in the
// composition root, electron/backend/backend.ts. Both transports pick it up from the table.
import { z } from 'zod'
import { HostKeyInfoSchema, NodeFactsSchema, SshTargetSchema } from './model'
import { ApiErrorSchema } from './errors'
import { text } from './limits'
import type { ApiEventName, ApiMethodName } from './names'
import { validationEvents, validationMethods } from './validation'
import { clusterEvents, clusterMethods } from './cluster'
import { reachabilityEvents, reachabilityMethods } from './reachability'
import { consoleEvents, consoleMethods } from './console'
import { terminalEvents, terminalMethods } from './terminal'
import { eventEvents, eventMethods } from './events'

export const ConnectionStateSchema = z.enum(['connecting', 'connected', 'disconnected', 'failed'])

/** An SSH connection as the UI sees it. Only the id crosses the API; the session stays in the backend. */
export const ConnectionSchema = z.object({
  id: text('id', 'id'),
  label: text('label', 'label'),
  host: text('host', 'host'),
  port: z.number().int(),
  username: text('name', 'username'),
  authKind: z.enum(['password', 'key', 'agent']),
  state: ConnectionStateSchema,
  /** Pinned host key fingerprint ('SHA256:...'), once trusted. */
  hostKeyFingerprint: text('fingerprint', 'hostKeyFingerprint').optional(),
  /** The node's own hostname, once facts were collected. */
  hostname: text('host', 'hostname').optional(),
  /** The node's platform as its SSH server announced it (Win32-OpenSSH = windows), once connected. */
  platform: z.enum(['linux', 'windows']).optional(),
  /** True if a secret (password/passphrase) is stored for it, so 'connections.reconnect' works. */
  remembered: z.boolean().optional(),
  /** Why the last attempt failed (state 'failed'). */
  lastError: ApiErrorSchema.optional()
})

export const ConnectRequestSchema = SshTargetSchema.extend({
  /** Display name; defaults to user@host. */
  label: text('label', 'label').trim().optional(),
  /** Store the password/passphrase (safeStorage in the app, a 0600 file in browser mode). */
  remember: z.boolean().optional()
})

export const ConnectResultSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('connected'), connection: ConnectionSchema }),
  /** First contact: show the fingerprint, let the admin trust it (hostKeys.trust), then connect again. */
  z.object({ status: z.literal('host-key-unknown'), hostKey: HostKeyInfoSchema }),
  /** The node presents a different key than the pinned one: never accepted silently. */
  z.object({
    status: z.literal('host-key-changed'),
    hostKey: HostKeyInfoSchema,
    expectedFingerprint: text('fingerprint', 'expectedFingerprint')
  })
])

/**
 * What protects remembered secrets (passwords, passphrases) on this machine, told honestly:
 * 'os-keychain' only when Electron's safeStorage encrypts with a real OS keychain;
 * 'file-0600' (unencrypted, a file only the user can read) in browser mode, without a keychain,
 * and with Linux's 'basic_text' fallback. The UI never says "encrypted" unless `encrypted`.
 */
export const SecretStorageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('os-keychain'), encrypted: z.literal(true), description: text('message', 'description') }),
  z.object({
    kind: z.literal('file-0600'),
    encrypted: z.literal(false),
    description: text('message', 'description'),
    /** Why there is no encryption here, in words for the admin. */
    reason: text('message', 'reason')
  })
])

export const TrustHostKeySchema = HostKeyInfoSchema.extend({
  /** Replace a different pinned key (the admin chose to, seeing both fingerprints). */
  replace: z.boolean().optional(),
  /** With replace: the pinned fingerprint the admin was shown. */
  previousFingerprint: text('fingerprint', 'previousFingerprint').optional()
}).refine((t) => !t.replace || !!t.previousFingerprint, {
  message: 'previousFingerprint: name the pinned fingerprint being replaced',
  path: ['previousFingerprint']
})

const Empty = z.object({}).strict()
const IdInput = z.object({ id: text('id', 'id').min(1, 'id is required') })

export const apiMethods = {
  'app.info': {
    input: Empty,
    output: z.object({
      version: text('name', 'version'),
      mode: z.enum(['electron', 'browser']),
      /** Where remembered secrets go and whether they are encrypted (the Connect dialog says it). */
      secretStorage: SecretStorageSchema
    })
  },
  'connections.list': { input: Empty, output: z.array(ConnectionSchema) },
  'connections.connect': { input: ConnectRequestSchema, output: ConnectResultSchema },
  /** Connect a saved connection again with its remembered secret (or none for key/agent auth). */
  'connections.reconnect': { input: IdInput, output: ConnectResultSchema },
  'connections.disconnect': { input: IdInput, output: Empty },
  /** Drops the saved entry and its stored secret (and disconnects it). */
  'connections.forget': { input: IdInput, output: Empty },
  'hostKeys.list': { input: Empty, output: z.array(HostKeyInfoSchema) },
  /**
   * Pin a host key the admin confirmed. A different key already pinned for that host:port is
   * replaced only with `replace: true` and `previousFingerprint` equal to the pin now (what
   * the admin was shown); otherwise the call fails with 'host-key-changed' and the pin stays.
   */
  'hostKeys.trust': { input: TrustHostKeySchema, output: Empty },
  'hostKeys.forget': {
    input: z.object({ host: text('host', 'host').min(1, 'host is required'), port: z.number().int().min(1).max(65535) }),
    output: Empty
  },
  'nodes.facts': {
    input: z.object({ connectionId: text('id', 'connectionId').min(1, 'connectionId is required'), refresh: z.boolean().optional() }),
    output: NodeFactsSchema
  },
  // Validate a Configuration (issue 10): catalogue, start, cancel, report, reportHtml.
  ...validationMethods,
  // Clusters (issue 11): list, get, connect, forget, export, and the operations on the nodes.
  ...clusterMethods,
  // The live reachability graph (issue 12): start/stop probing a role's VIP.
  ...reachabilityMethods,
  // The console (issue 12): live state and the actions on a running cluster.
  ...consoleMethods,
  // Terminals (issue 12): a shell on a node over its SSH connection, or a local one.
  ...terminalMethods,
  // Cluster Events (issue 12): query, export, read back from the agent logs, flapping settings.
  ...eventMethods
} as const satisfies Record<ApiMethodName, { input: z.ZodTypeAny; output: z.ZodTypeAny }>

export const apiEvents = {
  'connection.state': z.object({
    id: text('id', 'id'),
    state: ConnectionStateSchema,
    error: ApiErrorSchema.optional()
  }),
  'backend.log': z.object({
    at: text('timestamp', 'at'),
    level: z.enum(['info', 'warn', 'error']),
    message: text('message', 'message'),
    node: text('host', 'node').optional()
  }),
  // validation.progress, validation.finished
  ...validationEvents,
  // cluster.progress, cluster.finished
  ...clusterEvents,
  // reachability.samples, reachability.transition, reachability.sourceError
  ...reachabilityEvents,
  // cluster.state
  ...consoleEvents,
  // terminal.output, terminal.exit
  ...terminalEvents,
  // cluster.event
  ...eventEvents
} as const satisfies Record<ApiEventName, z.ZodTypeAny>

// names.ts must list exactly the table's keys (both directions); a mismatch fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const methodNamesMatch: Same<keyof typeof apiMethods, ApiMethodName> = true
const eventNamesMatch: Same<keyof typeof apiEvents, ApiEventName> = true
void methodNamesMatch
void eventNamesMatch

export type ApiMethod = keyof typeof apiMethods
export type ApiEvent = keyof typeof apiEvents
/** What a caller passes (before defaults, e.g. port may be omitted). */
export type ApiInput<M extends ApiMethod> = z.input<(typeof apiMethods)[M]['input']>
/** What the backend receives (after validation and defaults). */
export type ApiParsedInput<M extends ApiMethod> = z.output<(typeof apiMethods)[M]['input']>
export type ApiOutput<M extends ApiMethod> = z.output<(typeof apiMethods)[M]['output']>
export type ApiEventPayload<E extends ApiEvent> = z.output<(typeof apiEvents)[E]>

export type Connection = z.infer<typeof ConnectionSchema>
export type ConnectionState = z.infer<typeof ConnectionStateSchema>
export type ConnectRequest = z.infer<typeof ConnectRequestSchema>
export type ConnectResult = z.infer<typeof ConnectResultSchema>
export type SecretStorage = z.infer<typeof SecretStorageSchema>

/** What the backend implements: one async function per method. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiParsedInput<M>) => Promise<ApiOutput<M>> }

/** Typed subscription to backend events; returns an unsubscribe function. */
export type ApiEventSource = {
  on<E extends ApiEvent>(event: E, listener: (payload: ApiEventPayload<E>) => void): () => void
}

/** The object window.havip exposes in Electron (built by the preload from names.ts). */
export interface HavipBridge {
  readonly mode: 'electron'
  /** Resolves with an envelope: errors are values, see ApiResultEnvelope in names.ts. */
  call(method: string, input: unknown): Promise<import('./names').ApiResultEnvelope>
  /** One function per method, generated from names.ts. */
  readonly methods: Readonly<Record<ApiMethodName, (input: unknown) => Promise<import('./names').ApiResultEnvelope>>>
  on(event: string, listener: (payload: unknown) => void): () => void
}

// Validate a Configuration: its schemas live in validation.ts; its methods and events are in the table above.
export {
  ValidationGroupSchema,
  VALIDATION_GROUP_TITLES,
  ValidationTestIdSchema,
  ValidationTestSchema,
  ValidationCatalogueSchema,
  InterfaceNameSchema,
  VipCidrSchema,
  VridSchema,
  AdvertIntervalMsSchema,
  VrrpModeSchema,
  ValidationRunIdSchema,
  ValidationNodeInputSchema,
  ValidationRequestSchema,
  ValidationStatusSchema,
  ValidationNodeIdSchema,
  ValidationResultSchema,
  ValidationProgressSchema,
  NodeFactsSummarySchema,
  ValidationReportNodeSchema,
  ValidationSummarySchema,
  ValidationReportSchema,
  ValidationFixSchema,
  CreateFirewallRuleResultSchema,
  LinuxInterfaceNameSchema,
  WindowsInterfaceNameSchema,
  validationMethods,
  validationEvents
} from './validation'
export type {
  ValidationGroup,
  ValidationTest,
  ValidationNodeInput,
  ValidationRequestInput,
  ValidationRequest,
  ValidationStatus,
  ValidationResult,
  ValidationProgress,
  NodeFactsSummary,
  ValidationReportNode,
  ValidationSummary,
  ValidationReport,
  VrrpMode,
  ValidationFix,
  CreateFirewallRuleResult
} from './validation'

export * from './cluster'
export * from './console'
export * from './terminal'
export * from './events'

export { ApiErrorSchema } from './errors'
export type { ApiError, ApiErrorKind } from './errors'
export { ApiCallError } from './errors'
export { apiMethodNames, apiEventNames } from './names'
export type { ApiMethodName, ApiEventName, ApiResultEnvelope } from './names'
