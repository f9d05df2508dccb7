// The deploy service's decisions, from what a node reported: which Node.js the agent runs with,
// what to upload, when a disk is too full, and what install.json records.
import { describe, expect, it } from 'vitest'
import { planInstall, spaceProblem } from '../../../electron/backend/deploy/install-release'
import { installState, parseProbe } from '../../../electron/backend/deploy/node-probe'
import type { ReleasePackage } from '../../../electron/backend/deploy/release'
import type { RuntimeArchive } from '../../../electron/backend/deploy/runtime'

const b64 = (s: string): string => Buffer.from(s).toString('base64')

const release: ReleasePackage = { name: '0.1.0-abcdef012345', platform: 'linux-x64', abis: ['108', '115', '127'], tarGz: Buffer.alloc(300_000), sha256: 'x', unpackedBytes: 500_000 }
const runtime: RuntimeArchive = {
  path: '/r/node-v22.23.5-linux-x64.tar.gz',
  dir: 'node-v22.23.5-linux-x64',
  nodeVersion: 'v22.23.5',
  abi: '127',
  sha256: 'y',
  bytes: 45_000_000,
  unpackedBytes: 125_000_000
}
const NOW = '2026-12-01T21:00:00.000Z'

function probe(lines: string[]): ReturnType<typeof parseProbe> {
  return parseProbe(['arch=x86_64', 'opt_free_kb=1000000', 'tmp_free_kb=1000000', ...lines].join('\n') + '\n')
}

describe('parseProbe / installState', () => {
  it('reads a fresh node: its own Node.js, nothing of ours', () => {
    const p = probe(['system_node=/usr/bin/node', 'system_node_version=v20.20.2 115'])
    expect(p.systemNode).toEqual({ path: '/usr/bin/node', version: 'v20.20.2', abi: '115' })
    expect(installState(p)).toEqual({ releases: [], currentRelease: null, uploadedRuntime: null, nodePath: null, service: null, cluster: null, optFreeBytes: 1_024_000_000 })
  })

  it('reads an installed node: releases, current, uploaded runtime, supervisor, cluster', () => {
    const rec = { schema: 1, release: 'r2', runtime: { kind: 'uploaded', dir: 'node-v22.23.5-linux-x64', version: 'v22.23.5' }, before: { nodePath: null, nodeVersion: null }, service: 'supervisor', installedAt: NOW, updatedAt: NOW }
    const p = probe([
      'current=releases/r2', 'release=r1', 'release=r2', 'runtime=node-v22.23.5-linux-x64', 'node_link=/opt/havip/runtime/node-v22.23.5-linux-x64/bin/node',
      'supervisor_pid=4242', `install_json=${b64(JSON.stringify(rec))}`, `cluster_json=${b64(JSON.stringify({ id: 'c1', name: 'web', generation: 3, roles: [] }))}`
    ])
    expect(installState(p)).toMatchObject({
      releases: ['r1', 'r2'],
      currentRelease: 'r2',
      uploadedRuntime: 'v22.23.5',
      nodePath: '/opt/havip/runtime/node-v22.23.5-linux-x64/bin/node',
      service: { kind: 'supervisor', installed: true, running: true },
      cluster: { id: 'c1', name: 'web', generation: 3 }
    })
  })

  it('names what is wrong with a damaged cluster.json or install.json instead of throwing', () => {
    const p = probe([`cluster_json=${b64('{"id": ')}`, `install_json=${b64('[]')}`])
    expect(installState(p).cluster).toMatchObject({ unreadable: expect.stringMatching(/not valid JSON/) })
    expect(p.install).toMatchObject({ unreadable: expect.stringMatching(/expected fields/) })
  })

  it('systemd nodes report the unit', () => {
    const p = probe(['systemd=1', 'unit=1', 'unit_active=active'])
    expect(installState(p).service).toEqual({ kind: 'systemd', installed: true, running: true })
  })
})

