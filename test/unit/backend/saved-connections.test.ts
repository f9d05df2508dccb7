// Issue 9 item 15: a saved-connections file with an entry that no longer parses keeps that
// entry: it is moved aside to connections.json.rejected with the reason and reported, never
// dropped silently on the next write. Real files in a temp directory.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  rejectedReport,
  SavedConnections,
  type RejectedConnection,
  type SavedConnection
} from '../../../electron/backend/connections/saved-connections'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-saved-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

const good: SavedConnection = {
  id: 'c-0123456789ab',
  label: 'n1',
  host: '198.51.100.11',
  port: 22,
  username: 'root',
  auth: { kind: 'key', privateKeyPath: '/root/.ssh/id_ed25519' }
}
// What a newer version might write: an auth kind this version does not know.
const future = {
  id: 'c-ba9876543210',
  label: 'n2 via jump host',
  host: '198.51.100.12',
  port: 22,
  username: 'havipadm',
  auth: { kind: 'certificate', certificatePath: '/home/havipadm/.ssh/id-cert.pub' }
}
const added: SavedConnection = { ...good, id: 'c-aaaaaaaaaaaa', label: 'n3', host: '198.51.100.13' }

function writeFile(connections: unknown[]): string {
  const file = path.join(dir, 'connections.json')
  fs.writeFileSync(file, JSON.stringify({ version: 1, connections }), { mode: 0o600 })
  return file
}

function recorder(): { calls: Array<{ moved: RejectedConnection[]; where: string }>; fn: (m: RejectedConnection[], w: string) => void } {
  const calls: Array<{ moved: RejectedConnection[]; where: string }> = []
  return { calls, fn: (moved, where) => calls.push({ moved, where }) }
}

describe('SavedConnections with an entry that no longer parses', () => {
  it('moves it to connections.json.rejected with the reason, reports it once, and the next write does not lose it', () => {
    writeFile([good, future])
    const report = recorder()
    const saved = new SavedConnections(dir, report.fn)

    expect(saved.list()).toEqual([good])
    expect(report.calls).toHaveLength(1)
    expect(report.calls[0]!.where).toBe(path.join(dir, 'connections.json.rejected'))
    expect(report.calls[0]!.moved[0]!.entry).toEqual(future)
    expect(report.calls[0]!.moved[0]!.reason).toMatch(/^auth/)

    saved.upsert(added)
    expect(saved.list().map((c) => c.id)).toEqual([good.id, added.id])
    const rejected = saved.rejectedEntries()
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.entry).toEqual(future) // byte for byte what was there
    expect(rejected[0]!.rejectedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(fs.statSync(saved.rejectedPath).mode & 0o777).toBe(0o600)
    expect(report.calls).toHaveLength(1) // moved once, reported once
  })

  it('remove() of another entry keeps it too', () => {
    writeFile([good, future, added])
    const saved = new SavedConnections(dir)
    expect(saved.remove(added.id)).toBe(true)
    expect(saved.list()).toEqual([good])
    expect(saved.rejectedEntries().map((r) => r.entry)).toEqual([future])
  })

  it('keeps earlier rejected entries and does not add the same entry twice (crash between the two writes)', () => {
    writeFile([good, future])
    new SavedConnections(dir).list()
    // As if the app had crashed after writing .rejected but before rewriting connections.json.
    writeFile([good, future, { id: 'broken' }])
    const saved = new SavedConnections(dir)
    saved.list()
    expect(saved.rejectedEntries().map((r) => r.entry)).toEqual([future, { id: 'broken' }])
  })

  it('the report says what, why, and where it went', () => {
    writeFile([future])
    const report = recorder()
    new SavedConnections(dir, report.fn).list()
    const line = rejectedReport(report.calls[0]!.moved, report.calls[0]!.where)
    expect(line).toMatch(/^A saved connection could not be read and was moved to .*connections\.json\.rejected \(nothing was deleted\)/)
    expect(line).toContain('n2 via jump host (havipadm@198.51.100.12)')
    expect(line).toMatch(/Repair the entry there/)
  })

  it('a file whose "connections" is not a list is refused, not overwritten by the next write', () => {
    const file = path.join(dir, 'connections.json')
    const odd = JSON.stringify({ version: 1, connections: { [good.id]: good } })
    fs.writeFileSync(file, odd, { mode: 0o600 })
    const saved = new SavedConnections(dir)
    expect(() => saved.list()).toThrow(/has no "connections" list/)
    expect(() => saved.upsert(added)).toThrow(/has no "connections" list/)
    expect(fs.readFileSync(file, 'utf8')).toBe(odd)
  })

  it('a file with only valid entries writes no .rejected file', () => {
    writeFile([good])
    const saved = new SavedConnections(dir)
    saved.upsert(added)
    expect(fs.existsSync(saved.rejectedPath)).toBe(false)
  })
})

describe('SavedConnections and the node platform', () => {
  it('keeps the platform the SSH banner named across a restart, and reads entries saved before it existed', () => {
    writeFile([good])
    new SavedConnections(dir).upsert({ ...added, platform: 'windows' })
    const reread = new SavedConnections(dir)
    expect(reread.get(added.id)?.platform).toBe('windows')
    expect(reread.get(good.id)).toEqual(good)
    expect(fs.existsSync(reread.rejectedPath)).toBe(false)
  })
})
