// `havip events` through the real CLI entry (runCli) over a data directory that knows a cluster
// and holds its events: oldest first, filters, --json, and exit 2 while a role is flapping.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ClusterEventsService } from '../../../electron/backend/cluster-events/cluster-events-service'
import { KnownClusters, knownClusterFrom } from '../../../electron/backend/clusters/known-clusters'
import { runHavip } from '../../support/run-cli'
import { definition, node, role } from '../clusters/fixtures'

const root = mkdtempSync(join(tmpdir(), 'havip-events-cli-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const cli = runHavip

describe('havip events', () => {
  const def = definition([node(1), node(2)], [role({})])
  const dataDir = join(root, 'data')
  new KnownClusters(dataDir).upsert(knownClusterFrom(def, new Date()))
  const now = Date.now()
  const svc = new ClusterEventsService({ dataDir, events: { emit: () => undefined }, log: () => undefined })
  const roleName = def.roles[0]!.name
  svc.record(def.id, [
    { at: now - 5000, level: 'info', kind: 'transition', source: 'live', node: 'n1', role: roleName, from: 'BACKUP', to: 'MASTER', message: 'BACKUP -> MASTER: master down' },
    { at: now - 9000, level: 'error', kind: 'agent', source: 'agent-log', node: 'n2', message: 'cannot add 198.51.100.9/24 to eth1, "quoted"' },
    { at: now - 2 * 3_600_000, level: 'info', kind: 'action', source: 'app', message: 'Create Cluster succeeded [op-000000000001]' }
  ])

  it('prints the events oldest first, filtered, and exits 0 when nothing needs attention', async () => {
    const all = await cli(dataDir, 'events', def.name, '--no-read-back')
    expect(all.code).toBe(0)
    const lines = all.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/Create Cluster succeeded/)
    expect(lines[1]).toMatch(/ERROR\s+n2\s+-\s+cannot add 198\.51\.100\.9\/24/)
    expect(lines[2]).toMatch(new RegExp(`INFO\\s+n1\\s+${roleName}\\s+BACKUP -> MASTER: master down`))

    const recent = await cli(dataDir, 'events', def.name, '--no-read-back', '--since', '1h', '--level', 'error')
    expect(recent.stdout.trim().split('\n')).toHaveLength(1)

    const json = await cli(dataDir, '--json', 'events', def.id, '--no-read-back', '--on', 'n1')
    const doc = JSON.parse(json.stdout) as { events: { node: string; to: string }[]; total: number; flapping: unknown[] }
    expect(doc).toMatchObject({ total: 1, flapping: [] })
    expect(doc.events[0]).toMatchObject({ node: 'n1', to: 'MASTER' })
  })

  it('refuses a bad level or time with what to do (exit 1), and exits 2 while a role is flapping', async () => {
    const bad = await cli(dataDir, 'events', def.name, '--no-read-back', '--level', 'loud')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--level loud: use info, warn or error/)
    const badTime = await cli(dataDir, 'events', def.name, '--no-read-back', '--since', 'yesterday')
    expect(badTime.code).toBe(1)
    expect(badTime.stderr).toMatch(/since: "yesterday" is not a time[\s\S]*what to do: Give an ISO time/)

    for (let i = 0; i < 5; i++) {
      svc.record(def.id, [{ at: now - 4000 + i * 500, level: 'info', kind: 'transition', source: 'live', node: i % 2 ? 'n1' : 'n2', role: roleName, from: 'BACKUP', to: 'MASTER', message: 'BACKUP -> MASTER: takeover' }])
    }
    const flapping = await cli(dataDir, 'events', def.name, '--no-read-back')
    expect(flapping.code).toBe(2)
    expect(flapping.stderr).toMatch(new RegExp(`FLAPPING: role ${roleName} changed owner 6 times`))
  })
})
