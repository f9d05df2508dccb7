// The console's actions on a running cluster, as FCM has them (issue 12, "Actions"): on a role,
// Move to the Best Possible Node or Select Node..., Simulate Failure... of its owner; on a node, Pause (Drain Roles / Do Not
// Drain), Resume (Fail Roles Back / Do Not Fail Roles Back), Stop / Start Cluster Service.
// Each asks first where it interrupts service, shows progress in the live-state store and ends
// in its result (who holds the role now, the measured outage) or the error naming the node.
import { api } from '../services/api'
import { useDialogsStore } from '../stores/dialogs'
import { drillDurationText, failoverTakers, moveBlocked, moveResultText, moveTargets, nodeActionBlocked, nodeActionText, simulateBlocked, simulateResultText } from '../stores/live-state-model'
import { useLiveStateStore } from '../stores/live-state'
import type { UiAction } from './useActions'

export function useLiveActions(): {
  roleActions: (role: string) => UiAction[]
  nodeActions: (node: string) => UiAction[]
  move: (role: string, to?: string) => Promise<void>
  simulateFailure: (role: string, owner: string, durationMs: number) => Promise<void>
} {
  const live = useLiveStateStore()
  const dialogs = useDialogsStore()

  async function move(role: string, to?: string): Promise<void> {
    const clusterId = live.clusterId
    if (!clusterId) return
    const target = to ?? 'the best possible node'
    await live.runAction(`Move ${role}`, `Moving ${role} to ${target} (planned takeover, then release)...`, async () => {
      const r = await api.call('clusters.move', { clusterId, role, ...(to ? { to } : {}) })
      return [moveResultText(r)]
    })
  }

  async function simulateFailure(role: string, owner: string, durationMs: number): Promise<void> {
    const clusterId = live.clusterId
    if (!clusterId) return
    const d = drillDurationText(durationMs)
    await live.runAction(`Simulate Failure of ${role}`, `${owner} acts as if its health check failed for ${d}; waiting for another node to take ${role}...`, async () =>
      simulateResultText(await api.call('clusters.simulateFailure', { clusterId, role, durationMs }))
    )
  }

  function roleActions(role: string): UiAction[] {
    const s = live.state
    if (!s) return []
    const blocked = moveBlocked(s, role)
    return [
      {
        id: 'live-move-best',
        label: 'Move → Best Possible Node',
        icon: 'roles',
        disabledReason: blocked,
        run: async () => {
          const ok = await dialogs.ask({
            title: 'Move role',
            message: `Move ${role} to the best possible node?`,
            detail: 'The new owner takes the VIP over before the current one releases it; clients may see a brief interruption.',
            confirmLabel: 'Move'
          })
          if (ok) await move(role)
        }
      },
      {
        id: 'live-move-select',
        label: 'Move → Select Node...',
        icon: 'roles',
        disabledReason: blocked,
        run: () => void (live.movePick = { role, targets: moveTargets(s, role) })
      },
      {
        id: 'live-simulate-failure',
        label: 'Simulate Failure...',
        icon: 'roles',
        danger: true,
        disabledReason: simulateBlocked(s, role),
        run: () => {
          const r = s.roles.find((x) => x.name === role)
          if (r?.owner) live.simulatePick = { role, owner: r.owner, failback: r.failback, takers: failoverTakers(s, role) }
        }
      }
    ]
  }

  function nodeActions(name: string): UiAction[] {
    const n = live.state?.nodes.find((x) => x.name === name)
    const clusterId = live.clusterId
    if (!n || !clusterId) return []
    const ask = (title: string, message: string, detail: string): Promise<boolean> => dialogs.ask({ title, message, detail, confirmLabel: title })
    const act = (id: string, label: string, blocked: string | undefined, confirm: (() => Promise<boolean>) | null, progress: string, call: () => Promise<Parameters<typeof nodeActionText>[0]>): UiAction => ({
      id,
      label,
      icon: 'server',
      disabledReason: blocked,
      run: async () => {
        if (confirm && !(await confirm())) return
        await live.runAction(label.replace(' → ', ': '), progress, async () => nodeActionText(await call()))
      }
    })
    return [
      act('live-pause-drain', 'Pause → Drain Roles', nodeActionBlocked(n, 'pause'), () => ask('Pause node', `Pause ${name} and move its roles away first?`, 'Roles it holds move to other nodes (a brief interruption each); it stays out of elections until Resume.'), `Draining ${name}'s roles, then pausing it...`, () => api.call('clusters.pauseNode', { clusterId, node: name, drain: true })),
      act('live-pause-nodrain', 'Pause → Do Not Drain', nodeActionBlocked(n, 'pause'), () => ask('Pause node', `Pause ${name} without moving its roles first?`, 'A role it holds fails over the unplanned way: clients see an outage until a backup takes over.'), `Pausing ${name}...`, () => api.call('clusters.pauseNode', { clusterId, node: name, drain: false })),
      act('live-resume-failback', 'Resume → Fail Roles Back', nodeActionBlocked(n, 'resume'), () => ask('Resume node', `Resume ${name} and move the roles that prefer it back?`, 'Each role moved back has a brief interruption.'), `Resuming ${name} and failing roles back...`, () => api.call('clusters.resumeNode', { clusterId, node: name, failback: true })),
      act('live-resume-nofailback', 'Resume → Do Not Fail Roles Back', nodeActionBlocked(n, 'resume'), null, `Resuming ${name}...`, () => api.call('clusters.resumeNode', { clusterId, node: name, failback: false })),
      act('live-service-stop', 'Stop Cluster Service', nodeActionBlocked(n, 'stop'), () => ask('Stop Cluster Service', `Stop the Cluster Service on ${name}?`, 'Its agent stops: any role it holds fails over to another node, with an outage until a backup takes over.'), `Stopping the Cluster Service on ${name}...`, () => api.call('clusters.nodeService', { clusterId, node: name, action: 'stop' })),
      act('live-service-start', 'Start Cluster Service', nodeActionBlocked(n, 'start'), null, `Starting the Cluster Service on ${name}...`, () => api.call('clusters.nodeService', { clusterId, node: name, action: 'start' }))
    ]
  }

  return { roleActions, nodeActions, move, simulateFailure }
}
