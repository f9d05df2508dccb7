// The desktop's list of known clusters (<dataDir>/clusters.json): which clusters this app
// created or connected to, and how to reach their nodes. Only a list: the definitions live on
// the nodes (/etc/havip/cluster.json), so anything here can be rebuilt by Connect to Cluster.
// That is why a damaged file is moved aside and reported rather than refused: the app keeps
// working, and nothing the admin wrote is deleted.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { KnownClusterSchema, type ClusterDefinition, type KnownCluster } from '../../api/cluster'
import { readJsonList, readRejectedEntries, writeJsonList, writeRejectedEntries, type RejectedEntry } from '../store/json-list-file'

export type DestroyIncomplete = NonNullable<KnownCluster['destroyIncomplete']>

/** What was wrong with clusters.json and where the damaged part went. */
export interface ClustersFileDamage {
  /** In words: "clusters.json is not valid JSON (...)", "2 entries could not be read: ...". */
  message: string
  /** Where the damaged file or entries were kept. */
  keptAt: string
}

function describeEntry(entry: unknown): string {
  const e = (entry ?? {}) as Record<string, unknown>
  const name = typeof e['name'] === 'string' ? e['name'].slice(0, 60) : undefined
  const id = typeof e['id'] === 'string' ? e['id'].slice(0, 30) : undefined
  return [name, id && `(${id})`].filter(Boolean).join(' ') || 'an entry without a name'
}

export class KnownClusters {
  readonly filePath: string
  readonly rejectedPath: string

  /** `onDamaged` hears once about a damaged file or entries, after they were moved aside. */
  constructor(
    dataDir: string,
    private readonly onDamaged: (damage: ClustersFileDamage) => void = () => {}
  ) {
    this.filePath = path.join(dataDir, 'clusters.json')
    this.rejectedPath = `${this.filePath}.rejected`
  }

  list(): KnownCluster[] {
    const read = readJsonList(this.filePath, 'clusters', KnownClusterSchema)
    switch (read.state) {
      case 'missing':
        return []
      case 'not-json':
        return this.setAsideWholeFile(`is not valid JSON (${read.detail.slice(0, 200)})`)
      case 'no-list':
        return this.setAsideWholeFile('has no "clusters" list')
      case 'read':
        if (read.rejected.length > 0) this.setAsideEntries(read.rejected, read.valid)
        return read.valid
    }
  }

  get(id: string): KnownCluster | undefined {
    return this.list().find((c) => c.id === id)
  }

  /**
   * Adds the cluster or replaces the entry with the same id. A Destroy-incomplete mark stays
   * unless the entry brings its own: reading the cluster again from the node that was not
   * cleaned must not make the list forget that the Destroy is unfinished.
   */
  upsert(entry: KnownCluster): void {
    const parsed = KnownClusterSchema.parse(entry)
    const all = this.list()
    const at = all.findIndex((c) => c.id === parsed.id)
    const mark = parsed.destroyIncomplete ?? all[at]?.destroyIncomplete
    const next = mark ? { ...parsed, destroyIncomplete: mark } : parsed
    if (at >= 0) all[at] = next
    else all.push(next)
    this.write(all)
  }

  /** Marks a cluster whose Destroy left something on a node (kept across restarts, shown in the list). */
  markDestroyIncomplete(id: string, mark: DestroyIncomplete): boolean {
    const all = this.list()
    const at = all.findIndex((c) => c.id === id)
    if (at < 0) return false
    all[at] = KnownClusterSchema.parse({ ...all[at], destroyIncomplete: mark })
    this.write(all)
    return true
  }

  remove(id: string): boolean {
    const all = this.list()
    const rest = all.filter((c) => c.id !== id)
    if (rest.length === all.length) return false
    this.write(rest)
    return true
  }

  /** The known clusters that have a node at host:port (host names compare case-insensitively). */
  byNodeAddress(host: string, port: number): KnownCluster[] {
    const h = host.toLowerCase()
    return this.list().filter((c) => c.nodes.some((n) => n.host.toLowerCase() === h && n.port === port))
  }

  private setAsideWholeFile(why: string): KnownCluster[] {
    const keptAt = `${this.filePath}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`
    fs.renameSync(this.filePath, keptAt)
    this.onDamaged({
      message: `The list of known clusters ${this.filePath} ${why}; it was moved to ${keptAt} and the list starts empty. Connect to each cluster again (Connect to Cluster, by any node's address): the clusters themselves live on their nodes.`,
      keptAt
    })
    return []
  }

  /** Appends to .rejected first, then rewrites clusters.json: a crash in between keeps an entry twice, never loses it. */
  private setAsideEntries(rejected: RejectedEntry[], valid: KnownCluster[]): void {
    let kept: unknown[] = []
    try {
      kept = readRejectedEntries(this.rejectedPath)
    } catch {
      // A damaged .rejected file is replaced by a fresh one below only after it is kept aside.
      fs.renameSync(this.rejectedPath, `${this.rejectedPath}.damaged-${Date.now()}`)
    }
    writeRejectedEntries(this.rejectedPath, [...kept, ...rejected])
    this.write(valid)
    const what = rejected.map((r) => `${describeEntry(r.entry)}: ${r.reason}`).join('; ')
    this.onDamaged({
      message: `${rejected.length === 1 ? 'A known cluster' : `${rejected.length} known clusters`} in ${this.filePath} could not be read and ${rejected.length === 1 ? 'was' : 'were'} moved to ${this.rejectedPath} (${what}). Connect to the cluster again to list it.`,
      keptAt: this.rejectedPath
    })
  }

  private write(clusters: KnownCluster[]): void {
    writeJsonList(this.filePath, 'clusters', clusters)
  }
}

/** The list entry of a definition; `connectionIds` maps node names to this desktop's saved connections. */
export function knownClusterFrom(def: ClusterDefinition, now: Date, connectionIds: Readonly<Record<string, string | undefined>> = {}): KnownCluster {
  return {
    id: def.id,
    name: def.name,
    generation: def.generation,
    nodes: def.nodes.map((n) => {
      const connectionId = connectionIds[n.name]
      return { name: n.name, host: n.host, port: n.port, username: n.username, ...(connectionId ? { connectionId } : {}) }
    }),
    roles: def.roles.map((r) => ({ name: r.name, vip: r.vip })),
    lastSeenAt: now.toISOString()
  }
}
