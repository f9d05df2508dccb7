// /etc/havip/install.json: what this app installed on the node and what was there before, so
// removeAll can leave the node as it found it, and a rerun knows what it already did.
import { z } from 'zod'

const InstallRecordSchema = z.object({
  schema: z.literal(1),
  /** The release `current` points to. */
  release: z.string().max(128),
  /** The Node.js the agent runs with: the node's own, or the runtime we uploaded (its directory under /opt/havip/runtime). */
  runtime: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('system'), path: z.string().max(4096), version: z.string().max(64) }),
    z.object({ kind: z.literal('uploaded'), dir: z.string().max(128), version: z.string().max(64) })
  ]),
  /** The node's own Node.js when we first came (null: none usable). Never touched by us, kept on removal. */
  before: z.object({ nodePath: z.string().max(4096).nullable(), nodeVersion: z.string().max(64).nullable() }),
  service: z.enum(['systemd', 'supervisor']).nullable(),
  installedAt: z.string().max(40),
  updatedAt: z.string().max(40)
})

export type InstallRecord = z.infer<typeof InstallRecordSchema>

export function parseInstallRecord(text: string): InstallRecord | { unreadable: string } {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return { unreadable: `install.json is not valid JSON (${(e as Error).message})` }
  }
  const r = InstallRecordSchema.safeParse(raw)
  return r.success ? r.data : { unreadable: `install.json does not have the expected fields (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})` }
}

export function readable(rec: InstallRecord | { unreadable: string } | null): InstallRecord | null {
  return rec && !('unreadable' in rec) ? rec : null
}
