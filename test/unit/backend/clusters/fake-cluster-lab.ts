// A FAKE for the orchestration's unit tests: an in-memory NodeDeployer (FakeNodeDeployer) over
// fake nodes, with the connections, facts and definition reader the operations need (the list of
// known clusters is the real KnownClusters file in the test's temp data dir).
// It is not the deploy service and proves nothing about nodes: it records the order of calls,
// lets a test cut a node off or fail one call, and elects masters the way VRRP does (highest
// priority among running agents, ties to the higher address) so the waits have something to see.
// The real NodeDeployer (LinuxDeployer) is exercised by the lab tests in test/integration/clusters/.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { ClusterDefinition, KnownCluster } from '../../../../electron/api/cluster'
import type { Connection, ConnectResult } from '../../../../electron/api/contract'
import { ApiException } from '../../../../electron/api/errors'
import type { NodeFacts } from '../../../../electron/api/model'
import type { ValidationReport } from '../../../../electron/api/validation'
import type { SavedConnection } from '../../../../electron/backend/connections/saved-connections'
import type { AgentState, NodeDeployer, NodeInstallState } from '../../../../electron/backend/deploy/node-deployer'
import { createEventHub, type EventHub } from '../../../../electron/backend/events'
import { SshError } from '../../../../electron/backend/ssh/errors'
import type { SshSession } from '../../../../electron/backend/ssh/session'
import { KnownClusters } from '../../../../electron/backend/clusters/known-clusters'
import { ClusterOperations } from '../../../../electron/backend/clusters/operations/cluster-operations'
import type { OperationDeps, VridScan } from '../../../../electron/backend/clusters/operations/deps'
import { OperationStore } from '../../../../electron/backend/clusters/operations/operation-store'
import { nodeAccessor } from '../../../../electron/backend/clusters/operations/node-access'

export interface FakeNode {
  host: string
  hostname: string
  address: string
  nodeVersion: string | null
  releases: string[]
  currentRelease: string | null
  uploadedRuntime: string | null
  service: { installed: boolean; running: boolean } | null
  cluster: ClusterDefinition | null
  /** agent.json as written, and as the running agent loaded it (start/reload). */
  agentConfig: string | null
  loadedConfig: string | null
  /** Instances taken over (`ctl takeover`): they advertise 254 until released or reloaded. */
  takenOver: Set<string>
  optFreeBytes: number
  reachable: boolean
  /** Left behind by removeAll (a removal that could not finish). */
  removeLeaves: string[]
}

type Op = 'inspect' | 'installRelease' | 'writeConfig' | 'installService' | 'start' | 'reload' | 'stop' | 'status' | 'control' | 'probe' | 'removeAll'

export const MUTATING: Op[] = ['installRelease', 'writeConfig', 'installService', 'start', 'reload', 'stop', 'control', 'removeAll']

