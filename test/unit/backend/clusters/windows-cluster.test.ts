// Create, read, change and destroy a cluster of Windows nodes, in replay: a real backend drives
// two replayed Windows nodes (test/support/windows-cluster-node.ts: ssh2 servers that announce
// Win32-OpenSSH and answer every PowerShell script from the recorded fixtures, their choice of
// recording following what they were told) over real SSH through the API table. What this
// proves: the orchestration on Windows nodes and every command sent (which scripts, in which
// order, which files land where, what the errors and leftovers say). What it cannot: that a
// Windows node runs the agent or elects; the agent's replies are fixtures written from our own
// agent's JSON format, and who is master is the replay's choice. docs/windows-test-plan.md says
// how to check that on real nodes.
import { afterEach, describe, expect, it } from 'vitest'
import type { ClusterDefinition } from '../../../../electron/api/cluster'
import { WIN_AGENT_JSON, WIN_CLUSTER_JSON, WIN_CURRENT, WIN_DATA, WIN_ROOT } from '../../../../electron/backend/deploy/windows/windows-layout'
import { WINDOWS_ROLE, type WindowsClusterNode } from '../../../support/windows-cluster-node'
import { makeWindowsClusterEnv, WINDOWS_PASSWORD, type WindowsClusterEnv } from '../../../support/windows-cluster-env'

const envs: WindowsClusterEnv[] = []
afterEach(async () => {
  for (const e of envs.splice(0)) await e.dispose()
})

async function env(specs: Parameters<typeof makeWindowsClusterEnv>[0]): Promise<WindowsClusterEnv> {
  const e = await makeWindowsClusterEnv(specs)
  envs.push(e)
  return e
}

const ROLE = { name: WINDOWS_ROLE.name, vip: WINDOWS_ROLE.vip, vrid: WINDOWS_ROLE.vrid }
const SKIP = 'replayed Windows nodes: validation is covered by its own replay tests'
const POWERSHELL = /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/
const REL = '1.4.0-b413a01e6f3d'

async function create(e: WindowsClusterEnv, nodes: WindowsClusterNode[]) {
  const ids: string[] = []
  for (const n of nodes) ids.push(await e.connect(n))
  let clusterId = ''
  const report = await e.run(async () => {
    const r = await e.call('clusters.create', { name: 'web-win', nodes: ids.map((connectionId) => ({ connectionId })), role: ROLE, validation: { skipReason: SKIP } })
    clusterId = r.clusterId
    return r
  })
  return { report, clusterId, ids }
}

/** The index of the first step matching, after `from`; fails the test when there is none. */
function after(steps: string[], from: number, step: string | RegExp): number {
  const i = steps.findIndex((s, j) => j > from && (typeof step === 'string' ? s === step : step.test(s)))
  expect(i, `${String(step)} after step ${from} in\n${steps.join('\n')}`).toBeGreaterThan(from)
  return i
}

function placedDefinition(n: WindowsClusterNode): ClusterDefinition {
  return JSON.parse(n.files.get(WIN_CLUSTER_JSON)!.toString('utf8')) as ClusterDefinition
}

