// The desktop's list of known clusters: real files in a temp directory; a damaged file or entry
// is moved aside (never deleted) and reported, and the app keeps working with what reads.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { KnownCluster } from '../../../electron/api/cluster'
import { KnownClusters, knownClusterFrom, type ClustersFileDamage } from '../../../electron/backend/clusters/known-clusters'
import { definition, node, NOW, role } from './fixtures'

let dir: string
let damage: ClustersFileDamage[]
let known: KnownClusters
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-known-'))
  damage = []
  known = new KnownClusters(dir, (d) => damage.push(d))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const a = knownClusterFrom(definition([node(1), node(2)], [role()]), NOW, { n1: 'c-0123456789ab' })
const b: KnownCluster = { ...a, id: 'cl-fedcba9876543210', name: 'db-vip', nodes: [{ name: 'm1', host: 'DB1.example', port: 2222, username: 'root' }] }

describe('KnownClusters', () => {
  it('starts empty without a file', () => {
    expect(known.list()).toEqual([])
    expect(fs.existsSync(known.filePath)).toBe(false)
  })

  it('upserts, gets, lists and removes, writing a 0600 file atomically', () => {
    known.upsert(a)
    known.upsert(b)
    expect(known.list().map((c) => c.id)).toEqual([a.id, b.id])
    known.upsert({ ...a, generation: 5 })
    expect(known.list().map((c) => [c.id, c.generation])).toEqual([[a.id, 5], [b.id, 1]])
    expect(known.get(b.id)?.name).toBe('db-vip')
    expect(fs.statSync(known.filePath).mode & 0o777).toBe(0o600)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect(known.remove(a.id)).toBe(true)
    expect(known.remove(a.id)).toBe(false)
    expect(known.list().map((c) => c.id)).toEqual([b.id])
    expect(damage).toEqual([])
  })

  it('keeps a Destroy-incomplete mark in the file, across an upsert that brings none, until the entry is removed', () => {
    known.upsert(a)
    known.upsert(b)
    const mark = { at: NOW.toISOString(), operationId: 'op-0123456789ab', leftovers: [{ node: 'n2', what: 'not reached (timed out): its agent is still there.' }] }
    expect(known.markDestroyIncomplete(a.id, mark)).toBe(true)
    expect(known.markDestroyIncomplete('cl-0000000000000000', mark)).toBe(false)
    // A fresh reader (the app restarted) sees it.
    expect(new KnownClusters(dir).get(a.id)?.destroyIncomplete).toEqual(mark)
    known.upsert({ ...a, generation: 4 })
    expect(known.get(a.id)).toMatchObject({ generation: 4, destroyIncomplete: mark })
    expect(known.get(b.id)?.destroyIncomplete).toBeUndefined()
    known.remove(a.id)
    known.upsert(a)
    expect(known.get(a.id)?.destroyIncomplete).toBeUndefined()
    expect(damage).toEqual([])
  })

  it('finds clusters by a node address (host case-insensitive, port exact)', () => {
    known.upsert(a)
    known.upsert(b)
    expect(known.byNodeAddress('198.51.100.12', 22).map((c) => c.id)).toEqual([a.id])
    expect(known.byNodeAddress('db1.EXAMPLE', 2222).map((c) => c.id)).toEqual([b.id])
    expect(known.byNodeAddress('db1.example', 22)).toEqual([])
  })

  it('refuses to store an entry that does not fit the schema', () => {
    expect(() => known.upsert({ ...a, name: 'bad name;' })).toThrow()
    expect(known.list()).toEqual([])
  })

  it('moves a file that is not JSON aside, reports it, and starts empty', () => {
    fs.writeFileSync(known.filePath, '{"version":1,"clusters":[{"id":', { mode: 0o600 })
    expect(known.list()).toEqual([])
    expect(damage).toHaveLength(1)
    expect(damage[0]!.message).toContain('is not valid JSON')
    expect(damage[0]!.message).toContain('Connect to each cluster again')
    expect(fs.readFileSync(damage[0]!.keptAt, 'utf8')).toBe('{"version":1,"clusters":[{"id":')
    known.upsert(a)
    expect(known.list().map((c) => c.id)).toEqual([a.id])
  })

  it('moves a file without a clusters list aside', () => {
    fs.writeFileSync(known.filePath, '[1,2]', { mode: 0o600 })
    expect(known.list()).toEqual([])
    expect(damage[0]!.message).toContain('has no "clusters" list')
  })

  it('keeps the entries that read and moves a damaged one to clusters.json.rejected with the reason', () => {
    const broken = { ...b, generation: 'seven' }
    fs.writeFileSync(known.filePath, JSON.stringify({ version: 1, clusters: [a, broken] }), { mode: 0o600 })
    expect(known.list().map((c) => c.id)).toEqual([a.id])
    expect(damage).toHaveLength(1)
    expect(damage[0]!.message).toContain('db-vip (cl-fedcba9876543210): generation: Expected number, received string')
    const rejected = JSON.parse(fs.readFileSync(known.rejectedPath, 'utf8')) as { rejected: { entry: unknown; reason: string }[] }
    expect(rejected.rejected.map((r) => r.entry)).toEqual([broken])
    // reported once: the file no longer holds it
    expect(known.list().map((c) => c.id)).toEqual([a.id])
    expect(damage).toHaveLength(1)
  })

  it('tightens a file someone made world-readable', () => {
    known.upsert(a)
    fs.chmodSync(known.filePath, 0o644)
    known.list()
    expect(fs.statSync(known.filePath).mode & 0o777).toBe(0o600)
  })
})

describe('knownClusterFrom', () => {
  it('lists nodes, roles and the connection ids this desktop has', () => {
    expect(a).toEqual({
      id: 'cl-0123456789abcdef', name: 'web-vip', generation: 1,
      nodes: [
        { name: 'n1', host: '198.51.100.11', port: 22, username: 'admin', connectionId: 'c-0123456789ab' },
        { name: 'n2', host: '198.51.100.12', port: 22, username: 'admin' }
      ],
      roles: [{ name: 'vip1', vip: '198.51.100.100/24' }],
      lastSeenAt: NOW.toISOString()
    })
  })
})
