// The actions that apply to the current selection, as FCM's Actions pane lists them: one
// section headed by the selected tree item, and a second one for the item picked in the
// centre list. The Actions pane, the Action menu and the tree's context menu all render this.
import { computed, ref, type ComputedRef } from 'vue'
import { api } from '../services/api'
import { useConnectionsStore, displayName, type Connection } from '../stores/connections'
import { useDialogsStore } from '../stores/dialogs'
import { useEventsStore } from '../stores/events'
import { useNodeFactsStore } from '../stores/facts'
import { useSelectionStore, type Selection } from '../stores/selection'
import { useValidationStore } from '../stores/validation'
import { describeError, type ErrorView } from './useApiError'
import { useTerminalActions } from './useTerminalActions'
import { useClustersStore } from '../stores/clusters'
import { useClusterActions } from './useClusterActions'

export type ActionIcon =
  | 'connect'
  | 'refresh'
  | 'disconnect'
  | 'forget'
  | 'key'
  | 'cluster'
  | 'details'
  | 'validate'
  | 'report'
  | 'add'
  | 'remove'
  | 'export'
  | 'destroy'
  | 'roles'
  | 'server'
  | 'terminal'

export interface UiAction {
  id: string
  label: string
  icon: ActionIcon
  /** Why it is disabled, shown next to it; undefined when enabled. */
  disabledReason?: string
  danger?: boolean
  run: () => void | Promise<void>
}

export interface ActionSection {
  title: string
  actions: UiAction[]
}

/** The last action that failed, shown at the top of the Actions pane until dismissed. */
const actionError = ref<ErrorView | null>(null)
const busyActionId = ref<string | null>(null)

