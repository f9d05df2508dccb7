/**
 * The console over two replayed Windows nodes, end to end: the backend's own LiveStateService
 * and ConsoleService, with the agent access the backend composes, reach each node over a real
 * SSH connection (the app's Ssh2Session) to an in-process ssh2 server that announces itself as
 * Win32-OpenSSH and answers each PowerShell command from recorded runs
 * (test/support/replayed-windows-node.ts; fixtures written from the documented format of our
 * own agent's JSON, as each says). The feed is a held-open stream, as on a real node; what the
 * agents print after a takeover is written into it from the recorded continuation. It proves the
 * wire, the encoding, the platform choice and what the console makes of the answers, not what
 * Windows prints (docs/windows-test-plan.md covers that).
 */
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ClusterDefinition } from '../../../electron/api/cluster'
import type { ClusterReading } from '../../../electron/backend/clusters/cluster-directory'
import { platformAgentAccess } from '../../../electron/backend/live/agent-access'
import { ConsoleService } from '../../../electron/backend/live/console-service'
import { linuxAgentAccess } from '../../../electron/backend/live/linux-agent-access'
import { LiveStateService } from '../../../electron/backend/live/live-state-service'
import { windowsAgentAccess } from '../../../electron/backend/live/windows-agent-access'
import { LinuxDeployer } from '../../../electron/backend/deploy/linux-deployer'
import { PlatformDeployer } from '../../../electron/backend/deploy/platform-deployer'
import { WindowsDeployer } from '../../../electron/backend/deploy/windows/windows-deployer'
import { hostKeyInfoOf } from '../../../electron/backend/ssh/host-key'
import { Ssh2Session } from '../../../electron/backend/ssh/session'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { startReplayedWindowsNode, type ReplayedWindowsNode } from '../../support/replayed-windows-node'
import { testHostKey } from '../../support/ssh-host-key'
import { waitFor } from '../../support/wait-for'
import type { WindowsCases } from '../../support/windows-fixtures'

const PASSWORD = 'unit-test-password'
const HOSTS = { win1: '198.51.100.31', win2: '198.51.100.32' } as const