function sessionOfNode(node: FakeNode, id: string): SshSession {
  return {
    id,
    target: { host: node.host, port: 22, username: 'root' },
    hostKey: { host: node.host, port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:fake' },
    exec: () => Promise.reject(new Error('the fake session runs no command')),
    execOk: () => Promise.reject(new Error('the fake session runs no command')),
    upload: () => Promise.reject(new Error('the fake session uploads nothing')),
    close: async () => {},
    isConnected: () => node.reachable
  }
}

export class FakeNodeDeployer implements NodeDeployer {
  /** Every call, in order: "n1 writeConfig g2". */
  readonly calls: string[] = []
  /** "host op" (e.g. "198.51.100.12 installService") → fail that call that many times (Infinity: always). */
  readonly failures = new Map<string, { times: number; error: () => Error }>()

  constructor(readonly nodes: Map<string, FakeNode>) {}

  private node(session: SshSession, op: Op, detail = ''): FakeNode {
    const n = this.nodes.get(session.target.host)!
    this.calls.push(`${n.hostname} ${op}${detail ? ` ${detail}` : ''}`)
    if (!n.reachable) throw new SshError({ kind: 'disconnected', host: n.host, message: `${n.host}: the connection was lost`, hint: 'Check the node.' })
    const f = this.failures.get(`${n.hostname} ${op}`)
    if (f && f.times > 0) {
      f.times--
      throw f.error()
    }
    return n
  }

  async inspect(s: SshSession): Promise<NodeInstallState> {
    const n = this.node(s, 'inspect')
    return {
      releases: [...n.releases],
      currentRelease: n.currentRelease,
      uploadedRuntime: n.uploadedRuntime,
      nodePath: n.currentRelease ? '/opt/havip/node' : null,
      service: n.service ? { kind: 'supervisor', ...n.service } : null,
      cluster: n.cluster ? { id: n.cluster.id, name: n.cluster.name, generation: n.cluster.generation } : null,
      optFreeBytes: n.optFreeBytes
    }
  }

  async installRelease(s: SshSession, facts: NodeFacts, note: (m: string) => void): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
    const n = this.node(s, 'installRelease')
    note('uploading')
    if (!n.releases.includes('1.0.0')) n.releases.push('1.0.0')
    n.currentRelease = '1.0.0'
    if (!facts.nodeVersion) n.uploadedRuntime = 'v20.0.0'
    return { runtime: facts.nodeVersion ? 'system' : 'uploaded', summary: facts.nodeVersion ? 'release 1.0.0' : 'release 1.0.0 with Node.js v20.0.0 uploaded' }
  }

  async writeConfig(s: SshSession, def: ClusterDefinition, agentJson: string): Promise<void> {
    const n = this.node(s, 'writeConfig', `g${def.generation}`)
    n.cluster = structuredClone(def)
    n.agentConfig = agentJson
  }

  async installService(s: SshSession): Promise<'supervisor'> {
    const n = this.node(s, 'installService')
    n.service = { installed: true, running: n.service?.running ?? false }
    return 'supervisor'
  }

  async start(s: SshSession): Promise<void> {
    const n = this.node(s, 'start')
    if (!n.service?.installed || !n.agentConfig) throw new Error(`${n.hostname}: start without service or config`)
    n.service.running = true
    n.loadedConfig = n.agentConfig
  }

  async reload(s: SshSession): Promise<void> {
    const n = this.node(s, 'reload')
    if (!n.service?.running) throw new Error(`${n.hostname}: reload of an agent that is not running`)
    n.loadedConfig = n.agentConfig
    n.takenOver.clear()
  }

  async stop(s: SshSession): Promise<void> {
    const n = this.node(s, 'stop')
    if (n.service) n.service.running = false
  }

  async status(s: SshSession): Promise<AgentState> {
    const n = this.node(s, 'status')
    if (!n.service?.running || !n.loadedConfig) return { running: false, version: null, instances: [] }
    return { running: true, version: '1.0.0', instances: this.instancesOf(n).map((i) => ({ ...i, state: this.masterOf(i.vrid) === n ? 'master' : 'backup', holdsVips: this.masterOf(i.vrid) === n })) }
  }

  async control(s: SshSession, cmd: 'release' | 'takeover', instance: string): Promise<void> {
    const n = this.node(s, 'control', `${cmd} ${instance}`)
    if (cmd === 'takeover') n.takenOver.add(instance)
    else n.takenOver.delete(instance)
  }

  async probe(s: SshSession, address: string, count: number): Promise<{ sent: number; answered: number }> {
    this.node(s, 'probe', address)
    const held = [...this.nodes.values()].some((m) => m.reachable && m.service?.running && this.instancesOf(m).some((i) => i.vips.includes(address) && this.masterOf(i.vrid) === m))
    return { sent: count, answered: held ? count : 0 }
  }

  async removeAll(s: SshSession, note: (m: string) => void): Promise<string[]> {
    const n = this.node(s, 'removeAll')
    note('removing')
    n.releases = []
    n.currentRelease = null
    n.uploadedRuntime = null
    n.service = null
    n.cluster = null
    n.agentConfig = null
    n.loadedConfig = null
    return [...n.removeLeaves]
  }

  private instancesOf(n: FakeNode): { name: string; vrid: number; priority: number; vips: string[] }[] {
    const cfg = JSON.parse(n.loadedConfig ?? '{"instances":[]}') as { instances: { name: string; vrid: number; priority: number; vips: { address: string }[] }[] }
    return cfg.instances.map((i) => ({ name: i.name, vrid: i.vrid, priority: i.priority, vips: i.vips.map((v) => v.address) }))
  }

  /** VRRP's election among the running agents that carry this VRID and did not release it. */
  private masterOf(vrid: number): FakeNode | undefined {
    let best: { n: FakeNode; prio: number } | undefined
    for (const n of this.nodes.values()) {
      if (!n.reachable || !n.service?.running) continue
      const inst = this.instancesOf(n).find((i) => i.vrid === vrid)
      if (!inst) continue
      const prio = n.takenOver.has(inst.name) ? 254 : inst.priority
      if (!best || prio > best.prio || (prio === best.prio && n.address > best.n.address)) best = { n, prio }
    }
    return best?.n
  }
}

