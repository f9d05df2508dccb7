// Cluster operations through the API against the lab: a real backend (LinuxDeployer over real
// SSH) with its own data directory, the lab's host keys pinned, nodes connected as root (or a
// key-only sudo user); one call that runs an operation to its end; a snapshot of what a node
// holds (to prove Destroy leaves it as it was); and a cleanup that runs also when a test failed.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { OperationReport, RoleInput } from '../../../electron/api/cluster'
import type { ApiInput, ApiMethod, ApiOutput } from '../../../electron/api/contract'
import { dispatch } from '../../../electron/api/dispatch'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { clientExec, labUp, nodeExec, readLabState, type LabNode, type LabState } from '../../lab/lab'
import { waitFor } from '../../support/wait-for'
import { ensureBundle } from '../agent/lab-agents'

export interface ClusterEnv {
  lab: LabState
  backend: Backend
  dataDir: string
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>
  node(name: string): LabNode
  /** Connects the nodes (root by key unless `user` names a key-only lab user); returns their connection ids. */
  connect(names: string[], user?: { name: string; privateKeyPath: string }): Promise<string[]>
  /** Starts an operation and waits for its end; returns the report (whatever the outcome). */
  run(start: () => Promise<{ operationId: string }>, timeoutMs?: number): Promise<OperationReport>
  dispose(): Promise<void>
}

