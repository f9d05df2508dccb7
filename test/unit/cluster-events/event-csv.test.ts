// CSV export with hostile text from nodes: commas, quotes, line breaks, formulas. Parsed back
// with a strict RFC 4180 reader, every cell is what was recorded (formulas defused with ').
import { describe, expect, it } from 'vitest'
import type { ClusterEvent } from '../../../electron/api/events'
import { csvField, eventsCsv } from '../../../electron/backend/cluster-events/event-csv'
import { makeEvent } from '../../../electron/backend/cluster-events/event-record'

/** A strict RFC 4180 reader: every field quoted (as eventsCsv writes), CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let i = 0
  while (i < text.length) {
    expect(text[i]).toBe('"')
    i++
    let cell = ''
    for (;;) {
      const q = text.indexOf('"', i)
      if (q < 0) throw new Error('unterminated field')
      cell += text.slice(i, q)
      if (text[q + 1] === '"') {
        cell += '"'
        i = q + 2
      } else {
        i = q + 1
        break
      }
    }
    row.push(cell)
    if (text[i] === ',') i++
    else if (text.startsWith('\r\n', i)) {
      rows.push(row)
      row = []
      i += 2
    } else throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`)
  }
  return rows
}

describe('events CSV', () => {
  it('keeps hostile text inside its cell and defuses formulas', () => {
    const hostile = [
      'a, b, "c" and ""d""',
      '=HYPERLINK("http://198.51.100.1/x","click")',
      '+1+1',
      '-2',
      '@SUM(A1)',
      'tab\tinside; semicolon; back\\slash',
      'ünïcödé ✓ and \u0000 nul'
    ]
    const events: ClusterEvent[] = hostile.map((m, i) =>
      makeEvent('cl-00000000000000c1', { at: Date.parse('2026-12-01T20:00:00Z') + i, level: 'warn', kind: 'agent', source: 'agent-log', node: 'n1', role: '=cmd|"/c calc"!A1', message: m })
    )
    const csv = eventsCsv(events)
    const rows = parseCsv(csv)
    expect(rows[0]).toEqual(['time', 'level', 'kind', 'source', 'node', 'role', 'from', 'to', 'message', 'id'])
    expect(rows).toHaveLength(hostile.length + 1)
    for (let i = 0; i < hostile.length; i++) {
      const cell = rows[i + 1]![8]!
      expect(cell).toBe(/^[=+\-@]/.test(hostile[i]!) ? `'${hostile[i]}` : hostile[i])
      expect(rows[i + 1]![5]).toBe(`'=cmd|"/c calc"!A1`)
    }
  })

  it('a message with a line break is one line in the event (and so one CSV record)', () => {
    const e = makeEvent('cl-00000000000000c1', { at: 0, level: 'error', kind: 'agent', source: 'live', message: 'first\r\nsecond\nthird' })
    expect(e.message).toBe('first second third')
    expect(csvField('x"y')).toBe('"x""y"')
  })
})