describe('Create Cluster on two replayed Windows nodes', () => {
  it('deploys, configures, installs and starts the service on each, confirms the election, and every command is an encoded PowerShell script', async () => {
    const e = await env([
      { which: 1, role: 'master' },
      { which: 2, role: 'backup' }
    ])
    const [n1, n2] = e.nodes as [WindowsClusterNode, WindowsClusterNode]
    const { report } = await create(e, [n1, n2])
    expect(report.error?.message ?? '').toBe('')
    expect(report.outcome).toBe('succeeded')
    expect(report.masters).toEqual([{ role: 'web', node: 'WIN-NODE1', vipAnswers: true }])
    const stepsOf = (node: string) => report.steps.filter((s) => s.node === node).map((s) => `${s.step}:${s.state}`)
    for (const node of ['WIN-NODE1', 'WIN-NODE2']) {
      expect(stepsOf(node)).toEqual(['preflight:done', 'upload-runtime:done', 'install-release:done', 'write-config:done', 'install-service:done', 'start:done'])
    }
    expect(report.steps.find((s) => s.step === 'install-service')?.message).toMatch(/Windows service havip-agent installed/)

    for (const n of [n1, n2]) {
      const steps = n.steps()
      // Preflight reads, then: folders + ACL, Node.js, the release (SHA256SUMS last), WinSW, the
      // service definition, current.json; agent.json then cluster.json; install; start; status.
      let at = after(steps, -1, 'deploy-inspect')
      at = after(steps, at, 'deploy-prepare')
      at = after(steps, at, `place-file ${WIN_ROOT}\\runtime\\node-v22.23.3\\node.exe`)
      at = after(steps, at, `place-file ${WIN_ROOT}\\releases\\${REL}\\SHA256SUMS`)
      at = after(steps, at, `place-file ${WIN_ROOT}\\service\\havip-agent.exe`)
      at = after(steps, at, `place-file ${WIN_ROOT}\\service\\havip-agent.xml`)
      at = after(steps, at, `place-file ${WIN_CURRENT}`)
      at = after(steps, at, `place-file ${WIN_AGENT_JSON}`)
      at = after(steps, at, `place-file ${WIN_CLUSTER_JSON}`)
      at = after(steps, at, 'deploy-service install')
      at = after(steps, at, 'deploy-service start')
      after(steps, at, 'run-argv ctl status --json')
      expect(n.execs.length).toBeGreaterThan(10)
      for (const c of n.execs) expect(c).toMatch(POWERSHELL)
      // Generation 1 of the definition, the same on both, with both nodes as Windows nodes on their recorded addresses.
      const def = placedDefinition(n)
      expect(def).toMatchObject({ name: 'web-win', generation: 1, roles: [{ name: 'web', vip: '198.51.100.210/24', vrid: 51 }] })
      expect(def.nodes.map((x) => [x.name, x.platform, x.interface, x.address])).toEqual([
        ['WIN-NODE1', 'windows', 'Ethernet', '198.51.100.21'],
        ['WIN-NODE2', 'windows', 'Ethernet', '198.51.100.22']
      ])
      // agent.json in the Windows layout: the named pipe and the log under C:\ProgramData\HAVIP\logs; unicast to the other node.
      const agent = JSON.parse(n.files.get(WIN_AGENT_JSON)!.toString('utf8')) as { controlSocket: string; logFile: string; instances: { name: string; interface: string; unicastPeers: string[] }[] }
      expect(agent.controlSocket).toBe('\\\\.\\pipe\\havip-agent')
      expect(agent.logFile).toBe(`${WIN_DATA}\\logs\\agent.log`)
      expect(agent.instances.map((i) => [i.name, i.interface, i.unicastPeers])).toEqual([['web', 'Ethernet', [n === n1 ? '198.51.100.22' : '198.51.100.21']]])
    }
    expect(placedDefinition(n1)).toEqual(placedDefinition(n2))
    // The VIP was probed from the node that is not its master.
    expect(n2.steps().some((s) => s.startsWith('run-argv probe 198.51.100.210 '))).toBe(true)
    expect(n1.steps().some((s) => s.startsWith('run-argv probe'))).toBe(false)
  })
})

describe('Connect to Cluster and the cluster view, from Windows nodes', () => {
  it('reads cluster.json under C:\\ProgramData\\HAVIP through cluster-read, on this desktop and from another one by one node', async () => {
    const e = await env([
      { which: 1, role: 'master' },
      { which: 2, role: 'backup' }
    ])
    const [n1, n2] = e.nodes as [WindowsClusterNode, WindowsClusterNode]
    const { report, clusterId } = await create(e, [n1, n2])
    expect(report.outcome).toBe('succeeded')

    const view = await e.call('clusters.get', { clusterId })
    expect(view.definition).toMatchObject({ id: clusterId, name: 'web-win', generation: 1 })
    expect(view.nodes.map((n) => [n.name, n.reach, n.generation, n.generationMismatch, n.serviceKind, n.agentVersion])).toEqual([
      ['WIN-NODE1', 'connected', 1, false, 'windows-service', REL],
      ['WIN-NODE2', 'connected', 1, false, 'windows-service', REL]
    ])
    expect(n1.steps()).toContain('cluster-read')

    // Another desktop knows nothing: one node's address and the administrator's password are enough.
    const other = await e.otherDesktop()
    const seen = await other.call('clusters.connect', { target: { host: '127.0.0.1', port: n2.port!, username: 'administrator', auth: { kind: 'password', password: WINDOWS_PASSWORD } } })
    expect(seen.definition).toMatchObject({ id: clusterId, name: 'web-win', generation: 1 })
    expect(seen.nodes.map((n) => [n.name, n.reach, n.generation])).toEqual([
      ['WIN-NODE1', 'connected', 1],
      ['WIN-NODE2', 'connected', 1]
    ])
    expect((await other.call('clusters.list', {})).map((k) => k.name)).toEqual(['web-win'])
  })

  it('a Windows node without a cluster says so with its own path', async () => {
    const e = await env([{ which: 1, role: 'master' }])
    const n1 = e.nodes[0]!
    const err = await e
      .call('clusters.connect', { target: { host: '127.0.0.1', port: n1.port!, username: 'administrator', auth: { kind: 'password', password: WINDOWS_PASSWORD } } })
      .then(() => undefined, (x: { apiError?: { kind: string; message: string } }) => x.apiError)
    expect(err).toMatchObject({ kind: 'not-found', message: expect.stringContaining(`there is no ${WIN_CLUSTER_JSON} there`) })
    expect(n1.steps()).toEqual(expect.arrayContaining(['cluster-read']))
    expect(n1.steps()).not.toContain('deploy-prepare')
  })
})

