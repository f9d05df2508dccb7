// Where operation reports live: <dataDir>/operations/<op-id>.json, written atomically and
// owner-only at every step change, so clusters.operation answers after a restart and a crash
// mid-operation leaves the last state on disk. Beside the report, the record keeps what a
// rollback needs (the definitions before and after, and which nodes were reached): the nodes'
// addresses and the VRRP password, hence 0600 like the credentials beside it. Bounded: the
// oldest records beyond KEPT are deleted.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { z } from 'zod'
import { ClusterDefinitionSchema, OperationIdSchema, OperationReportSchema } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import { ensurePrivateDir, writeFileAtomic } from '../../store/atomic-file'

/** How many operation records are kept on disk. */
export const OPERATIONS_KEPT = 200

const OperationRecordSchema = z.object({
  report: OperationReportSchema,
  /** The definition before the operation (absent for a create). */
  previous: ClusterDefinitionSchema.optional(),
  /** The definition the operation meant to reach (absent when it never got that far). */
  target: ClusterDefinitionSchema.optional(),
  /** Connection ids by node name, so a rollback reaches the same nodes. */
  connections: z.record(z.string().max(64)).optional()
})

export type OperationRecord = z.infer<typeof OperationRecordSchema>

export function operationsDir(dataDir: string): string {
  return path.join(dataDir, 'operations')
}

function fileOf(dataDir: string, id: string): string {
  // Checked again here: the id becomes part of a path.
  return path.join(operationsDir(dataDir), `${OperationIdSchema.parse(id)}.json`)
}

export class OperationStore {
  constructor(private readonly dataDir: string) {}

  save(record: OperationRecord): void {
    ensurePrivateDir(operationsDir(this.dataDir))
    writeFileAtomic(fileOf(this.dataDir, record.report.id), JSON.stringify(record, null, 2) + '\n')
  }

  /** The record of an operation; throws 'not-found' naming the id when there is none. */
  load(id: string): OperationRecord {
    const file = fileOf(this.dataDir, id)
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      throw new ApiException({
        kind: 'not-found',
        message: `There is no cluster operation ${id} (looked for ${file}).`,
        hint: `Check the id; the last ${OPERATIONS_KEPT} operations are kept under the data directory's operations/ folder.`
      })
    }
    const parsed = OperationRecordSchema.safeParse(JSON.parse(text))
    if (!parsed.success) {
      throw new ApiException({
        kind: 'internal',
        message: `The saved operation ${file} is damaged: ${parsed.error.issues[0]?.message ?? 'unreadable'}.`,
        hint: 'Read the cluster again (clusters.get); the nodes hold its definition.'
      })
    }
    return parsed.data
  }

  /** Every readable record, newest first (by file time; damaged files are skipped). */
  list(): OperationRecord[] {
    const out: { at: number; record: OperationRecord }[] = []
    for (const f of this.files()) {
      try {
        const parsed = OperationRecordSchema.safeParse(JSON.parse(fs.readFileSync(f.path, 'utf8')))
        if (parsed.success) out.push({ at: f.mtimeMs, record: parsed.data })
      } catch {
        // A file deleted or damaged meanwhile is not a record.
      }
    }
    return out.sort((a, b) => b.at - a.at || b.record.report.startedAt.localeCompare(a.record.report.startedAt)).map((x) => x.record)
  }

  /** Deletes the oldest records beyond OPERATIONS_KEPT. */
  prune(): void {
    const files = this.files().sort((a, b) => b.mtimeMs - a.mtimeMs)
    for (const f of files.slice(OPERATIONS_KEPT)) fs.rmSync(f.path, { force: true })
  }

  private files(): { path: string; mtimeMs: number }[] {
    const dir = operationsDir(this.dataDir)
    let names: string[]
    try {
      names = fs.readdirSync(dir)
    } catch {
      return []
    }
    return names
      .filter((n) => /^op-[0-9a-f]{12}\.json$/.test(n))
      .flatMap((n) => {
        try {
          return [{ path: path.join(dir, n), mtimeMs: fs.statSync(path.join(dir, n)).mtimeMs }]
        } catch {
          return []
        }
      })
  }
}

