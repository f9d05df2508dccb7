// Cluster Events: one time-ordered list of events per cluster, merged from every source (the live
// feed's agent events and alerts, the admin's actions, the agents' logs read back), kept in a
// bounded file per cluster (event-file.ts) and sent to clients as 'cluster.event' as recorded.
// The same happening reported twice (live and again from the log) is kept once (event-record.ts).
// A role changing owner too often is flagged (flapping.ts): an event when it starts, a flag on
// every page while it lasts.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { MAX_EXPORT_CHARS, MAX_EXPORT_EVENTS, FlappingSettingsSchema, type ClusterEvent, type EventExport, type EventFilter, type EventPage, type EventQuery, type FlappingSettings, type ReadBackResult } from '../../api/events'
import { ApiException, apiError } from '../../api/errors'
import type { EventHub } from '../events'
import type { BackendLog } from '../log'
import type { SshSession } from '../ssh/session'
import { writeFileAtomic, ensurePrivateDir } from '../store/atomic-file'
import { readAgentLog, type ReadBackOptions } from './agent-log-readback'
import { eventsCsv } from './event-csv'
import { EventFile, DEFAULT_EVENT_FILE_BYTES } from './event-file'
import { eventMatcher } from './event-filter'
import { byTime, isSameHappening, makeEvent, SAME_HAPPENING_MS, type EventInput } from './event-record'
import { DEFAULT_FLAPPING, flappingFlags, isOwnerChange } from './flapping'

/** Events held in memory per cluster (the newest; the files hold about as many). */
export const MAX_EVENTS_IN_MEMORY = 20_000

export interface ClusterEventsDeps {
  dataDir: string
  events: Pick<EventHub, 'emit'>
  log: BackendLog
  now?: () => number
  /** The cluster's nodes and an SSH session to each, for reading their agent logs back. */
  nodesOf?: (clusterId: string) => Promise<Array<{ node: string; session: () => Promise<SshSession> }>>
  maxFileBytes?: number
  readBack?: Omit<ReadBackOptions, 'since'>
}

interface ClusterBook {
  file: EventFile
  events: ClusterEvent[]
  settings: FlappingSettings
  flagged: Set<string>
}

export class ClusterEventsService {
  private readonly books = new Map<string, ClusterBook>()
  private readonly dir: string
  private readonly now: () => number

  constructor(private readonly d: ClusterEventsDeps) {
    this.dir = path.join(d.dataDir, 'events')
    this.now = d.now ?? Date.now
  }

  /** Records events (any source, any order); returns those that were new. Never throws on a bad input: it is logged. */
  record(clusterId: string, inputs: readonly EventInput[]): ClusterEvent[] {
    const book = this.book(clusterId)
    const added: ClusterEvent[] = []
    for (const input of inputs) {
      let e: ClusterEvent
      try {
        e = makeEvent(clusterId, input)
      } catch (err) {
        this.d.log('warn', `cluster ${clusterId}: an event was dropped: ${(err as Error).message}`)
        continue
      }
      if (this.insert(book, e)) added.push(e)
    }
    added.push(...this.checkFlapping(clusterId, book, added))
    if (added.length === 0) return added
    try {
      book.file.append(added)
    } catch (err) {
      this.d.log('warn', `cluster ${clusterId}: events could not be saved to ${book.file.current}: ${(err as Error).message}`)
    }
    for (const e of added) this.d.events.emit('cluster.event', e)
    return added
  }

  query(q: EventQuery): EventPage {
    const book = this.book(q.clusterId)
    const match = eventMatcher(q, this.now())
    const all = book.events.filter(match)
    let end = all.length
    if (q.before) {
      const i = all.findIndex((e) => e.id === q.before)
      if (i >= 0) end = i
    }
    const start = Math.max(0, end - q.limit)
    return {
      events: all.slice(start, end).reverse(),
      total: all.length,
      more: start > 0,
      flapping: flappingFlags(book.events, book.settings, this.now()),
      settings: book.settings,
      nodes: distinct(book.events.map((e) => e.node)),
      roles: distinct(book.events.map((e) => e.role))
    }
  }

  export(f: EventFilter & { format: 'csv' | 'json' }): EventExport {
    const book = this.book(f.clusterId)
    const all = book.events.filter(eventMatcher(f, this.now()))
    const truncated = all.length > MAX_EXPORT_EVENTS
    const picked = truncated ? all.slice(all.length - MAX_EXPORT_EVENTS) : all
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-')
    const content = f.format === 'csv' ? eventsCsv(picked) : JSON.stringify(picked, null, 1)
    if (content.length > MAX_EXPORT_CHARS) {
      throw new ApiException(apiError('invalid-input', `the export would be ${content.length} characters, more than ${MAX_EXPORT_CHARS}`, { hint: 'Narrow the filters (a shorter time span, one node or role) and export again.' }))
    }
    return {
      filename: `havip-events-${f.clusterId}-${stamp}.${f.format}`,
      mediaType: f.format === 'csv' ? 'text/csv' : 'application/json',
      content,
      count: picked.length,
      truncated
    }
  }

