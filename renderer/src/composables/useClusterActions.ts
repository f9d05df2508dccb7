// The Actions pane's cluster sections, as FCM lists them: for a cluster (Configure Role, Add
// Node, Validate, Export, Destroy, Forget; only Retry Clean-up and Forget once a Destroy left
// something on a node), for the node or role picked in its lists (Evict, Connect; change or
// remove the role), and the global Create Cluster / Connect to Cluster.
import type { ClusterNodeStatus, ClusterView } from '@api/cluster'
import { destroyIncompleteShort } from '@api/destroy-incomplete'
import { api } from '../services/api'
import { useClustersStore } from '../stores/clusters'
import { useConnectionsStore } from '../stores/connections'
import { useCreateClusterStore } from '../stores/create-cluster'
import { useDialogsStore } from '../stores/dialogs'
import { useSelectionStore, type Selection } from '../stores/selection'
import { useValidationStore } from '../stores/validation'
import type { ActionSection, UiAction } from './useActions'
import { useLiveActions } from './useLiveActions'
import { useLiveStateStore } from '../stores/live-state'

export function useClusterActions(): {
  createClusterAction: UiAction
  connectClusterAction: UiAction
  clusterSections: (sel: Extract<Selection, { kind: 'cluster' | 'cluster-part' }>) => ActionSection[]
  connectNode: (n: ClusterNodeStatus) => void
  retryCleanup: (id: string) => void
  forgetCluster: (id: string, title: string) => Promise<void>
} {
  const clusters = useClustersStore()
  const connections = useConnectionsStore()
  const create = useCreateClusterStore()
  const dialogs = useDialogsStore()
  const selection = useSelectionStore()
  const validation = useValidationStore()
  const live = useLiveStateStore()
  const liveActions = useLiveActions()

  const createClusterAction: UiAction = { id: 'create-cluster', label: 'Create Cluster...', icon: 'cluster', run: () => create.open() }
  const connectClusterAction: UiAction = {
    id: 'connect-cluster',
    label: 'Connect to Cluster...',
    icon: 'connect',
    run: () => dialogs.openCluster({ kind: 'connect-cluster' })
  }

  /** The Connect dialog for a node the app could not use: its saved connection, or its address from the definition. */
  function connectNode(n: ClusterNodeStatus): void {
    const saved = n.connectionId ? connections.byId(n.connectionId) : undefined
    if (saved) dialogs.openReconnect(saved)
    else dialogs.openConnect({ host: n.host, port: n.port, username: n.username })
  }

  function nodeActions(view: ClusterView, n: ClusterNodeStatus): UiAction[] {
    const id = view.definition.id
    const name = view.definition.name
    const list: UiAction[] = []
    if (n.reach !== 'connected') list.push({ id: 'connect-cluster-node', label: 'Connect...', icon: 'connect', run: () => connectNode(n) })
    if (n.connectionId && connections.byId(n.connectionId)) {
      const cid = n.connectionId
      list.push({ id: 'show-node-connection', label: 'Show connection', icon: 'details', run: () => selection.select({ kind: 'connection', id: cid }) })
    }
    list.push({
      id: 'evict-node',
      label: 'Evict Node...',
      icon: 'remove',
      danger: true,
      disabledReason: view.definition.nodes.length <= 1 ? 'The last node cannot be evicted: destroy the cluster instead.' : undefined,
      run: async () => {
        const ok = await dialogs.ask({
          title: 'Evict Node',
          message: `Evict ${n.name} from the cluster ${name}?`,
          detail: `The roles ${n.name} holds move to another node first; then its agent is stopped and removed, and every other node goes to the next generation without it. ${n.name} itself is left as it was before it joined.`,
          confirmLabel: 'Evict Node',
          danger: true
        })
        if (ok) clusters.runInDialog('evict-node', id, name, () => api.call('clusters.evictNode', { clusterId: id, node: n.name }))
      }
    })
    return list
  }

  function roleActions(view: ClusterView, roleName: string): UiAction[] {
    const id = view.definition.id
    const name = view.definition.name
    return [
      { id: 'reachability-graph', label: 'Show Reachability Graph', icon: 'roles', run: () => selection.select({ kind: 'reachability', clusterId: id, role: roleName }) },
      { id: 'change-role', label: 'Configure Role...', icon: 'roles', run: () => dialogs.openCluster({ kind: 'configure-role', clusterId: id, role: roleName }) },
      {
        id: 'remove-role',
        label: 'Remove Role...',
        icon: 'remove',
        danger: true,
        run: async () => {
          const role = view.definition.roles.find((r) => r.name === roleName)
          const ok = await dialogs.ask({
            title: 'Remove Role',
            message: `Remove the role ${roleName}${role ? ` (${role.vip})` : ''} from ${name}?`,
            detail: 'Its VIP goes offline: the master removes the address and every node stops that VRRP instance. Clients of this address lose it.',
            confirmLabel: 'Remove Role',
            danger: true
          })
          if (ok) clusters.runInDialog('remove-role', id, name, () => api.call('clusters.removeRole', { clusterId: id, role: roleName }))
        }
      }
    ]
  }

  /** Forget: the cluster leaves this desktop's list; its nodes are not touched. */
  async function forgetCluster(id: string, title: string): Promise<void> {
    const partly = clusters.byId(id)?.destroyIncomplete
    const ok = await dialogs.ask({
      title: 'Forget cluster',
      message: `Remove ${title} from this desktop's list?`,
      detail: partly
        ? `The nodes are not touched: what the Destroy left there (${destroyIncompleteShort(partly)}) stays, and this desktop no longer offers to clean it up. Clean those nodes by hand, or Connect to Cluster by a node's address and destroy it again.`
        : 'The nodes are not touched: the cluster keeps running, and Connect to Cluster with any node\'s address brings it back.',
      confirmLabel: 'Forget',
      danger: true
    })
    if (!ok) return
    await clusters.forget(id)
    selection.select({ kind: 'clusters' })
  }

  /** Retry the clean-up of a Destroy that left something on a node: the same Destroy again (already confirmed by name once). */
  function retryCleanup(id: string): void {
    const known = clusters.byId(id)
    if (!known) return
    clusters.runInDialog('destroy', id, known.name, () => api.call('clusters.destroy', { clusterId: id, confirmName: known.name }))
  }

  function clusterSections(sel: Extract<Selection, { kind: 'cluster' | 'cluster-part' }>): ActionSection[] {
    const known = clusters.byId(sel.id)
    const view = clusters.entry(sel.id).view
    const title = known?.name ?? view?.definition.name ?? 'Cluster'
    if (known?.destroyIncomplete) {
      // Partly destroyed: the only ways on are finishing the clean-up or forgetting the cluster.
      return [
        {
          title,
          actions: [
            { id: 'retry-cleanup', label: 'Retry Clean-up', icon: 'destroy', danger: true, run: () => retryCleanup(sel.id) },
            { id: 'refresh-cluster', label: 'Refresh', icon: 'refresh', run: () => clusters.refresh(sel.id) },
            { id: 'forget-cluster', label: 'Forget', icon: 'forget', danger: true, run: () => forgetCluster(sel.id, title) }
          ]
        }
      ]
    }
    const notRead = view ? undefined : 'Waiting for the cluster\'s definition from its nodes (Refresh).'
    const actions: UiAction[] = [
      { id: 'configure-role', label: 'Configure Role...', icon: 'roles', disabledReason: notRead, run: () => dialogs.openCluster({ kind: 'configure-role', clusterId: sel.id, role: null }) },
      { id: 'add-node', label: 'Add Node...', icon: 'add', disabledReason: notRead, run: () => dialogs.openCluster({ kind: 'add-node', clusterId: sel.id }) },
      {
        id: 'validate-cluster',
        label: 'Validate Cluster...',
        icon: 'validate',
        disabledReason: notRead,
        run: () => {
          const d = view!.definition
          const role = d.roles[0]
          const ids = view!.nodes.flatMap((n) => (n.connectionId ? [n.connectionId] : []))
          validation.openWizard({
            connectionIds: ids,
            interfaces: Object.fromEntries(view!.nodes.flatMap((n) => {
              const def = d.nodes.find((x) => x.name === n.name)
              return n.connectionId && def ? [[n.connectionId, def.interface]] : []
            })),
            ...(role ? { vip: role.vip, vrid: role.vrid, advertIntervalMs: role.advertIntervalMs, mode: role.mode } : {})
          })
        }
      },
      { id: 'export-cluster', label: 'Export...', icon: 'export', disabledReason: notRead, run: () => dialogs.openCluster({ kind: 'export', clusterId: sel.id }) },
      { id: 'refresh-cluster', label: 'Refresh', icon: 'refresh', run: () => clusters.refresh(sel.id) },
      { id: 'destroy-cluster', label: 'Destroy Cluster...', icon: 'destroy', danger: true, disabledReason: notRead, run: () => dialogs.openCluster({ kind: 'destroy', clusterId: sel.id }) },
      { id: 'forget-cluster', label: 'Forget', icon: 'forget', danger: true, run: () => forgetCluster(sel.id, title) }
    ]
    const out: ActionSection[] = [{ title, actions }]
    const pick = selection.listPick
    if (view && pick?.kind === 'cluster-node') {
      const n = view.nodes.find((x) => x.name === pick.name)
      if (n) out.push({ title: `Node ${n.name}`, actions: [...(live.clusterId === sel.id ? liveActions.nodeActions(n.name) : []), ...nodeActions(view, n)] })
    }
    if (view && pick?.kind === 'cluster-role' && view.definition.roles.some((r) => r.name === pick.name)) {
      out.push({ title: `Role ${pick.name}`, actions: [...(live.clusterId === sel.id ? liveActions.roleActions(pick.name) : []), ...roleActions(view, pick.name)] })
    }
    return out
  }

  return { createClusterAction, connectClusterAction, clusterSections, connectNode, retryCleanup, forgetCluster }
}
