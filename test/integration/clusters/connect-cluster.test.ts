// Connect to Cluster on real lab nodes, from a fresh data directory, through the API and through
// the `havip` CLI. The definition is written by hand to two nodes' /etc/havip/cluster.json (root
// 0600; per-node tmpfs), n1 one generation ahead of n2, as after a change that did not reach n2.
// The test plays the admin: it pins the host keys it has checked, nothing else is pre-arranged.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterViewSchema, type ClusterDefinition } from '../../../electron/api/cluster'
import type { ApiInput, ApiMethod, ApiOutput } from '../../../electron/api/contract'
import { dispatch } from '../../../electron/api/dispatch'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { nodeExec, readLabState, type LabNode, type LabState } from '../../lab/lab'
import { ensureCliBuilt, runHavip, tempDataDir } from '../cli/havip-cli'

const FILE = '/etc/havip/cluster.json'
const PASSWORD = '$a;|`{}&'
let lab: LabState
const dirs: string[] = []
/** What each node had at FILE before the test (null: nothing), put back afterwards. */
const before = new Map<string, string | null>()

function definitionAt(generation: number): ClusterDefinition {
  const [n1, n2] = lab.nodes as [LabNode, LabNode]
  const node = (n: LabNode, priority: number) => ({ name: n.name, host: n.address, port: n.sshPort, username: 'root', platform: 'linux' as const, interface: 'eth0', address: n.address, priority })
  return {
    schema: 1,
    id: 'cl-0c0ffee0c0ffee01',
    name: 'lab-web',
    generation,
    writtenBy: 'connect-cluster.test',
    updatedAt: new Date().toISOString(),
    nodes: [node(n1, 100), node(n2, 100)],
    roles: [{ name: 'web', vip: '198.51.100.214/24', vrid: 214, version: 2, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'pass', password: PASSWORD }, preferredOwners: ['n1'], failback: { policy: 'never' } }]
  }
}

async function readFile(n: LabNode): Promise<string | null> {
  const r = await nodeExec(n, ['cat', FILE])
  return r.code === 0 ? r.stdout : null
}

async function writeFile(n: LabNode, text: string): Promise<void> {
  const r = await nodeExec(n, ['sh', '-c', 'umask 077 && mkdir -p /etc/havip && cat > "$1.tmp" && chmod 600 "$1.tmp" && mv "$1.tmp" "$1"', 'sh', FILE], { input: text })
  if (r.code !== 0) throw new Error(`writing ${FILE} on ${n.name} failed: ${r.stderr}`)
}

async function restore(n: LabNode): Promise<void> {
  const old = before.get(n.name)
  if (old === undefined) return
  if (old === null) await nodeExec(n, ['rm', '-f', FILE])
  else await writeFile(n, old)
}

interface Env {
  backend: Backend
  dataDir: string
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>
  fail(method: ApiMethod, input: unknown): Promise<{ kind: string; message: string; hint?: string }>
}

function freshBackend(): Env {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'havip-clusters-it-')), 'data')
  dirs.push(path.dirname(dataDir))
  const backend = createBackend({ dataDir, mode: 'browser', connectTimeoutMs: 8000 })
  return {
    backend,
    dataDir,
    async call(method, input) {
      const r = await dispatch(backend, method, input)
      if (!r.ok) throw new Error(`${method}: ${r.error.message} (${r.error.kind})`)
      return r.value as never
    },
    async fail(method, input) {
      const r = await dispatch(backend, method, input)
      if (r.ok) throw new Error(`${method} succeeded; expected it to fail`)
      return r.error
    }
  }
}

const rootTarget = (n: LabNode) => ({ host: n.address, port: n.sshPort, username: 'root', auth: { kind: 'key' as const, privateKeyPath: lab.rootKeyPath } })
const pin = (env: Env, n: LabNode) => env.call('hostKeys.trust', { host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })

beforeAll(async () => {
  const s = readLabState()
  if (!s || s.nodes.length < 3) throw new Error('the lab is not up with 3 nodes: run with the integration config (its globalSetup brings it up)')
  lab = s
  for (const n of lab.nodes.slice(0, 3)) before.set(n.name, await readFile(n))
  const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode]
  await writeFile(n1, JSON.stringify(definitionAt(3), null, 2))
  await writeFile(n2, JSON.stringify(definitionAt(2), null, 2))
  await nodeExec(n3, ['rm', '-f', FILE])
})