const definition: ClusterDefinition = {
  schema: 1,
  id: 'cl-00000000000000w1',
  name: 'winpair',
  generation: 2,
  writtenBy: 'test',
  updatedAt: '2026-12-02T01:00:00.000Z',
  nodes: [
    { name: 'win1', host: HOSTS.win1, port: 22, username: 'Administrator', platform: 'windows', interface: 'Ethernet', address: HOSTS.win1, priority: 150 },
    { name: 'win2', host: HOSTS.win2, port: 22, username: 'Administrator', platform: 'windows', interface: 'Ethernet', address: HOSTS.win2, priority: 100 }
  ],
  roles: [
    { name: 'vip1', vip: '198.51.100.230/24', vrid: 51, version: 3, advertIntervalMs: 1000, mode: 'unicast', auth: { type: 'none' }, preferredOwners: [], failback: { policy: 'never' } }
  ]
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function twoWindowsNodes(cases: Record<'win1' | 'win2', WindowsCases>, onRun: (node: 'win1' | 'win2', name: string, params: Record<string, unknown>) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-wincon-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  const hostKey = testHostKey()
  const hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  const nodes = {} as Record<'win1' | 'win2', ReplayedWindowsNode>
  const sessions = {} as Record<'win1' | 'win2', Ssh2Session>
  for (const name of ['win1', 'win2'] as const) {
    hostKeys.trust(hostKeyInfoOf(HOSTS[name], 22, hostKey.parsed.getPublicSSH()))
    const node = await startReplayedWindowsNode({
      listen: { socketPath: path.join(dir, `${name}.sock`) },
      password: PASSWORD,
      hostKey,
      cases: cases[name],
      holdOpen: ['agent-feed'],
      onRun: (script, params) => onRun(name, script, params)
    })
    cleanups.push(() => node.stop())
    nodes[name] = node
    const session = new Ssh2Session(`c-${name}`, { host: HOSTS[name], port: 22, username: 'Administrator', auth: { kind: 'password', password: PASSWORD } }, hostKeys, {
      connectTimeoutMs: 5000,
      keepaliveIntervalMs: 60_000,
      log: () => {},
      openSocket: () => net.connect(node.socketPath!)
    })
    cleanups.push(() => session.close())
    // Connected first, as the app's connections are: the platform is told from the handshake.
    await session.open()
    sessions[name] = session
  }
  const reading: ClusterReading = {
    definition,
    nodes: definition.nodes.map((n) => ({ name: n.name, host: n.host, port: 22, username: 'Administrator', connectionId: `c-${n.name}`, reach: 'connected', generation: 2, generationMismatch: false, agentVersion: '0.1.0', serviceKind: null })),
    connectionIds: { win1: 'c-win1', win2: 'c-win2' }
  }
  const live = new LiveStateService({
    read: async () => reading,
    sessionFor: async (id) => sessions[id.slice(2) as 'win1'],
    // As backend.ts composes it.
    agent: platformAgentAccess(linuxAgentAccess, windowsAgentAccess()),
    events: { emit: () => 0 },
    log: () => {},
    // A long period: the recorded feed says everything at once, and must not fall silent during the test.
    statusPeriodMs: 60_000,
    firstWordMs: 10_000
  })
  cleanups.push(() => live.dispose())
  // Service control as backend.ts composes it: the platform's deployer (WindowsDeployer's 'deploy-service' here).
  const deployer = new PlatformDeployer(new LinuxDeployer(), new WindowsDeployer({ bundleDir: '/nonexistent', runtimeDir: '/nonexistent' }))
  const console = new ConsoleService(live, { start: (s) => deployer.start(s), stop: (s) => deployer.stop(s) })
  return { nodes, live, console }
}

describe('the console over replayed Windows nodes', () => {
  it('shows both nodes Up with their role states, and Move sends `ctl takeover` then `ctl release` to the target through the seam', async () => {
    let env!: Awaited<ReturnType<typeof twoWindowsNodes>>
    // What the agents print once win2 is told to take over, and once it is released (recorded continuations).
    const onRun = (node: 'win1' | 'win2', name: string, params: Record<string, unknown>): void => {
      const args = name === 'agent-ctl' ? (params.args as string[]) : []
      if (node === 'win2' && args[0] === 'takeover') {
        setImmediate(() => {
          env.nodes.win2.continueStream('agent-feed', 'win2-takes-over')
          env.nodes.win1.continueStream('agent-feed', 'win1-yields')
        })
      }
      if (node === 'win2' && args[0] === 'release') setImmediate(() => env.nodes.win2.continueStream('agent-feed', 'win2-released'))
    }
    env = await twoWindowsNodes(
      {
        win1: { 'agent-feed': 'win1-master' },
        win2: { 'agent-feed': 'win2-backup', 'agent-ctl': ['takeover-vip1', 'release-vip1', 'status-win2-released'] }
      },
      onRun
    )

    const before = await env.console.state(definition.id)
    expect(before.nodes.map((n) => [n.name, n.state, n.roles.map((r) => `${r.role}:${r.state}`)])).toEqual([
      ['win1', 'Up', ['vip1:Master']],
      ['win2', 'Up', ['vip1:Backup']]
    ])
    expect(before.roles[0]).toMatchObject({ name: 'vip1', owner: 'win1', state: 'Online' })
    // Each node got one feed: the agent-feed script, with the period as data.
    for (const n of ['win1', 'win2'] as const) {
      expect(env.nodes[n].runs).toEqual([{ name: 'agent-feed', params: { periodSeconds: 60, maxSeconds: 3590 } }])
      expect(env.nodes[n].openStreams('agent-feed')).toBe(1)
    }

    const moved = await env.console.move(definition.id, 'vip1', 'win2')
    expect(moved).toMatchObject({ role: 'vip1', from: 'win1', owner: 'win2', outageMs: 0 })
    expect(env.nodes.win2.runs.filter((r) => r.name === 'agent-ctl').map((r) => r.params.args)).toEqual([
      ['takeover', 'vip1', '--json'],
      ['release', 'vip1', '--json'],
      ['status', '--json']
    ])
    // Nothing was sent to the node the role left.
    expect(env.nodes.win1.runs.map((r) => r.name)).toEqual(['agent-feed'])
    // Every command went as one encoded powershell.exe command line.
    for (const c of env.nodes.win2.execs) expect(c).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/)

    const after = await env.console.state(definition.id)
    expect(after.roles[0]).toMatchObject({ owner: 'win2', state: 'Online' })
    expect(after.nodes.map((n) => `${n.name}:${n.roles[0]!.state}`)).toEqual(['win1:Backup', 'win2:Master'])

    // Forgetting the cluster stops both feeds: their SSH channels close.
    await env.live.forget(definition.id)
    await waitFor('both feed channels closed', () => env.nodes.win1.openStreams('agent-feed') === 0 && env.nodes.win2.openStreams('agent-feed') === 0, 5000)
  })

  it('Stop Cluster Service on a Windows node runs the service script there, and the node shows Down with the reason its feed gives', async () => {
    let env!: Awaited<ReturnType<typeof twoWindowsNodes>>
    env = await twoWindowsNodes({ win1: { 'agent-feed': 'win1-master' }, win2: { 'agent-feed': 'win2-backup', 'deploy-service': 'stopped' } }, (node, name) => {
      // The stopped agent's feed says so at its next status.
      if (node === 'win2' && name === 'deploy-service') setImmediate(() => env.nodes.win2.continueStream('agent-feed', 'agent-stopped'))
    })
    expect((await env.console.state(definition.id)).nodes.map((n) => n.state)).toEqual(['Up', 'Up'])
    const r = await env.console.nodeService(definition.id, 'win2', 'stop')
    expect(r).toMatchObject({ node: 'win2', nodeState: 'Down', message: 'The Cluster Service is stopped on win2.' })
    expect(env.nodes.win2.runs.map((x) => [x.name, x.params])).toEqual([
      ['agent-feed', { periodSeconds: 60, maxSeconds: 3590 }],
      ['deploy-service', { action: 'stop' }]
    ])
    const win2 = (await env.console.state(definition.id)).nodes.find((n) => n.name === 'win2')!
    expect(win2.problem).toMatch(/no havip-agent is listening on \\\\\.\\pipe\\havip-agent/)
  })

  it('a Windows node whose agent is stopped shows Down with the reason; a Move to it is refused without sending anything', async () => {
    const env = await twoWindowsNodes({ win1: { 'agent-feed': 'win1-master' }, win2: { 'agent-feed': 'agent-stopped' } }, () => {})
    const s = await env.console.state(definition.id)
    const win2 = s.nodes.find((n) => n.name === 'win2')!
    expect(win2.state).toBe('Down')
    expect(win2.problem).toMatch(/no havip-agent is listening on \\\\\.\\pipe\\havip-agent/)
    await expect(env.console.move(definition.id, 'vip1', 'win2')).rejects.toMatchObject({ error: { kind: 'conflict', message: expect.stringMatching(/cannot move to win2: the Cluster Service is stopped on win2/) } })
    expect(env.nodes.win2.runs.map((r) => r.name)).toEqual(['agent-feed'])
  })
})
