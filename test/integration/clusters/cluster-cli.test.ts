// `havip cluster create` and `havip cluster destroy` on real lab nodes, run as a separate
// process like an admin runs them: validation first (its progress, then the create's, per step
// and node, on stderr), exit 0 with the master and the answering VIP in the summary; a name with
// shell characters refused (exit 1) before any node is touched; destroy leaves the nodes as they were.
import * as fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLabState, type LabState } from '../../lab/lab'
import { ensureBundle } from '../agent/lab-agents'
import { ensureCliBuilt, runHavip, tempDataDir } from '../cli/havip-cli'
import { clientPings, nodeExec, snapshot } from './cluster-lab'

const NODES = ['n1', 'n2', 'n3']
let lab: LabState
let dataDir: string
let vip: string
let before: string[]

function nodeArgs(): string[] {
  return NODES.flatMap((n) => ['--node', `root@${lab.nodes.find((x) => x.name === n)!.address}`])
}

async function forceClean(): Promise<void> {
  for (const n of NODES) {
    const node = lab.nodes.find((x) => x.name === n)!
    await nodeExec(node, ['sh', '-c', 'me=$(readlink /proc/self/ns/mnt); for p in $(pgrep -f ^/opt/havip/); do [ "$(readlink /proc/$p/ns/mnt 2>/dev/null)" = "$me" ] && kill -9 $p; done; true'])
    for (const d of ['/opt/havip', '/etc/havip', '/run/havip', '/var/log/havip']) await nodeExec(node, ['find', d, '-mindepth', '1', '-delete'])
    await nodeExec(node, ['ip', 'addr', 'del', vip, 'dev', 'eth0'])
  }
}

beforeAll(async () => {
  const s = readLabState()
  if (!s || s.nodes.length < 3) throw new Error('the lab is not up with 3 nodes: run with the integration config (its globalSetup brings it up)')
  lab = s
  vip = `${lab.vipPool[18]}/24`
  ensureCliBuilt()
  ensureBundle()
  dataDir = tempDataDir()
  await forceClean()
  before = await Promise.all(NODES.map((n) => snapshot(lab.nodes.find((x) => x.name === n)!)))
})

afterAll(async () => {
  if (!lab) return
  // Destroy through the CLI if the test left the cluster; then make sure, directly.
  await runHavip(['--data-dir', dataDir, 'cluster', 'destroy', 'it-cli', '--yes'], { timeoutMs: 90_000 }).catch(() => undefined)
  await forceClean()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('havip cluster (lab)', () => {
  it('refuses a cluster name with shell characters before contacting any node (exit 1)', async () => {
    const r = await runHavip(['--data-dir', dataDir, 'cluster', 'create', 'web;rm -rf /', ...nodeArgs(), '--identity', lab.rootKeyPath, '--trust-new-host-keys', '--vip', vip, '--skip-validation', 'lab test'], { timeoutMs: 30_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/cluster name web;rm -rf \/: a cluster name may use letters, digits and "-" only/)
    expect(r.stderr).not.toMatch(/connecting to/)
  })

  it('validates, creates a 3-node cluster with progress per step and node, and destroys it: the nodes as they were', async () => {
    const r = await runHavip(['--data-dir', dataDir, 'cluster', 'create', 'it-cli', ...nodeArgs(), '--identity', lab.rootKeyPath, '--trust-new-host-keys', '--vip', vip], { timeoutMs: 180_000 })
    expect(r.stderr, r.stdout).toMatch(/validating 3 node\(s\) for VIP/)
    expect(r.stderr).toMatch(/Success\s+network\.vip-in-subnet on 198\.51\.100\.11/)
    expect(r.stderr).toMatch(/\[n1\] Install the agent release: done/)
    expect(r.stderr).toMatch(/\[n2\] Start the agent: done/)
    expect(r.stderr).toMatch(/Wait until one node is master of vip1: done/)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/create of cluster it-cli \(cl-[0-9a-f]{16}\): SUCCEEDED, generation 0 → 1, operation op-[0-9a-f]{12}/)
    expect(r.stdout).toMatch(/Validation: run \S+ \((Success|Warning)\)/)
    expect(r.stdout).toMatch(/Role vip1: master n[123], VIP answers/)
    expect(await clientPings(vip.split('/')[0]!)).toBe(true)

    const d = await runHavip(['--data-dir', dataDir, 'cluster', 'destroy', 'it-cli'], { timeoutMs: 30_000 })
    expect(d.code).toBe(1)
    expect(d.stderr).toMatch(/Add --yes to confirm/)
    const y = await runHavip(['--data-dir', dataDir, '--json', 'cluster', 'destroy', 'it-cli', '--yes'], { timeoutMs: 90_000 })
    expect(y.code, y.stderr).toBe(0)
    expect(JSON.parse(y.stdout).operation).toMatchObject({ kind: 'destroy', outcome: 'succeeded', leftovers: [] })
    expect(await Promise.all(NODES.map((n) => snapshot(lab.nodes.find((x) => x.name === n)!)))).toEqual(before)
  })
})