afterAll(async () => {
  for (const n of lab?.nodes.slice(0, 3) ?? []) await restore(n)
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

describe('Connect to Cluster (API, lab)', () => {
  it('by one node address from a fresh data directory: reads the definition, connects the other node, flags its older generation', async () => {
    const env = freshBackend()
    try {
      const [n1, n2] = lab.nodes as [LabNode, LabNode]
      await pin(env, n1)
      await pin(env, n2)
      const view = ClusterViewSchema.parse(await env.call('clusters.connect', { target: rootTarget(n1) }))
      expect(view.definition).toMatchObject({ id: 'cl-0c0ffee0c0ffee01', name: 'lab-web', generation: 3 })
      expect(view.definition.roles[0]!.auth).toEqual({ type: 'pass', password: '(hidden)' })
      expect(JSON.stringify(view)).not.toContain(PASSWORD)
      const [s1, s2] = view.nodes
      expect(s1).toMatchObject({ name: 'n1', reach: 'connected', generation: 3, generationMismatch: false })
      expect(s1!.error).toBeUndefined()
      expect(s2).toMatchObject({ name: 'n2', reach: 'connected', generation: 2, generationMismatch: true })
      expect(s2!.error?.message).toContain('n2 holds generation 2 of the cluster; the newest found is 3')

      // remembered, with the saved connection of each node; both connections are saved and connected
      const [known] = await env.call('clusters.list', {})
      expect(known).toMatchObject({ id: 'cl-0c0ffee0c0ffee01', name: 'lab-web', generation: 3, roles: [{ name: 'web', vip: '198.51.100.214/24' }] })
      expect(known!.nodes.map((n) => n.connectionId)).toEqual([s1!.connectionId, s2!.connectionId])
      const conns = await env.call('connections.list', {})
      expect(conns.filter((c) => c.state === 'connected').map((c) => c.host).sort()).toEqual([n1.address, n2.address])
      expect(fs.statSync(path.join(env.dataDir, 'clusters.json')).mode & 0o777).toBe(0o600)

      // get reads the nodes again; export gives each node's keepalived.conf and the JSON with its password
      const again = await env.call('clusters.get', { clusterId: known!.id })
      expect(again.nodes.map((n) => [n.name, n.generation])).toEqual([['n1', 3], ['n2', 2]])
      const ka = await env.call('clusters.export', { clusterId: known!.id, format: 'keepalived' })
      expect(ka.files.map((f) => f.fileName)).toEqual(['keepalived-n1.conf', 'keepalived-n2.conf'])
      expect(ka.files[0]!.content).toContain(`auth_pass "${PASSWORD}"`)
      expect(ka.files[0]!.content).toContain('priority 250')
      const js = await env.call('clusters.export', { clusterId: known!.id, format: 'json' })
      expect(js.files.map((f) => f.fileName)).toEqual(['lab-web.json'])
      expect(JSON.parse(js.files[0]!.content)).toEqual(JSON.parse((await readFile(n1))!))

      await env.call('clusters.forget', { clusterId: known!.id })
      expect(await env.call('clusters.list', {})).toEqual([])
      expect((await env.fail('clusters.get', { clusterId: known!.id })).kind).toBe('not-found')
    } finally {
      await env.backend.dispose()
    }
  })

  it("reports the agent release and service a node has (none on a bare node), read in the same root call", async () => {
    const env = freshBackend()
    const [n1, n2] = lab.nodes as [LabNode, LabNode]
    // Only on a node with no agent installed (another test may have deployed one): the layout as deploy leaves it.
    const bare = (await nodeExec(n2, ['sh', '-c', '[ ! -e /opt/havip/current ] && [ ! -e /etc/havip/install.json ]'])).code === 0
    try {
      await pin(env, n1)
      await pin(env, n2)
      let view = await env.call('clusters.connect', { target: rootTarget(n1) })
      if (bare) expect(view.nodes[1]).toMatchObject({ agentVersion: null, serviceKind: null })
      if (!bare) return
      const fake = 'mkdir -p /opt/havip/releases/9.9.9-test && ln -sfn releases/9.9.9-test /opt/havip/current && printf \'{"schema": 1, "service": "supervisor"}\' > /etc/havip/install.json'
      expect((await nodeExec(n2, ['sh', '-c', fake])).code).toBe(0)
      view = await env.call('clusters.get', { clusterId: view.definition.id })
      expect(view.nodes[1]).toMatchObject({ name: 'n2', agentVersion: '9.9.9-test', serviceKind: 'supervisor' })
    } finally {
      if (bare) await nodeExec(n2, ['rm', '-rf', '/opt/havip/current', '/opt/havip/releases/9.9.9-test', '/etc/havip/install.json'])
      await env.backend.dispose()
    }
  })

  it('a node whose host key the admin has not checked is reported, not connected', async () => {
    const env = freshBackend()
    try {
      const [n1, n2] = lab.nodes as [LabNode, LabNode]
      await pin(env, n1)
      const view = await env.call('clusters.connect', { target: rootTarget(n1) })
      const s2 = view.nodes.find((n) => n.name === 'n2')!
      expect(s2).toMatchObject({ reach: 'host-key-unknown', generation: null, generationMismatch: false })
      expect(s2.error?.message).toContain(n2.hostKeyFingerprint)
      expect((await env.call('hostKeys.list', {})).map((k) => k.host)).toEqual([n1.address])
    } finally {
      await env.backend.dispose()
    }
  })

  it('a damaged cluster.json, or one of another cluster, is reported on that node; a damaged one on the node named fails with what is wrong', async () => {
    const env = freshBackend()
    const [n1, n2] = lab.nodes as [LabNode, LabNode]
    try {
      await pin(env, n1)
      await pin(env, n2)
      const damaged = definitionAt(2) as unknown as { nodes: { address: string }[] }
      damaged.nodes[1]!.address = '198.51.100.999'
      await writeFile(n2, JSON.stringify(damaged))
      let s2 = (await env.call('clusters.connect', { target: rootTarget(n1) })).nodes[1]!
      expect(s2).toMatchObject({ name: 'n2', reach: 'connected', generation: null, generationMismatch: true, error: { kind: 'invalid-input' } })
      expect(s2.error!.message).toContain(`/etc/havip/cluster.json on ${n2.address} is not valid: node n2: address: not an IPv4 address`)

      await writeFile(n2, JSON.stringify({ ...definitionAt(5), id: 'cl-1111111111111111', name: 'other' }))
      s2 = (await env.call('clusters.connect', { target: rootTarget(n1) })).nodes[1]!
      expect(s2).toMatchObject({ reach: 'connected', generation: null, generationMismatch: true, error: { kind: 'conflict' } })
      expect(s2.error!.message).toBe('n2 holds another cluster, other (cl-1111111111111111), in /etc/havip/cluster.json.')

      await writeFile(n2, '{"schema": 1, "id": ')
      const e = await env.fail('clusters.connect', { target: rootTarget(n2) })
      expect(e.kind).toBe('invalid-input')
      expect(e.message).toMatch(/^\/etc\/havip\/cluster\.json on 198\.51\.100\.12 is not valid JSON \(.*\); the file is damaged$/)
      expect(e.hint).toContain('Restore it from another node')
    } finally {
      await writeFile(n2, JSON.stringify(definitionAt(2), null, 2))
      await env.backend.dispose()
    }
  })

  it('clusters.get follows the nodes: one added from another desktop is found and connected, one that refuses SSH is unreachable', async () => {
    const env = freshBackend()
    const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode]
    try {
      for (const n of [n1, n2, n3]) await pin(env, n)
      const { definition } = await env.call('clusters.connect', { target: rootTarget(n1) })
      // Generation 4, written elsewhere: n3 joined, and "n4" is a node whose sshd does not answer (port 2 refuses).
      const g4 = definitionAt(4)
      g4.nodes.push({ ...g4.nodes[1]!, name: 'n3', host: n3.address, address: n3.address }, { ...g4.nodes[1]!, name: 'n4', host: n3.address, port: 2, address: '198.51.100.19' })
      for (const n of [n1, n2, n3]) await writeFile(n, JSON.stringify(g4))
      const view = await env.call('clusters.get', { clusterId: definition.id })
      expect(view.definition.generation).toBe(4)
      expect(view.nodes.map((n) => [n.name, n.reach, n.generation, n.generationMismatch])).toEqual([
        ['n1', 'connected', 4, false],
        ['n2', 'connected', 4, false],
        ['n3', 'connected', 4, false],
        ['n4', 'unreachable', null, false]
      ])
      expect(view.nodes[3]!.error?.kind).toBe('refused')
      const [known] = await env.call('clusters.list', {})
      expect(known!.nodes.map((n) => [n.name, n.connectionId !== undefined])).toEqual([['n1', true], ['n2', true], ['n3', true], ['n4', false]])
    } finally {
      await writeFile(n1, JSON.stringify(definitionAt(3), null, 2))
      await writeFile(n2, JSON.stringify(definitionAt(2), null, 2))
      await nodeExec(n3, ['rm', '-f', FILE])
      await env.backend.dispose()
    }
  })

  it('a node that is in no cluster says so and what to do', async () => {
    const env = freshBackend()
    try {
      const n3 = lab.nodes[2]!
      await pin(env, n3)
      const e = await env.fail('clusters.connect', { target: rootTarget(n3) })
      expect(e.kind).toBe('not-found')
      expect(e.message).toBe(`${n3.address} is not a node of a HAVIP cluster: there is no /etc/havip/cluster.json there.`)
      expect(e.hint).toContain('Create Cluster')
      expect(await env.call('clusters.list', {})).toEqual([])
    } finally {
      await env.backend.dispose()
    }
  })
})

describe('havip cluster connect|list|show|export (lab)', () => {
  beforeAll(() => ensureCliBuilt())

  it('connects from a fresh data directory by one address, pins the host keys with --trust-new-host-keys, flags the generation, exit 2', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    const [n1] = lab.nodes as [LabNode]
    const r = await runHavip(['--data-dir', dir, '--json', 'cluster', 'connect', `root@${n1.address}`, '--identity', lab.rootKeyPath, '--trust-new-host-keys'], { timeoutMs: 60_000 })
    expect(r.stderr).toContain('found cluster lab-web (cl-0c0ffee0c0ffee01), generation 3, 2 node(s)')
    const view = ClusterViewSchema.parse(JSON.parse(r.stdout))
    expect(view.nodes.map((n) => [n.name, n.reach, n.generation, n.generationMismatch])).toEqual([['n1', 'connected', 3, false], ['n2', 'connected', 2, true]])
    expect(r.code).toBe(2)

    // later commands need no node options: the data directory remembers
    const list = await runHavip(['--data-dir', dir, 'cluster', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^lab-web\s+cl-0c0ffee0c0ffee01\s+3\s+n1,n2\s+web=198\.51\.100\.214\/24/m)
    const show = await runHavip(['--data-dir', dir, 'cluster', 'show', 'lab-web'])
    expect(show.stdout).toMatch(/n2\s+198\.51\.100\.12 \(eth0\)\s+root@198\.51\.100\.12:22\s+connected\s+2 \(differs\)/)
    expect(show.stdout).toContain('n2: n2 holds generation 2 of the cluster; the newest found is 3')
    expect(show.code).toBe(2)

    const out = path.join(dir, 'export')
    const ex = await runHavip(['--data-dir', dir, 'cluster', 'export', 'lab-web', '--output-dir', out])
    expect(ex.code).toBe(0)
    expect(fs.readdirSync(out).sort()).toEqual(['keepalived-n1.conf', 'keepalived-n2.conf'])
    expect(fs.statSync(path.join(out, 'keepalived-n2.conf')).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(path.join(out, 'keepalived-n2.conf'), 'utf8')).toContain('unicast_src_ip 198.51.100.12')
    const js = await runHavip(['--data-dir', dir, 'cluster', 'export', 'lab-web', '--format', 'json'])
    expect(JSON.parse(js.stdout)).toMatchObject({ id: 'cl-0c0ffee0c0ffee01', generation: 3 })
  })

  it('refuses an unknown host key without --trust-new-host-keys (exit 1, says what to do)', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    const [n1] = lab.nodes as [LabNode]
    const r = await runHavip(['--data-dir', dir, 'cluster', 'connect', `root@${n1.address}`, '--identity', lab.rootKeyPath])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`the host key of ${n1.address}:22 is not known yet`)
    expect(r.stderr).toContain('--trust-new-host-keys')
  })
})