describe('Add Node, Evict Node and Destroy Cluster on Windows nodes', () => {
  it('adds WIN-NODE2 to a one-node cluster, evicts it, and destroys the cluster: each node as it was', async () => {
    const e = await env([
      { which: 1, role: 'master' },
      { which: 2, role: 'backup' }
    ])
    const [n1, n2] = e.nodes as [WindowsClusterNode, WindowsClusterNode]
    const { report, clusterId } = await create(e, [n1])
    expect(report.error?.message ?? '').toBe('')
    expect(report.masters).toEqual([{ role: 'web', node: 'WIN-NODE1', vipAnswers: true }])

    const id2 = await e.connect(n2)
    const added = await e.run(() => e.call('clusters.addNode', { clusterId, node: { connectionId: id2 }, validation: { skipReason: SKIP } }))
    expect(added.error?.message ?? '').toBe('')
    expect(added.outcome).toBe('succeeded')
    expect(placedDefinition(n1).generation).toBe(2)
    expect(placedDefinition(n2)).toEqual(placedDefinition(n1))
    expect(placedDefinition(n1).nodes.map((n) => n.name)).toEqual(['WIN-NODE1', 'WIN-NODE2'])
    // The running agent re-read its config; the new node was deployed and started.
    expect(n1.steps()).toContain('run-argv ctl reload --json')
    expect(n2.steps()).toEqual(expect.arrayContaining(['deploy-prepare', 'deploy-service install', 'deploy-service start']))

    const evicted = await e.run(() => e.call('clusters.evictNode', { clusterId, node: 'WIN-NODE2' }))
    expect(evicted.error?.message ?? '').toBe('')
    expect(evicted.outcome).toBe('succeeded')
    expect(placedDefinition(n1)).toMatchObject({ generation: 3, nodes: [{ name: 'WIN-NODE1' }] })
    // The evicted node was cleared: service, folders and firewall rule (deploy-remove).
    expect(n2.steps()).toContain('deploy-remove')
    expect(n2.files.size).toBe(0)

    const destroyed = await e.run(() => e.call('clusters.destroy', { clusterId, confirmName: 'web-win' }))
    expect(destroyed.error?.message ?? '').toBe('')
    expect(destroyed.outcome).toBe('succeeded')
    expect(n1.steps().at(-1)).toBe('deploy-remove')
    expect(n1.files.size).toBe(0)
    expect(await e.call('clusters.list', {})).toEqual([])
  })
})

describe('a Create that fails on a Windows node', () => {
  it('a service that will not start: the error names the node and the agent\'s reason, the leftovers name Windows paths, and the rollback removes everything on both', async () => {
    const e = await env([
      { which: 1, role: 'master' },
      { which: 2, role: 'backup', startFails: true }
    ])
    const [n1, n2] = e.nodes as [WindowsClusterNode, WindowsClusterNode]
    const { report } = await create(e, [n1, n2])
    expect(report.outcome).toBe('failed')
    const failed = report.steps.find((s) => s.state === 'failed')
    expect(failed).toMatchObject({ step: 'start', node: 'WIN-NODE2' })
    expect(report.error?.message).toMatch(/Starting the agent service on 127\.0\.0\.1 failed: Service 'HAVIP agent \(havip-agent\)' cannot be started/)
    expect(report.error?.message).toMatch(/C:\\ProgramData\\HAVIP must be readable by SYSTEM and Administrators only/)
    expect(report.rollback).toBe('remove-everything')
    const left = Object.fromEntries(report.leftovers.map((l) => [l.node, l.what]))
    expect(Object.keys(left).sort()).toEqual(['WIN-NODE1', 'WIN-NODE2'])
    for (const what of Object.values(left)) {
      expect(what).toContain(`${WIN_CLUSTER_JSON} of web-win`)
      expect(what).toContain(`under ${WIN_ROOT}\\releases`)
      expect(what).not.toMatch(/\/opt\/havip|\/etc\/havip/)
    }

    const rolled = await e.run(() => e.call('clusters.rollback', { operationId: report.id }))
    expect(rolled.error?.message ?? '').toBe('')
    expect(rolled.outcome).toBe('succeeded')
    for (const n of [n1, n2]) {
      expect(n.steps().at(-1)).toBe('deploy-remove')
      expect(n.files.size).toBe(0)
    }
  })

  it('access denied on deploy-prepare (a login without an elevated token): says what to do, names the node, and no agent starts anywhere', async () => {
    const e = await env([
      { which: 1, role: 'master', prepare: 'access-denied' },
      { which: 2, role: 'backup' }
    ])
    const [n1, n2] = e.nodes as [WindowsClusterNode, WindowsClusterNode]
    const { report } = await create(e, [n1, n2])
    expect(report.outcome).toBe('failed')
    expect(report.steps.find((s) => s.state === 'failed')).toMatchObject({ node: 'WIN-NODE1' })
    expect(report.error?.message).toMatch(/Creating the HAVIP folders on 127\.0\.0\.1 failed: .*Access to the path .* is denied/)
    expect(report.error?.message).toMatch(/local Administrators group/)
    for (const n of [n1, n2]) expect(n.steps()).not.toContain('deploy-service start')
    // Nothing landed on WIN-NODE1; what WIN-NODE2 got before the stop is said.
    expect(n1.files.size).toBe(0)
    expect(report.leftovers.map((l) => l.node)).toEqual(['WIN-NODE2'])
    expect(report.leftovers[0]!.what).toContain(`under ${WIN_ROOT}\\releases`)
  })
})
