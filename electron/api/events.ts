// The contract of Cluster Events (issue 12): every node's transitions, alerts, admin actions and
// agent errors, merged across nodes in time order, kept on the desktop and read back from the
// nodes' agent logs for the time the app was closed; and the flapping flag of a role that changes
// owner too often. Browser-safe: zod only. Its methods and events (`eventMethods`, `eventEvents`)
// are spread into the API table (contract.ts, names.ts) and implemented in electron/backend/events/.
import { z } from 'zod'
import { ClusterIdSchema } from './cluster'
import { text } from './limits'

export const EventLevelSchema = z.enum(['info', 'warn', 'error'])

/**
 * What an event is about: a role changing state on a node, an alert raised or cleared, an
 * admin's action (Move, Pause, Create, Evict, ...), something the agent reported (an error, a
 * start or stop), or the flapping flag.
 */
export const EventKindSchema = z.enum(['transition', 'alert', 'alert-cleared', 'action', 'agent', 'flapping'])

/** Where the app learnt of it: live from the node, read back from the node's agent log, or the app itself. */
export const EventSourceSchema = z.enum(['live', 'agent-log', 'app'])

export const ClusterEventSchema = z.object({
  /** Stable per event: the same event read twice has the same id (the de-duplication key's hash). */
  id: text('id', 'id'),
  clusterId: ClusterIdSchema,
  /** When it happened, ISO 8601 with milliseconds, by the clock of the node that saw it (or the app's). */
  at: text('timestamp', 'at'),
  level: EventLevelSchema,
  kind: EventKindSchema,
  source: EventSourceSchema,
  node: text('name', 'node').optional(),
  role: text('name', 'role').optional(),
  /** A transition's states (agent words: MASTER, BACKUP, FAULT, INIT). */
  from: text('name', 'from').optional(),
  to: text('name', 'to').optional(),
  message: text('message', 'message')
})

/** A role that changed owner more than `threshold` times within the last `windowMinutes`. */
export const FlappingFlagSchema = z.object({
  role: text('name', 'role'),
  changes: z.number().int().min(0),
  since: text('timestamp', 'since'),
  threshold: z.number().int(),
  windowMinutes: z.number()
})

export const FlappingSettingsSchema = z.object({
  /** Flag a role after more than this many owner changes... */
  maxChanges: z.number().int().min(1).max(1000),
  /** ...within this many minutes. */
  windowMinutes: z.number().min(0.1).max(24 * 60)
})

/** Filters every query and export takes; all optional, combined with AND. */
export const EventFilterSchema = z.object({
  clusterId: ClusterIdSchema,
  /** ISO time or a relative span ("15m", "2h", "1d") back from now. */
  since: text('timestamp', 'since').optional(),
  until: text('timestamp', 'until').optional(),
  nodes: z.array(text('name', 'nodes[]')).max(64).optional(),
  roles: z.array(text('name', 'roles[]')).max(64).optional(),
  levels: z.array(EventLevelSchema).max(3).optional(),
  kinds: z.array(EventKindSchema).max(6).optional(),
  /** Words to find in the message, node or role (case-insensitive). */
  search: text('label', 'search').optional()
})

/** Newest first pages: events older than `before` (an event id from the previous page). */
export const EventQuerySchema = EventFilterSchema.extend({
  limit: z.number().int().min(1).max(1000).default(200),
  before: text('id', 'before').optional()
})

export const EventPageSchema = z.object({
  /** Newest first. */
  events: z.array(ClusterEventSchema).max(1000),
  /** How many events match the filters in all (the page is at most `limit` of them). */
  total: z.number().int().min(0),
  /** True when older matching events exist past this page. */
  more: z.boolean(),
  /** Roles flagged as flapping now. */
  flapping: z.array(FlappingFlagSchema).max(64),
  settings: FlappingSettingsSchema,
  /** Node names seen in the cluster's events and roles seen (for the filter controls). */
  nodes: z.array(text('name', 'nodes[]')).max(256),
  roles: z.array(text('name', 'roles[]')).max(256)
})

/** An export: at most MAX_EXPORT_EVENTS events, oldest first; CSV (RFC 4180) or a JSON array. */
export const MAX_EXPORT_EVENTS = 20_000
export const MAX_EXPORT_CHARS = 16 * 1024 * 1024
export const EventExportSchema = z.object({
  filename: text('path', 'filename'),
  mediaType: z.enum(['text/csv', 'application/json']),
  content: z.string().max(MAX_EXPORT_CHARS, `an export is at most ${MAX_EXPORT_CHARS} characters`),
  count: z.number().int().min(0),
  /** True when more events matched than an export holds (narrow the filters). */
  truncated: z.boolean()
})

export const ReadBackResultSchema = z.object({
  /** Per node: how many new events its agent log gave, or why it could not be read. */
  nodes: z
    .array(z.object({ node: text('name', 'node'), added: z.number().int().min(0), error: text('message', 'error').optional() }))
    .max(64),
  added: z.number().int().min(0)
})

export const eventMethods = {
  /** A page of the cluster's events (newest first) with the flapping flags. */
  'events.query': { input: EventQuerySchema, output: EventPageSchema },
  /** The matching events as a CSV or JSON document. */
  'events.export': { input: EventFilterSchema.extend({ format: z.enum(['csv', 'json']) }), output: EventExportSchema },
  /** Read the nodes' agent logs since the last event held from each node (the time the app was closed). */
  'events.readBack': { input: z.object({ clusterId: ClusterIdSchema }), output: ReadBackResultSchema },
  /** Change when a role counts as flapping (kept per cluster). */
  'events.setFlapping': { input: FlappingSettingsSchema.extend({ clusterId: ClusterIdSchema }), output: FlappingSettingsSchema }
} as const

export const eventEvents = {
  /** A new event of a cluster, as it is recorded. */
  'cluster.event': ClusterEventSchema
} as const

export type EventLevel = z.infer<typeof EventLevelSchema>
export type EventKind = z.infer<typeof EventKindSchema>
export type EventSource = z.infer<typeof EventSourceSchema>
export type ClusterEvent = z.infer<typeof ClusterEventSchema>
export type FlappingFlag = z.infer<typeof FlappingFlagSchema>
export type FlappingSettings = z.infer<typeof FlappingSettingsSchema>
export type EventFilter = z.infer<typeof EventFilterSchema>
export type EventQuery = z.infer<typeof EventQuerySchema>
export type EventPage = z.infer<typeof EventPageSchema>
export type EventExport = z.infer<typeof EventExportSchema>
export type ReadBackResult = z.infer<typeof ReadBackResultSchema>
