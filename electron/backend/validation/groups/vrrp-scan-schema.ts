// The JSON `havip-agent scan --json` prints, checked where it enters the backend. The shape is
// the agent's (agent/diag/scan-report.ts); the assertion below fails the type check if the two
// ever drift apart, so this is a runtime guard for that one type, not a second definition.
import { z } from 'zod'
import type { ScanReport } from '../../../../agent/diag/scan-report'

const ipv4 = z.string().max(15)

export const ScanReportSchema = z.object({
  format: z.literal(1),
  interface: z.string().max(15),
  source: ipv4,
  durationMs: z.number().int().min(0),
  routers: z.array(z.object({
    vrid: z.number().int().min(1).max(255),
    senders: z.array(z.object({
      address: ipv4,
      priority: z.number().int().min(0).max(255),
      version: z.union([z.literal(2), z.literal(3)]),
      advertIntervalMs: z.number().int().min(0),
      addresses: z.array(ipv4).max(255),
      count: z.number().int().min(1),
      multicast: z.boolean()
    })).max(1000)
  })).max(255),
  test: z.object({
    token: z.string().max(8),
    vrid: z.number().int().min(0).max(255),
    sent: z.array(z.object({ to: ipv4, sent: z.number().int().min(0), errors: z.array(z.string().max(2000)).max(10) })).max(64),
    received: z.array(z.object({ from: ipv4, multicast: z.boolean(), count: z.number().int().min(1), vrid: z.number().int().min(1).max(255) })).max(1000)
  }).optional(),
  foreignTestAdverts: z.number().int().min(0),
  bad: z.record(z.number().int().min(0))
})

type Parsed = z.infer<typeof ScanReportSchema>
// Both directions: what the agent prints parses, and what parses is what the agent prints.
const _agentToSchema = (r: ScanReport): Parsed => r
const _schemaToAgent = (r: Parsed): ScanReport => r
void _agentToSchema
void _schemaToAgent

export type { ScanReport }
