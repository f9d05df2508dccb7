// A cluster's events on the desktop: JSON lines in <dataDir>/events/<clusterId>.jsonl, bounded by
// rotation. When the file passes maxBytes it becomes <clusterId>.1.jsonl (replacing the older
// one), so a cluster never holds more than about 2 × maxBytes on disk, and what survives a
// restart is the newest events. Appends are one write each (O_APPEND), so a line is never half
// written by us; a line that is anyway (a crash, a full disk) is skipped on load, not fatal.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ClusterEventSchema, type ClusterEvent } from '../../api/events'
import { ensurePrivateDir } from '../store/atomic-file'

/** 2 MiB per file: ten thousand events or so; two files per cluster. */
export const DEFAULT_EVENT_FILE_BYTES = 2 * 1024 * 1024

export class EventFile {
  readonly current: string
  readonly previous: string
  private size = -1

  constructor(dir: string, clusterId: string, private readonly maxBytes = DEFAULT_EVENT_FILE_BYTES) {
    if (!/^cl-[0-9a-f]{16}$/.test(clusterId)) throw new Error(`not a cluster id: ${clusterId.slice(0, 40)}`)
    this.current = path.join(dir, `${clusterId}.jsonl`)
    this.previous = path.join(dir, `${clusterId}.1.jsonl`)
  }

  /** Every event kept, in file order (older file first); damaged lines are counted, not thrown. */
  load(): { events: ClusterEvent[]; damaged: number } {
    const events: ClusterEvent[] = []
    let damaged = 0
    for (const file of [this.previous, this.current]) {
      let text: string
      try {
        text = fs.readFileSync(file, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw err
      }
      for (const line of text.split('\n')) {
        if (!line.trim()) continue
        try {
          const parsed = ClusterEventSchema.safeParse(JSON.parse(line))
          if (parsed.success) events.push(parsed.data)
          else damaged++
        } catch {
          damaged++
        }
      }
    }
    return { events, damaged }
  }

  append(events: readonly ClusterEvent[]): void {
    if (events.length === 0) return
    ensurePrivateDir(path.dirname(this.current))
    if (this.size < 0) this.size = sizeOf(this.current)
    const text = events.map((e) => JSON.stringify(e) + '\n').join('')
    const bytes = Buffer.byteLength(text)
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate()
    fs.appendFileSync(this.current, text, { mode: 0o600 })
    this.size += bytes
  }

  /** Removes both files (the cluster was forgotten or destroyed). */
  remove(): void {
    fs.rmSync(this.current, { force: true })
    fs.rmSync(this.previous, { force: true })
    this.size = 0
  }

  private rotate(): void {
    fs.renameSync(this.current, this.previous)
    this.size = 0
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size
  } catch {
    return 0
  }
}
