// The desktop's list files (connections.json, clusters.json): one JSON document
// {"version": 1, "<list>": [...]}, private to the user. Shared here so both read a damaged
// file the same way: entries that pass the schema are kept, each one that does not is
// reported with a readable reason so it can be moved to <file>.rejected (appended there
// first, then the list rewritten: a crash in between keeps an entry twice, never loses it).
// What to do with a file that is not a list at all is each store's own policy (the saved
// connections refuse to touch it; the known clusters, which can be rebuilt, move it aside).
import * as path from 'node:path'
import type { z } from 'zod'
import { ensurePrivateDir, readPrivateFile, writeFileAtomic } from './atomic-file'

/** An entry that no longer reads, as kept in <file>.rejected. */
export interface RejectedEntry {
  /** When it was moved aside (ISO 8601). */
  rejectedAt: string
  /** Why it does not read, e.g. 'host: not a valid host name ...'. */
  reason: string
  /** The entry exactly as it was in the list file. */
  entry: unknown
}

export type JsonListRead<T> =
  | { state: 'missing' }
  /** The file is not JSON; `detail` is the parser's message. */
  | { state: 'not-json'; detail: string }
  /** JSON, but not an object with the list under its key. */
  | { state: 'no-list' }
  | { state: 'read'; valid: T[]; rejected: RejectedEntry[] }

/**
 * Read a list file and sort its entries by `schema`. With `listMayBeAbsent`, a document
 * without the list key reads as an empty list (a file written before the list existed).
 */
export function readJsonList<T>(
  filePath: string,
  listKey: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  opts: { listMayBeAbsent?: boolean } = {}
): JsonListRead<T> {
  const text = readPrivateFile(filePath)
  if (text === undefined) return { state: 'missing' }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    return { state: 'not-json', detail: (e as Error).message }
  }
  const entries = (doc as Record<string, unknown> | null)?.[listKey]
  const listOk = Array.isArray(entries) || (opts.listMayBeAbsent === true && entries === undefined)
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !listOk) return { state: 'no-list' }
  const valid: T[] = []
  const rejected: RejectedEntry[] = []
  const now = new Date().toISOString()
  for (const e of (entries as unknown[] | undefined) ?? []) {
    const r = schema.safeParse(e)
    if (r.success) valid.push(r.data)
    else rejected.push({ rejectedAt: now, reason: reasonOf(r.error.issues), entry: e })
  }
  return { state: 'read', valid, rejected }
}

/** Write the list file atomically, readable only by the user. */
export function writeJsonList(filePath: string, listKey: string, entries: readonly unknown[]): void {
  ensurePrivateDir(path.dirname(filePath))
  writeFileAtomic(filePath, JSON.stringify({ version: 1, [listKey]: entries }, null, 2) + '\n', 0o600)
}

/** The entries already in a .rejected file ([] when there is none). Throws when it is not valid JSON (or is JSON null). */
export function readRejectedEntries(rejectedPath: string): RejectedEntry[] {
  const text = readPrivateFile(rejectedPath)
  if (text === undefined) return []
  const doc = JSON.parse(text) as { rejected?: unknown }
  return Array.isArray(doc.rejected) ? (doc.rejected as RejectedEntry[]) : []
}

/** Write the whole .rejected file (earlier entries and the new ones), atomically and privately. */
export function writeRejectedEntries(rejectedPath: string, entries: readonly unknown[]): void {
  ensurePrivateDir(path.dirname(rejectedPath))
  writeFileAtomic(rejectedPath, JSON.stringify({ version: 1, rejected: entries }, null, 2) + '\n', 0o600)
}

/** A short, readable reason from zod issues ("host: not a valid host name"). */
export function reasonOf(issues: readonly z.ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
    .slice(0, 500)
}