export function useActions(): {
  sections: ComputedRef<ActionSection[]>
  actionError: typeof actionError
  busyActionId: typeof busyActionId
  runAction: (a: UiAction) => Promise<void>
} {
  const selection = useSelectionStore()
  const connections = useConnectionsStore()
  const dialogs = useDialogsStore()
  const facts = useNodeFactsStore()
  const events = useEventsStore()
  const validation = useValidationStore()
  const { openTerminalAction, localShellAction, terminalsSection } = useTerminalActions()
  const clusters = useClustersStore()
  const { createClusterAction, connectClusterAction, clusterSections } = useClusterActions()

  async function runAction(a: UiAction): Promise<void> {
    if (a.disabledReason || busyActionId.value) return
    busyActionId.value = a.id
    actionError.value = null
    try {
      await a.run()
    } catch (e) {
      const err = describeError(e)
      actionError.value = err
      events.push({ at: new Date().toISOString(), level: 'error', message: `${a.label}: ${err.message}` })
    } finally {
      busyActionId.value = null
    }
  }

  const connectAction: UiAction = {
    id: 'connect-node',
    label: 'Connect to node...',
    icon: 'connect',
    run: () => dialogs.openConnect()
  }

  /** Standalone, before any cluster exists; a cluster will open the same wizard with a preset. */
  const validateAction: UiAction = {
    id: 'validate-configuration',
    label: 'Validate Configuration...',
    icon: 'validate',
    run: () => validation.openWizard()
  }

  /** The last run's report, until the next run replaces it. */
  function reportAction(): UiAction[] {
    if (!validation.run.report || validation.running) return []
    return [{ id: 'view-validation-report', label: 'View Validation Report...', icon: 'report', run: () => void (validation.reportOpen = true) }]
  }

  function refreshConnectionsAction(): UiAction {
    return { id: 'refresh-connections', label: 'Refresh', icon: 'refresh', run: () => connections.load() }
  }

  function connectionActions(c: Connection, asTreeSelection: boolean): UiAction[] {
    const list: UiAction[] = []
    if (c.state === 'connected') {
      list.push({
        id: 'refresh-facts',
        label: 'Refresh',
        icon: 'refresh',
        run: () => facts.load(c.id, true)
      })
      list.push(...openTerminalAction(c))
    }
    if (!asTreeSelection) {
      list.push({
        id: 'show-node',
        label: 'Show details',
        icon: 'details',
        run: () => selection.select({ kind: 'connection', id: c.id })
      })
    }
    if (c.state === 'connected' || c.state === 'connecting') {
      list.push({
        id: 'disconnect',
        label: 'Disconnect',
        icon: 'disconnect',
        run: async () => {
          await connections.disconnect(c.id)
        }
      })
    } else {
      list.push({
        id: 'reconnect',
        label: 'Connect...',
        icon: 'connect',
        run: () => dialogs.openReconnect(c)
      })
    }
    list.push({
      id: 'forget-connection',
      label: 'Forget connection...',
      icon: 'forget',
      danger: true,
      run: async () => {
        const ok = await dialogs.ask({
          title: 'Forget connection',
          message: `Forget the saved connection to ${displayName(c)} (${c.username}@${c.host})?`,
          detail:
            'This closes the session and removes the saved entry and any remembered password. The pinned host key stays until you forget it separately.',
          confirmLabel: 'Forget connection',
          danger: true
        })
        if (!ok) return
        await connections.forget(c.id)
        facts.drop(c.id)
        if (selection.selected.kind === 'connection' && selection.selected.id === c.id) {
          selection.select({ kind: 'connections' })
        }
      }
    })
    list.push({
      id: 'forget-host-key',
      label: 'Forget pinned host key...',
      icon: 'key',
      danger: true,
      run: async () => {
        const ok = await dialogs.ask({
          title: 'Forget pinned host key',
          message: `Remove the pinned host key of ${c.host} port ${c.port}?`,
          detail:
            'The next connection will show the node\'s key fingerprint again and ask you to trust it. Do this only when you know why the key changed (node reinstalled, keys regenerated) and can verify the new fingerprint on the node.',
          confirmLabel: 'Forget host key',
          danger: true
        })
        if (!ok) return
        await api.call('hostKeys.forget', { host: c.host, port: c.port })
        events.push({
          at: new Date().toISOString(),
          level: 'warn',
          message: `Pinned host key of ${c.host}:${c.port} forgotten`,
          node: c.host
        })
      }
    })
    return list
  }

  function sectionsFor(sel: Selection): ActionSection[] {
    switch (sel.kind) {
      case 'root':
        return [
          {
            title: 'HAVIP Manager',
            actions: [
              validateAction,
              ...reportAction(),
              createClusterAction,
              connectClusterAction,
              connectAction,
              refreshConnectionsAction(),
              localShellAction()
            ]
          }
        ]
      case 'clusters':
        return [
          {
            title: 'Clusters',
            actions: [
              validateAction,
              ...reportAction(),
              createClusterAction,
              connectClusterAction,
              connectAction,
              { id: 'refresh-clusters', label: 'Refresh', icon: 'refresh', run: () => clusters.load() }
            ]
          }
        ]
      case 'cluster':
      case 'cluster-part':
        return clusterSections(sel)
      case 'cluster-events':
        return clusterSections({ kind: 'cluster', id: sel.id })
      case 'connections': {
        const out: ActionSection[] = [
          { title: 'Connections', actions: [connectAction, validateAction, ...reportAction(), refreshConnectionsAction(), localShellAction()] }
        ]
        const picked = selection.listConnectionId ? connections.byId(selection.listConnectionId) : undefined
        if (picked) out.push({ title: displayName(picked), actions: connectionActions(picked, false) })
        return out
      }
      case 'connection': {
        const c = connections.byId(sel.id)
        if (!c) return [{ title: 'Connection', actions: [connectAction] }]
        return [{ title: displayName(c), actions: connectionActions(c, true) }]
      }
      case 'reachability':
        // The graph's own controls (start, stop, window, export) sit above it in the view.
        return [{ title: `Reachability of ${sel.role}`, actions: [validateAction, connectAction] }]
    }
  }

  const sections = computed(() => [...sectionsFor(selection.selected), ...terminalsSection()])

  return { sections, actionError, busyActionId, runAction }
}
