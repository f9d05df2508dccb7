// A mixed cluster: lab node n1 (real Linux: real sshd, the real agent under its supervisor) and a
// replayed Windows node (test/support/windows-cluster-node.ts: an ssh2 server on the host's
// 127.0.0.1 that announces Win32-OpenSSH and answers the app's PowerShell scripts from the
// recorded fixtures), created and destroyed through the API of one real backend. It proves that
// one operation drives both deployers (the Linux one over sh/sudo, the Windows one over encoded
// PowerShell), that both nodes get the same generation and each its own agent.json (unicast to
// the other's address), and that the Linux side really runs: n1's agent elects itself and holds
// the VIP. It cannot prove VRRP between the two: the replayed node speaks no VRRP, and that it is
// a backup is the replay's choice (a fixture written from our own agent's JSON format). The
// manual test plan covers the real mixed cluster (docs/windows-test-plan.md, part B).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterDefinition } from '../../../electron/api/cluster'
import { WIN_AGENT_JSON, WIN_CLUSTER_JSON } from '../../../electron/backend/deploy/windows/windows-layout'
import { hostKeyInfoOf } from '../../../electron/backend/ssh/host-key'
import { startWindowsClusterNode, WINDOWS_ROLE, type WindowsClusterNode } from '../../support/windows-cluster-node'
import { windowsDeployDirs } from '../../support/windows-deploy-node'
import { cleanupNodes, makeClusterEnv, nodeExec, snapshot, type ClusterEnv } from './cluster-lab'

const PASSWORD = 'mixed-cluster-replayed-windows-password'
let env: ClusterEnv | undefined
let win: WindowsClusterNode | undefined
let dirs: { bundleDir: string; runtimeDir: string } | undefined
const savedRuntime = process.env.HAVIP_RUNTIME_DIR

beforeAll(async () => {
  // The Windows deployer uploads the stand-in node.exe and WinSW the runtime dir pins (the real
  // win32-x64 runtime is not fetched on this machine); n1 has its own Node.js, so the Linux
  // deployer needs no runtime from it. The agent bundle is this build's own (win32-x64 prebuild included).
  dirs = windowsDeployDirs()
  process.env.HAVIP_RUNTIME_DIR = dirs.runtimeDir
  env = await makeClusterEnv(1)
  win = await startWindowsClusterNode({ listen: { port: 0 }, password: PASSWORD, which: 1, role: 'backup' })
})

afterAll(async () => {
  if (env) {
    await cleanupNodes(env, ['n1'], [WINDOWS_ROLE.vip])
    await env.dispose()
  }
  await win?.stop()
  if (dirs) fs.rmSync(path.dirname(dirs.bundleDir), { recursive: true, force: true })
  if (savedRuntime === undefined) delete process.env.HAVIP_RUNTIME_DIR
  else process.env.HAVIP_RUNTIME_DIR = savedRuntime
})

describe('a cluster of a Linux lab node and a replayed Windows node', () => {
  it('is created by one operation over both deployers, n1 really holds the VIP, and Destroy clears both', async () => {
    const e = env!
    const w = win!
    const n1 = e.node('n1')
    const before = await snapshot(n1)
    const [linuxId] = await e.connect(['n1'])
    const k = hostKeyInfoOf('127.0.0.1', w.port!, w.hostKey.parsed.getPublicSSH())
    await e.call('hostKeys.trust', { host: '127.0.0.1', port: w.port!, keyType: k.keyType, fingerprint: k.fingerprint })
    const c = await e.call('connections.connect', { host: '127.0.0.1', port: w.port!, username: 'administrator', auth: { kind: 'password', password: PASSWORD }, remember: true })
    expect(c.status).toBe('connected')
    const winId = c.status === 'connected' ? c.connection.id : ''

    let clusterId = ''
    const report = await e.run(async () => {
      const r = await e.call('clusters.create', {
        name: 'it-mixed',
        nodes: [{ connectionId: linuxId! }, { connectionId: winId }],
        role: { name: WINDOWS_ROLE.name, vip: WINDOWS_ROLE.vip, vrid: WINDOWS_ROLE.vrid },
        validation: { skipReason: 'lab test of a mixed deployment; the Windows node is replayed' }
      })
      clusterId = r.clusterId
      return r
    })
    expect(report.error?.message ?? '').toBe('')
    expect(report.outcome).toBe('succeeded')
    expect(report.masters).toEqual([{ role: 'web', node: 'n1', vipAnswers: true }])
    expect(report.steps.find((s) => s.step === 'install-service' && s.node === 'WIN-NODE1')?.message).toMatch(/Windows service havip-agent/)
    expect(report.steps.find((s) => s.step === 'install-service' && s.node === 'n1')?.message).not.toMatch(/Windows/)

    // n1, for real: it holds the VIP and its cluster.json is the one the Windows node got.
    const addrs = await nodeExec(n1, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
    expect(addrs.stdout).toContain(` ${WINDOWS_ROLE.vip} `)
    const onLinux = JSON.parse((await nodeExec(n1, ['cat', '/etc/havip/cluster.json'])).stdout) as ClusterDefinition
    expect(JSON.parse(w.files.get(WIN_CLUSTER_JSON)!.toString('utf8'))).toEqual(onLinux)
    expect(onLinux.nodes.map((n) => [n.name, n.platform, n.address])).toEqual([
      ['n1', 'linux', n1.address],
      ['WIN-NODE1', 'windows', '198.51.100.21']
    ])
    // Each agent.json adverts to the other node's address, the Windows one over its named pipe.
    const linuxAgent = JSON.parse((await nodeExec(n1, ['cat', '/etc/havip/agent.json'])).stdout) as { instances: { unicastPeers: string[] }[] }
    expect(linuxAgent.instances[0]!.unicastPeers).toEqual(['198.51.100.21'])
    const winAgent = JSON.parse(w.files.get(WIN_AGENT_JSON)!.toString('utf8')) as { controlSocket: string; instances: { unicastPeers: string[] }[] }
    expect(winAgent.instances[0]!.unicastPeers).toEqual([n1.address])
    expect(winAgent.controlSocket).toBe('\\\\.\\pipe\\havip-agent')
    for (const x of w.execs) expect(x).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand /)

    // The cluster view reads both: n1 with sudo + sh, WIN-NODE1 with cluster-read.
    const view = await e.call('clusters.get', { clusterId })
    expect(view.nodes.map((n) => [n.name, n.generation, n.serviceKind])).toEqual([
      ['n1', 1, 'supervisor'],
      ['WIN-NODE1', 1, 'windows-service']
    ])

    const destroyed = await e.run(() => e.call('clusters.destroy', { clusterId, confirmName: 'it-mixed' }))
    expect(destroyed.error?.message ?? '').toBe('')
    expect(destroyed.outcome).toBe('succeeded')
    expect(await snapshot(n1)).toEqual(before)
    expect(w.steps().at(-1)).toBe('deploy-remove')
    expect(w.files.size).toBe(0)
  })
})
