// The real agent's output recorded in the lab (fixtures/record-agent-output.ts), as the feed
// prints it: one JSON line per status or event.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClusterDefinition } from '../../../electron/api/cluster'

type Raw = Record<string, unknown>
export const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'agent-output.json'), 'utf8')) as {
  statusSteady: Record<'n1' | 'n2' | 'n3', Raw>
  statusAfterTakeover: Record<'n1' | 'n2', Raw>
  statusAfterRelease: Record<'n1' | 'n2', Raw>
  statusPaused: Record<'n1' | 'n2', Raw>
  takeover: Raw
  release: Raw
  pause: Raw
  resume: Raw
  watchLines: Raw[]
  statusNoAgent: { code: number; stdout: string; stderr: string }
  takeoverUnknown: { code: number; json: Raw }
}

/** A status line as `ctl status --json` printed it. */
export const line = (o: unknown): string => JSON.stringify(o)

/** A status with changes (deep copy). */
export function edited(o: Raw, edit: (inst: Record<string, any>) => void): Raw {
  const c = JSON.parse(JSON.stringify(o)) as { result: { instances: Record<string, any>[] } }
  edit(c.result.instances[0]!)
  return c as unknown as Raw
}

/** The cluster the recording ran as (VRID 177, VIP .207); n3 ran the same VRID without hearing n1. */
export const definition: ClusterDefinition = {
  schema: 1,
  id: 'cl-00000000000000a1',
  name: 'rec',
  generation: 3,
  writtenBy: 'test',
  updatedAt: '2026-12-01T22:00:00.000Z',
  nodes: [
    { name: 'n1', host: '198.51.100.11', port: 22, username: 'root', platform: 'linux', interface: 'eth0', address: '198.51.100.11', priority: 150 },
    { name: 'n2', host: '198.51.100.12', port: 22, username: 'root', platform: 'linux', interface: 'eth0', address: '198.51.100.12', priority: 100 },
    { name: 'n3', host: '198.51.100.13', port: 22, username: 'root', platform: 'linux', interface: 'eth0', address: '198.51.100.13', priority: 50 }
  ],
  roles: [
    { name: 'vip1', vip: '198.51.100.207/24', vrid: 177, version: 3, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'none' }, preferredOwners: [], failback: { policy: 'never' } }
  ]
}
