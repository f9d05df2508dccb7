// The desktop's list of saved SSH connections (dataDir/connections.json). No secrets in it:
// passwords and passphrases live in the CredentialStore under the same id.
import { randomBytes } from 'node:crypto'
import * as path from 'node:path'
import { z } from 'zod'
import { HostSchema, PortSchema, UsernameSchema } from '../../api/model'
import { readJsonList, readRejectedEntries, writeJsonList, writeRejectedEntries, type RejectedEntry } from '../store/json-list-file'

export const SavedAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password') }),
  z.object({ kind: z.literal('key'), privateKeyPath: z.string().min(1) }),
  z.object({ kind: z.literal('agent'), socketPath: z.string().optional() })
])

export const SavedConnectionSchema = z.object({
  id: z.string().regex(/^c-[0-9a-f]{12}$/),
  label: z.string().max(100),
  host: HostSchema,
  port: PortSchema,
  username: UsernameSchema,
  /** How to log in, minus the secret. */
  auth: SavedAuthSchema,
  /** Last hostname the node reported (facts), for display. */
  hostname: z.string().max(253).optional(),
  /** The platform the node's SSH server announced at the last connect, for the icon while disconnected. */
  platform: z.enum(['linux', 'windows']).optional()
})

export type SavedConnection = z.infer<typeof SavedConnectionSchema>

export function newConnectionId(): string {
  return `c-${randomBytes(6).toString('hex')}`
}

/** Same node, port and user = same saved connection (host names compare case-insensitively). */
export function sameTarget(a: Pick<SavedConnection, 'host' | 'port' | 'username'>, b: Pick<SavedConnection, 'host' | 'port' | 'username'>): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.username === b.username
}

/** A saved entry that no longer reads, as moved aside to connections.json.rejected. */
export type RejectedConnection = RejectedEntry

/** What an entry is, for the report, without trusting its shape. */
function describeEntry(entry: unknown): string {
  const e = (entry ?? {}) as Record<string, unknown>
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : undefined)
  const who = [str(e['username']), str(e['host'])].filter(Boolean).join('@')
  return [str(e['label']), who && `(${who})`].filter(Boolean).join(' ') || 'an entry without a name'
}

export class SavedConnections {
  readonly filePath: string
  /** Where entries that no longer read are kept (never deleted by the app). */
  readonly rejectedPath: string

  /**
   * `onRejected` hears about entries moved aside to the .rejected file (once, when moved),
   * so the backend can tell the admin what happened and where the entry went.
   */
  constructor(
    dataDir: string,
    private readonly onRejected: (moved: RejectedConnection[], rejectedPath: string) => void = () => {}
  ) {
    this.filePath = path.join(dataDir, 'connections.json')
    this.rejectedPath = `${this.filePath}.rejected`
  }

  /**
   * The saved connections. An entry that no longer parses (written by another version, or
   * edited by hand) is not dropped: it is moved to connections.json.rejected with the
   * reason, and reported through onRejected, before anything rewrites connections.json.
   */
  list(): SavedConnection[] {
    const read = readJsonList(this.filePath, 'connections', SavedConnectionSchema, { listMayBeAbsent: true })
    switch (read.state) {
      case 'missing':
        return []
      case 'not-json':
        throw new Error(
          `The saved-connections file ${this.filePath} is not valid JSON (${read.detail}). Repair or delete it; connections can be added again.`
        )
      case 'no-list':
        // Not ours to rewrite: a later write would replace it with an empty list.
        throw new Error(
          `The saved-connections file ${this.filePath} has no "connections" list. Repair or delete it; connections can be added again.`
        )
      case 'read':
        if (read.rejected.length > 0) this.moveAside(read.rejected, read.valid)
        return read.valid
    }
  }

  get(id: string): SavedConnection | undefined {
    return this.list().find((c) => c.id === id)
  }

  findByTarget(t: Pick<SavedConnection, 'host' | 'port' | 'username'>): SavedConnection | undefined {
    return this.list().find((c) => sameTarget(c, t))
  }

  upsert(entry: SavedConnection): void {
    const parsed = SavedConnectionSchema.parse(entry)
    const rest = this.list().filter((c) => c.id !== parsed.id)
    this.write([...rest, parsed])
  }

  remove(id: string): boolean {
    const all = this.list()
    const rest = all.filter((c) => c.id !== id)
    if (rest.length === all.length) return false
    this.write(rest)
    return true
  }

  /** Entries moved aside so far (oldest first). */
  rejectedEntries(): RejectedConnection[] {
    try {
      return readRejectedEntries(this.rejectedPath)
    } catch {
      throw new Error(`The file ${this.rejectedPath} is not valid JSON. Repair it or move it away; nothing was changed.`)
    }
  }

  /**
   * Append the entries to the .rejected file first (an entry already there is not added
   * twice), then rewrite connections.json without them: a crash in between leaves the entry
   * in both files, never in neither.
   */
  private moveAside(rejected: RejectedConnection[], valid: SavedConnection[]): void {
    const kept = this.rejectedEntries()
    const seen = new Set(kept.map((r) => JSON.stringify(r.entry)))
    const added = rejected.filter((r) => !seen.has(JSON.stringify(r.entry)))
    writeRejectedEntries(this.rejectedPath, [...kept, ...added])
    this.write(valid)
    this.onRejected(rejected, this.rejectedPath)
  }

  private write(connections: SavedConnection[]): void {
    writeJsonList(this.filePath, 'connections', connections)
  }
}

/** The backend.log line for entries moved aside: what, why, and where they are now. */
export function rejectedReport(moved: RejectedConnection[], rejectedPath: string): string {
  const what = moved.map((r) => `${describeEntry(r.entry)}: ${r.reason}`).join('; ')
  return (
    `${moved.length === 1 ? 'A saved connection' : `${moved.length} saved connections`} could not be read and ` +
    `${moved.length === 1 ? 'was' : 'were'} moved to ${rejectedPath} (nothing was deleted): ${what}. ` +
    'Repair the entry there and add it back to connections.json, or connect to the node again.'
  )
}