export function factsOf(n: FakeNode): NodeFacts {
  return {
    hostname: n.hostname,
    os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian 12' },
    kernel: '6.1.0',
    arch: 'x86_64',
    nodeVersion: n.nodeVersion,
    interfaces: [
      { name: 'lo', mtu: 65536, state: 'UNKNOWN', addresses: [{ family: 'inet', address: '127.0.0.1', prefix: 8 }] },
      { name: 'eth0', mtu: 1500, state: 'UP', addresses: [{ family: 'inet', address: n.address, prefix: 24 }] }
    ],
    defaultRoute: { gateway: '198.51.100.1', dev: 'eth0' },
    platform: 'linux',
    collectedAt: new Date().toISOString()
  }
}

export interface FakeLab {
  nodes: Map<string, FakeNode>
  deployer: FakeNodeDeployer
  known: KnownClusters
  events: EventHub
  reports: Map<string, ValidationReport>
  dataDir: string
  deps: OperationDeps
  ops: ClusterOperations
  /** Connection id of node nX. */
  conn(name: string): string
  node(name: string): FakeNode
  scans: { vrid?: number; inUseBy?: string; proposed?: number }[]
  cleanup(): void
}

export function fakeLab(count: number, opts: { vridScan?: VridScan; dataDir?: string } = {}): FakeLab {
  const nodes = new Map<string, FakeNode>()
  for (let i = 1; i <= count; i++) {
    const host = `198.51.100.${10 + i}`
    nodes.set(host, {
      host,
      hostname: `n${i}`,
      address: host,
      nodeVersion: 'v20.11.0',
      releases: [],
      currentRelease: null,
      uploadedRuntime: null,
      service: null,
      cluster: null,
      agentConfig: null,
      loadedConfig: null,
      takenOver: new Set(),
      optFreeBytes: 10 * 1024 * 1024 * 1024,
      reachable: true,
      removeLeaves: []
    })
  }
  const byName = (name: string): FakeNode => [...nodes.values()].find((n) => n.hostname === name)!
  const connId = (n: FakeNode): string => `c-${n.hostname}`
  const deployer = new FakeNodeDeployer(nodes)
  const saved = (n: FakeNode): Connection => ({ id: connId(n), label: `root@${n.host}`, host: n.host, port: 22, username: 'root', authKind: 'key', state: n.reachable ? 'connected' : 'failed', hostname: n.hostname })
  const sessions = new Map<string, SshSession>()
  const nodeByConn = (id: string): FakeNode => {
    const n = [...nodes.values()].find((x) => connId(x) === id)
    if (!n) throw new ApiException({ kind: 'not-found', message: `no connection ${id}` })
    return n
  }
  const connections = {
    list: () => [...nodes.values()].map(saved),
    savedOf: (id: string) => {
      const n = nodeByConn(id)
      return { ...saved(n), authKind: 'key' } as unknown as SavedConnection
    },
    sessionOf: (id: string) => {
      const n = nodeByConn(id)
      if (!n.reachable) throw new ApiException({ kind: 'disconnected', message: `root@${n.host} is not connected.`, node: n.host })
      let s = sessions.get(id)
      if (!s) sessions.set(id, (s = sessionOfNode(n, id)))
      return s
    },
    recordHostname: () => {},
    connect: async (): Promise<ConnectResult> => {
      throw new Error('the fake lab connects only through saved connections')
    },
    reconnect: async (id: string): Promise<ConnectResult> => {
      const n = nodeByConn(id)
      if (!n.reachable) throw new SshError({ kind: 'unreachable', host: n.host, message: `${n.host} does not answer`, hint: 'Check the node.' })
      return { status: 'connected', connection: saved(n) }
    }
  }
  const events = createEventHub()
  const reports = new Map<string, ValidationReport>()
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'havip-ops-'))
  // The real list file in the temp data dir: the Destroy-incomplete mark must survive a restart.
  const known = new KnownClusters(dataDir)
  const deps: OperationDeps = {
    deployer,
    connections,
    access: nodeAccessor(connections, () => {}),
    facts: { factsOf: async (id) => factsOf(nodeByConn(id)) },
    validation: {
      report: (runId) => {
        const r = reports.get(runId)
        if (!r) throw new ApiException({ kind: 'not-found', message: `no validation run ${runId}` })
        return r
      }
    },
    ...(opts.vridScan ? { vridScan: opts.vridScan } : {}),
    known,
    definitions: {
      current: async (clusterId) => {
        const defs = [...nodes.values()].filter((n) => n.reachable && n.cluster?.id === clusterId).map((n) => n.cluster!)
        if (defs.length === 0) throw new ApiException({ kind: 'not-found', message: `no node holds ${clusterId}` })
        return structuredClone(defs.sort((a, b) => b.generation - a.generation)[0]!)
      }
    },
    events,
    log: () => {},
    store: new OperationStore(dataDir),
    appVersion: '1.0.0',
    now: () => new Date(),
    timing: { pollMs: 2, formationMarginMs: 400, waitMasterDown: false }
  }
  return {
    nodes,
    deployer,
    known,
    events,
    reports,
    dataDir,
    deps,
    ops: new ClusterOperations(deps),
    conn: (name) => connId(byName(name)),
    node: byName,
    scans: [],
    cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

/** A finished validation report over these connections: Success everywhere unless `results` says otherwise. */
export function validationReport(lab: FakeLab, runId: string, names: string[], extra: Partial<ValidationReport> = {}): ValidationReport {
  const nodes = names.map((name) => {
    const n = lab.node(name)
    return { id: lab.conn(name), label: `root@${n.host}`, host: n.host, port: 22, username: 'root', facts: { hostname: name, osPrettyName: 'Debian 12', kernel: '6.1', arch: 'x86_64', nodeVersion: n.nodeVersion, platform: 'linux' as const, interface: 'eth0', ipv4: `${n.address}/24` } }
  })
  const report: ValidationReport = {
    runId,
    appVersion: '1.0.0',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    cancelled: false,
    settings: { vip: '198.51.100.210/24', advertIntervalMs: 1000, mode: 'unicast' },
    proposedVrid: 210,
    nodes,
    tests: [],
    results: nodes.map((n) => ({ testId: 'vrrp.router-id-scan', nodeId: n.id, status: 'Success' as const, details: 'no adverts' })),
    summary: { success: nodes.length, warning: 0, failed: 0, notRun: 0, overall: 'Success' },
    ...extra
  }
  lab.reports.set(runId, report)
  return report
}
