// CSV export of cluster events (RFC 4180): every field quoted, quotes doubled, so commas, quotes
// and line breaks in a message stay inside their cell. A field that starts with = + - @ (or a tab
// or carriage return) is prefixed with an apostrophe: spreadsheets would run it as a formula
// (CSV injection), and messages carry text from nodes.
import type { ClusterEvent } from '../../api/events'

const COLUMNS = ['time', 'level', 'kind', 'source', 'node', 'role', 'from', 'to', 'message', 'id'] as const

export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return `"${safe.replace(/"/g, '""')}"`
}

export function eventsCsv(events: readonly ClusterEvent[]): string {
  const rows = [COLUMNS.map(csvField).join(',')]
  for (const e of events) {
    rows.push([e.at, e.level, e.kind, e.source, e.node ?? '', e.role ?? '', e.from ?? '', e.to ?? '', e.message, e.id].map(csvField).join(','))
  }
  return rows.join('\r\n') + '\r\n'
}