describe('planInstall: which Node.js, what to upload', () => {
  it('uses the node\'s own Node.js 18..22 with a prebuild for its ABI, and uploads only the release', () => {
    const { plan, record } = planInstall(probe(['system_node=/usr/bin/node', 'system_node_version=v20.20.2 115']), release, runtime, 'n1', NOW)
    expect(plan.runtime).toEqual({ kind: 'system', path: '/usr/bin/node', version: 'v20.20.2' })
    expect(plan.nodeTarget).toBe('/usr/bin/node')
    expect(plan.uploadRelease).toBe(true)
    expect(plan.needOptBytes).toBe(300_000 + 500_000 + 16 * 1024 * 1024)
    expect(record).toMatchObject({ release: release.name, runtime: { kind: 'system' }, before: { nodePath: '/usr/bin/node', nodeVersion: 'v20.20.2' }, installedAt: NOW })
  })

  it.each([
    ['no Node.js', [], /has no Node.js/],
    ['Node.js 16', ['system_node=/usr/bin/node', 'system_node_version=v16.20.2 93'], /v16.20.2, outside 18..22/],
    ['Node.js 24', ['system_node=/usr/bin/node', 'system_node_version=v24.1.0 137'], /v24.1.0, outside 18..22/],
    ['a Node.js without a prebuild for its ABI', ['system_node=/usr/bin/node', 'system_node_version=v19.9.0 111'], /no raw-socket build .* ABI 111/],
    ['a node binary that does not run', ['system_node=/usr/bin/node', 'system_node_version='], /does not run/]
  ])('uploads the runtime for %s', (_what, lines, why) => {
    const { plan } = planInstall(probe(lines), release, runtime, 'n1', NOW)
    expect(plan.runtime).toMatchObject({ kind: 'uploaded', upload: true, why: expect.stringMatching(why) })
    expect(plan.nodeTarget).toBe('/opt/havip/runtime/node-v22.23.5-linux-x64/bin/node')
    expect(plan.needOptBytes).toBe(300_000 + 500_000 + 45_000_000 + 125_000_000 + 16 * 1024 * 1024)
  })

  it('uploads nothing the node already has, and is up to date when links and install.json match', () => {
    const first = planInstall(probe([]), release, runtime, 'n1', NOW)
    const installed = probe([
      `release=${release.name}`, `current=releases/${release.name}`, 'runtime=node-v22.23.5-linux-x64',
      'node_link=/opt/havip/runtime/node-v22.23.5-linux-x64/bin/node', `install_json=${b64(JSON.stringify(first.record))}`
    ])
    const again = planInstall(installed, release, runtime, 'n1', '2026-12-01T22:00:00.000Z')
    expect(again.plan).toMatchObject({ uploadRelease: false, runtime: { kind: 'uploaded', upload: false }, needOptBytes: 0, upToDate: true })
    // What was there before is kept from the first install, not re-read from a node we changed.
    expect(again.record.before).toEqual(first.record.before)
    expect(again.record.installedAt).toBe(NOW)
  })

  it('says why when no runtime can be uploaded either', () => {
    expect(() => planInstall(probe([]), release, { missing: 'there is no Node.js runtime for linux-x64 in /r.' }, 'n1', NOW)).toThrow(
      /Installing the agent on n1 failed: the node has no Node.js, and no Node.js runtime can be uploaded: there is no Node.js runtime for linux-x64/
    )
  })
})

describe('spaceProblem: a full disk is found before anything is uploaded', () => {
  it('names the node, the path, what is needed and what is free', () => {
    const p = probe(['opt_free_kb=50000'])
    const { plan } = planInstall(p, release, runtime, 'n1', NOW)
    const err = spaceProblem('n1', plan, p, false)
    expect(err?.message).toMatch(/^Installing the agent on n1 failed: not enough disk space in \/opt\/havip: the Node.js runtime and the agent release need 187\.6 MB, 51\.2 MB are free\. Free at least 136\.4 MB in \/opt\/havip on n1/)
  })

  it('checks /tmp too when uploads are staged there (a sudo user)', () => {
    const p = parseProbe('arch=x86_64\nopt_free_kb=1000000\ntmp_free_kb=1000\n')
    const { plan } = planInstall(p, release, runtime, 'n1', NOW)
    expect(spaceProblem('n1', plan, p, false)).toBeUndefined()
    expect(spaceProblem('n1', plan, p, true)?.message).toMatch(/disk space in \/tmp/)
  })
})