  /** Reads each node's agent log since the last event held from it (all nodes in parallel). */
  async readBack(clusterId: string): Promise<ReadBackResult> {
    if (!this.d.nodesOf) throw new ApiException(apiError('internal', 'reading agent logs back is not available in this build'))
    const book = this.book(clusterId)
    const nodes = await this.d.nodesOf(clusterId)
    const results = await Promise.all(
      nodes.map(async ({ node, session }) => {
        const since = this.lastFromNode(book, node)
        try {
          const { events } = await readAgentLog(await session(), node, { ...this.d.readBack, ...(since ? { since } : {}) })
          return { node, added: this.record(clusterId, events).filter((e) => e.kind !== 'flapping').length }
        } catch (err) {
          const message = `could not read the agent log on ${node}: ${(err as Error).message}`
          this.d.log('warn', message, node)
          return { node, added: 0, error: message.slice(0, 1000) }
        }
      })
    )
    return { nodes: results, added: results.reduce((s, r) => s + r.added, 0) }
  }

  setFlapping(clusterId: string, settings: FlappingSettings): FlappingSettings {
    const book = this.book(clusterId)
    book.settings = settings
    ensurePrivateDir(this.dir)
    writeFileAtomic(this.settingsFile(clusterId), JSON.stringify(settings))
    book.flagged.clear()
    const flags = this.checkFlapping(clusterId, book, book.events.filter(isOwnerChange))
    if (flags.length > 0) {
      book.file.append(flags)
      for (const e of flags) this.d.events.emit('cluster.event', e)
    }
    return settings
  }

  /** Drops a cluster's events (forgotten or destroyed). */
  forget(clusterId: string): void {
    const book = this.books.get(clusterId) ?? this.book(clusterId)
    book.file.remove()
    fs.rmSync(this.settingsFile(clusterId), { force: true })
    this.books.delete(clusterId)
  }

  // -------------------------------------------------------------------------

  private book(clusterId: string): ClusterBook {
    let b = this.books.get(clusterId)
    if (b) return b
    const file = new EventFile(this.dir, clusterId, this.d.maxFileBytes ?? DEFAULT_EVENT_FILE_BYTES)
    const { events, damaged } = file.load()
    if (damaged > 0) this.d.log('warn', `cluster ${clusterId}: ${damaged} damaged line(s) in ${file.current} skipped`)
    events.sort(byTime)
    b = { file, events: events.slice(-MAX_EVENTS_IN_MEMORY), settings: this.loadSettings(clusterId), flagged: new Set() }
    // Roles already flagged when the app stopped are not announced again.
    for (const f of flappingFlags(b.events, b.settings, this.now())) b.flagged.add(f.role)
    this.books.set(clusterId, b)
    return b
  }

  /** Inserts in time order unless the same happening is already held; true when inserted. */
  private insert(book: ClusterBook, e: ClusterEvent): boolean {
    const list = book.events
    const t = Date.parse(e.at)
    let i = lowerBound(list, new Date(t - SAME_HAPPENING_MS).toISOString())
    for (let j = i; j < list.length && Date.parse(list[j]!.at) <= t + SAME_HAPPENING_MS; j++) {
      if (list[j]!.id === e.id || isSameHappening(list[j]!, e)) return false
    }
    i = lowerBound(list, e.at)
    while (i < list.length && byTime(list[i]!, e) <= 0) i++
    list.splice(i, 0, e)
    if (list.length > MAX_EVENTS_IN_MEMORY) list.splice(0, list.length - MAX_EVENTS_IN_MEMORY)
    return true
  }

  /** Flapping events for roles that crossed the threshold with `added` (each once while it lasts). */
  private checkFlapping(clusterId: string, book: ClusterBook, added: readonly ClusterEvent[]): ClusterEvent[] {
    const now = this.now()
    const flags = flappingFlags(book.events, book.settings, now)
    const flaggedNow = new Set(flags.map((f) => f.role))
    for (const role of [...book.flagged]) if (!flaggedNow.has(role)) book.flagged.delete(role)
    if (!added.some(isOwnerChange)) return []
    const out: ClusterEvent[] = []
    for (const f of flags) {
      if (book.flagged.has(f.role)) continue
      book.flagged.add(f.role)
      const e = makeEvent(clusterId, {
        at: now,
        level: 'warn',
        kind: 'flapping',
        source: 'app',
        role: f.role,
        message: `role ${f.role} is flapping: its owner changed ${f.changes} times in ${f.windowMinutes} minutes (more than ${f.threshold})`
      })
      if (this.insert(book, e)) out.push(e)
    }
    return out
  }

  /** Where to read a node's log from: the newest event held from that node (minus the same-happening margin). */
  private lastFromNode(book: ClusterBook, node: string): string | undefined {
    for (let i = book.events.length - 1; i >= 0; i--) {
      const e = book.events[i]!
      if (e.node === node && e.source !== 'app') return new Date(Date.parse(e.at) - SAME_HAPPENING_MS).toISOString()
    }
    return undefined
  }

  private settingsFile(clusterId: string): string {
    return path.join(this.dir, `${clusterId}.settings.json`)
  }

  private loadSettings(clusterId: string): FlappingSettings {
    try {
      const parsed = FlappingSettingsSchema.safeParse(JSON.parse(fs.readFileSync(this.settingsFile(clusterId), 'utf8')))
      if (parsed.success) return parsed.data
    } catch {
      // none saved (or unreadable): the defaults
    }
    return { ...DEFAULT_FLAPPING }
  }
}

function lowerBound(list: readonly ClusterEvent[], at: string): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]!.at < at) lo = mid + 1
    else hi = mid
  }
  return lo
}

function distinct(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort().slice(0, 256)
}
