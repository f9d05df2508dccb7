// The live console of a cluster made on two replayed Windows nodes (test/support/windows-cluster-node.ts),
// through a real backend's API table over real SSH: after Create, the nodes' agent-feed follows
// what each node was told (the service running: the status of role web; stopped: the agent-down
// marker; started again: the status). A replay: no agent runs; it proves the scripts the console
// sent and what it makes of the answers (fixtures written from our own agent's JSON format).
import { afterEach, describe, expect, it } from 'vitest'
import type { ClusterState } from '../../../../electron/api/console'
import { waitFor } from '../../../support/wait-for'
import { WINDOWS_ROLE } from '../../../support/windows-cluster-node'
import { makeWindowsClusterEnv, type WindowsClusterEnv } from '../../../support/windows-cluster-env'

const envs: WindowsClusterEnv[] = []
afterEach(async () => {
  for (const e of envs.splice(0)) await e.dispose()
})

const SKIP = 'replayed Windows nodes: validation is covered by its own replay tests'

/** Each node: its state and its state in role web. */
const summary = (s: ClusterState): string[] => s.nodes.map((n) => `${n.name} ${n.state} ${n.roles.map((r) => `${r.role}:${r.state}`).join(',')}`)

describe('the live console of a cluster on replayed Windows nodes', () => {
  it('shows the nodes as their service state says: Up with Master/Backup, Down with the agent-down reason once stopped, Up again once started', async () => {
    const e = await makeWindowsClusterEnv([
      { which: 1, role: 'master' },
      { which: 2, role: 'backup' }
    ])
    envs.push(e)
    const [n1, n2] = e.nodes as [(typeof e.nodes)[0], (typeof e.nodes)[0]]
    const ids = [await e.connect(n1), await e.connect(n2)]
    let clusterId = ''
    const report = await e.run(async () => {
      const r = await e.call('clusters.create', {
        name: 'web-win',
        nodes: ids.map((connectionId) => ({ connectionId })),
        role: { name: WINDOWS_ROLE.name, vip: WINDOWS_ROLE.vip, vrid: WINDOWS_ROLE.vrid, preferredOwners: ['WIN-NODE1'] },
        validation: { skipReason: SKIP }
      })
      clusterId = r.clusterId
      return r
    })
    expect(report.outcome).toBe('succeeded')

    let s: ClusterState | undefined
    const state = async (): Promise<ClusterState> => (s = await e.call('clusters.state', { clusterId }))
    await waitFor('both nodes heard', async () => (await state()).nodes.every((n) => n.state === 'Up'), 10_000, 50)
    expect(summary(s!)).toEqual(['WIN-NODE1 Up web:Master', 'WIN-NODE2 Up web:Backup'])
    expect(s!.roles[0]).toMatchObject({ name: 'web', owner: 'WIN-NODE1', state: 'Online' })
    // Each feed is the agent-feed script, held open.
    for (const n of [n1, n2]) expect(n.openStreams('agent-feed')).toBe(1)

    const stopped = await e.call('clusters.nodeService', { clusterId, node: 'WIN-NODE2', action: 'stop' })
    expect(stopped).toMatchObject({ node: 'WIN-NODE2', nodeState: 'Down', moves: [] })
    expect(n2.state.running).toBe(false)
    const down = (await state()).nodes.find((n) => n.name === 'WIN-NODE2')!
    expect(down.problem).toMatch(/no havip-agent is listening on \\\\\.\\pipe\\havip-agent/)
    expect(s!.roles[0]).toMatchObject({ owner: 'WIN-NODE1', state: 'Online' })

    const started = await e.call('clusters.nodeService', { clusterId, node: 'WIN-NODE2', action: 'start' })
    expect(started.node).toBe('WIN-NODE2')
    await waitFor('WIN-NODE2 Up again', async () => (await state()).nodes.every((n) => n.state === 'Up'), 10_000, 50)
    expect(summary(s!)).toEqual(['WIN-NODE1 Up web:Master', 'WIN-NODE2 Up web:Backup'])
    // The service was driven by the deploy-service script; the console sent no ctl command.
    expect(n2.steps().filter((x) => x.startsWith('deploy-service')).slice(-2)).toEqual(['deploy-service stop', 'deploy-service start'])
    expect(n2.agentCommands()).toEqual([])
  })
})