export async function makeClusterEnv(nodes = 3, opts: { keepaliveIntervalMs?: number; liveStatusPeriodMs?: number } = {}): Promise<ClusterEnv> {
  let lab = readLabState()
  if (!lab || lab.nodes.length < nodes) lab = await labUp({ nodes })
  const state = lab
  ensureBundle() // the deployer uploads this build's agent bundle
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-clusters-it-'))
  const backend = createBackend({
    dataDir,
    mode: 'browser',
    connectTimeoutMs: 8000,
    ...(opts.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: opts.keepaliveIntervalMs } : {}),
    // The console's live feeds (a short period makes an unreachable node show sooner).
    ...(opts.liveStatusPeriodMs !== undefined ? { liveStatusPeriodMs: opts.liveStatusPeriodMs } : {})
  })
  const call = async <M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> => {
    const r = await dispatch(backend, method, input)
    if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { apiError: r.error })
    return r.value as ApiOutput<M>
  }
  const node = (name: string): LabNode => {
    const n = state.nodes.find((x) => x.name === name)
    if (!n) throw new Error(`the lab has no node ${name}`)
    return n
  }
  for (const n of state.nodes) {
    await call('hostKeys.trust', { host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })
  }
  return {
    lab: state,
    backend,
    dataDir,
    call,
    node,
    async connect(names, user) {
      const ids: string[] = []
      for (const name of names) {
        const n = node(name)
        const r = await call('connections.connect', {
          host: n.address,
          port: n.sshPort,
          username: user?.name ?? 'root',
          auth: { kind: 'key', privateKeyPath: user?.privateKeyPath ?? state.rootKeyPath },
          remember: true
        })
        if (r.status !== 'connected') throw new Error(`connect ${name}: ${r.status}`)
        ids.push(r.connection.id)
      }
      return ids
    },
    async run(start, timeoutMs = 120_000) {
      const ended = new Set<string>()
      const off = backend.events.on('cluster.finished', (f) => ended.add(f.operationId))
      try {
        const { operationId } = await start()
        await waitFor(`operation ${operationId} to finish`, async () => ended.has(operationId) || (await call('clusters.operation', { operationId })).outcome !== 'running', timeoutMs, 100)
        return await call('clusters.operation', { operationId })
      } finally {
        off()
      }
    },
    async dispose() {
      await backend.dispose()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/**
 * Connects the named nodes and creates a cluster of them through the API (validation skipped,
 * saying why), waiting for the end; its id. Throws with the operation's error when Create failed.
 */
export async function createCluster(env: ClusterEnv, names: string[], name: string, role: RoleInput, skipReason: string): Promise<string> {
  const ids = await env.connect(names)
  let clusterId = ''
  const report = await env.run(async () => {
    const r = await env.call('clusters.create', { name, nodes: ids.map((connectionId) => ({ connectionId })), role, validation: { skipReason } })
    clusterId = r.clusterId
    return r
  })
  if (report.outcome !== 'succeeded') throw new Error(`Create Cluster ${name} ${report.outcome}: ${report.error?.message ?? ''}${report.error?.node ? ` (on ${report.error.node})` : ''}`)
  return clusterId
}

/** The directories the app writes on a node (the lab mounts a private tmpfs on each). */
const APP_DIRS = ['/opt/havip', '/etc/havip', '/run/havip', '/var/log/havip']

/**
 * What a node holds that a cluster could change: the app's directories (every path), havip
 * processes, the addresses on eth0 and a systemd unit. Equal snapshots before a create and after
 * a destroy mean the node is as it was.
 */
export async function snapshot(n: LabNode): Promise<string> {
  const files = await nodeExec(n, ['find', ...APP_DIRS, '-mindepth', '1', '-printf', '%p %m %s\n'])
  // The lab's nodes share the host's pid space: only processes in this node's mount namespace are its own.
  const procs = await nodeExec(n, ['sh', '-c', 'me=$(readlink /proc/self/ns/mnt); for p in $(pgrep -f havip-agent); do [ "$(readlink /proc/$p/ns/mnt 2>/dev/null)" = "$me" ] && tr "\\000" " " < /proc/$p/cmdline && echo; done; true'])
  const addrs = await nodeExec(n, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
  const unit = await nodeExec(n, ['ls', '/etc/systemd/system/havip-agent.service'])
  const addresses = addrs.stdout.split('\n').map((l) => /inet (\S+)/.exec(l)?.[1]).filter(Boolean).sort()
  const agents = procs.stdout.split('\n').filter((l) => /havip-agent\.cjs|supervise/.test(l) && !/pgrep|sh -c/.test(l))
  // The agent's lab tests install the bundle at /opt/havip/havip-agent.cjs, prebuilds/ and
  // release.json (lab-agents.ts installAgent) and leave it for the next agent test file. Create
  // Cluster's layout never uses those paths (releases/, current, node, runtime/), and Destroy
  // rightly empties /opt/havip, so they stay out of the before/after comparison.
  const ours = (line: string): boolean => !/^\/opt\/havip\/(havip-agent\.cjs|release\.json|prebuilds)( |\/)/.test(line)
  return [`files:\n${files.stdout.split('\n').filter(Boolean).filter(ours).sort().join('\n')}`, `agents: ${agents.length}`, `eth0: ${addresses.join(' ')}`, `unit: ${unit.code === 0 ? 'present' : 'absent'}`].join('\n')
}

/**
 * The safety net after a test: destroys the cluster through the API (the real path), and if
 * that leaves anything, removes it directly on the nodes (processes, the app's directories, the
 * VIPs), so one failed test never leaves a running agent to the next file.
 */
export async function cleanupNodes(env: ClusterEnv, names: string[], vips: string[]): Promise<void> {
  try {
    for (const c of await env.call('clusters.list', {})) {
      await env.run(() => env.call('clusters.destroy', { clusterId: c.id, confirmName: c.name }), 90_000).catch(() => undefined)
    }
  } catch {
    // The direct cleanup below still runs.
  }
  for (const name of names) {
    const n = env.node(name)
    // Only this node's agents (its mount namespace): the other nodes share the pid space.
    await nodeExec(n, ['sh', '-c', 'me=$(readlink /proc/self/ns/mnt); for p in $(pgrep -f ^/opt/havip/); do [ "$(readlink /proc/$p/ns/mnt 2>/dev/null)" = "$me" ] && kill -9 $p; done; true'])
    for (const d of APP_DIRS) await nodeExec(n, ['find', d, '-mindepth', '1', '-delete'])
    for (const vip of vips) await nodeExec(n, ['ip', 'addr', 'del', vip, 'dev', 'eth0'])
  }
}

/** The lab client pings `address` (a few tries): true when it answers. */
export async function clientPings(address: string): Promise<boolean> {
  const r = await clientExec(['ping', '-c', '3', '-i', '0.2', '-W', '1', address], { timeoutMs: 10_000 })
  return r.code === 0
}

export { nodeExec }
