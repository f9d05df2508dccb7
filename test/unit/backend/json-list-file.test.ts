// The shared reader/writer of the desktop's JSON list files (connections.json, clusters.json):
// real files in a temp directory. Each way a file can be damaged comes back as its own state,
// so each store can apply its own policy; entries that do not read keep their reason.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { readJsonList, readRejectedEntries, writeJsonList, writeRejectedEntries } from '../../../electron/backend/store/json-list-file'

const Item = z.object({ id: z.string().regex(/^i-\d+$/), n: z.number().int() }).strict()

let dir: string
let file: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-jsonlist-'))
  file = path.join(dir, 'sub', 'items.json')
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const put = (text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

describe('readJsonList', () => {
  it('a missing file is "missing", not an empty list read from disk', () => {
    expect(readJsonList(file, 'items', Item)).toEqual({ state: 'missing' })
  })

  it('text that is not JSON is "not-json" with the parser\'s message', () => {
    put('{"items": [')
    const r = readJsonList(file, 'items', Item)
    expect(r.state).toBe('not-json')
    expect(r.state === 'not-json' && r.detail.length).toBeGreaterThan(0)
  })

  it('JSON that is not an object holding the list is "no-list"; an absent list reads as empty only when allowed', () => {
    for (const text of ['null', '[]', '"x"', '{"items": {}}']) {
      put(text)
      expect(readJsonList(file, 'items', Item).state).toBe('no-list')
    }
    put('{"version": 1}')
    expect(readJsonList(file, 'items', Item).state).toBe('no-list')
    expect(readJsonList(file, 'items', Item, { listMayBeAbsent: true })).toEqual({ state: 'read', valid: [], rejected: [] })
  })

  it('sorts entries by the schema and gives each rejected one its reason and the entry as it was', () => {
    put(JSON.stringify({ version: 1, items: [{ id: 'i-1', n: 1 }, { id: 'bad', n: 2 }, { id: 'i-3', n: 'three' }] }))
    const r = readJsonList(file, 'items', Item)
    if (r.state !== 'read') throw new Error(`expected read, got ${r.state}`)
    expect(r.valid).toEqual([{ id: 'i-1', n: 1 }])
    expect(r.rejected.map((x) => x.entry)).toEqual([{ id: 'bad', n: 2 }, { id: 'i-3', n: 'three' }])
    expect(r.rejected[0]!.reason).toMatch(/^id: /)
    expect(r.rejected[1]!.reason).toMatch(/^n: /)
    expect(r.rejected[0]!.rejectedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })
})

describe('writeJsonList and the .rejected file', () => {
  it('writes {version, list} as a 0600 file in a directory it creates, and reads it back', () => {
    writeJsonList(file, 'items', [{ id: 'i-1', n: 1 }])
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ version: 1, items: [{ id: 'i-1', n: 1 }] })
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(readJsonList(file, 'items', Item)).toEqual({ state: 'read', valid: [{ id: 'i-1', n: 1 }], rejected: [] })
  })

  it('a .rejected file round-trips; none reads as []; one that is not JSON throws', () => {
    const rejectedPath = `${file}.rejected`
    expect(readRejectedEntries(rejectedPath)).toEqual([])
    const entry = { rejectedAt: '2026-12-02T00:00:00.000Z', reason: 'id: bad', entry: { id: 'bad' } }
    writeRejectedEntries(rejectedPath, [entry])
    expect(readRejectedEntries(rejectedPath)).toEqual([entry])
    fs.writeFileSync(rejectedPath, '{')
    expect(() => readRejectedEntries(rejectedPath)).toThrow()
  })
})
