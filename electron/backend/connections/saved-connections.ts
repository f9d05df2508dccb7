// The desktop's list of saved SSH connections (dataDir/connections.json). No secrets in it:
// passwords and passphrases live in the CredentialStore under the same id.
import { randomBytes } from 'node:crypto'
import * as path from 'node:path'
import { z } from 'zod'
import { HostSchema, PortSchema, UsernameSchema } from '../../api/model'
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from '../store/atomic-file'

export const SavedAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password') }),
  z.object({ kind: z.literal('key'), privateKeyPath: z.string().min(1) }),
  z.object({ kind: z.literal('agent'), socketPath: z.string().optional() })
])

export const SavedConnectionSchema = z.object({
  id: z.string().regex(/^c-[0-9a-f]{12}$/),
  label: z.string(),
  host: HostSchema,
  port: PortSchema,
  username: UsernameSchema,
  /** How to log in, minus the secret. */
  auth: SavedAuthSchema,
  /** Last hostname the node reported (facts), for display. */
  hostname: z.string().optional()
})

export type SavedConnection = z.infer<typeof SavedConnectionSchema>

interface ConnectionsFile {
  version: 1
  connections: SavedConnection[]
}

export function newConnectionId(): string {
  return `c-${randomBytes(6).toString('hex')}`
}

/** Same node, port and user = same saved connection (host names compare case-insensitively). */
export function sameTarget(a: Pick<SavedConnection, 'host' | 'port' | 'username'>, b: Pick<SavedConnection, 'host' | 'port' | 'username'>): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.username === b.username
}

export class SavedConnections {
  readonly filePath: string

  constructor(dataDir: string) {
    this.filePath = path.join(dataDir, 'connections.json')
  }

  list(): SavedConnection[] {
    const text = readPrivateFile(this.filePath)
    if (text === undefined) return []
    let doc: Partial<ConnectionsFile>
    try {
      doc = JSON.parse(text) as Partial<ConnectionsFile>
    } catch (e) {
      throw new Error(
        `The saved-connections file ${this.filePath} is not valid JSON (${(e as Error).message}). Repair or delete it; connections can be added again.`
      )
    }
    // Skip (rather than fail on) entries a newer or older version wrote differently.
    return (Array.isArray(doc.connections) ? doc.connections : []).flatMap((c) => {
      const r = SavedConnectionSchema.safeParse(c)
      return r.success ? [r.data] : []
    })
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

  private write(connections: SavedConnection[]): void {
    ensurePrivateDir(path.dirname(this.filePath))
    const doc: ConnectionsFile = { version: 1, connections }
    writeFileAtomic(this.filePath, JSON.stringify(doc, null, 2) + '\n', 0o600)
  }
}
