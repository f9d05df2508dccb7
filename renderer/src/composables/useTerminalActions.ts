// The terminal actions of the Actions pane and context menus: "Open Terminal" on a connected
// node, "Local Shell" (disabled with the reason where node-pty is not available), and a
// "Terminals" section listing the open ones, to bring them back after browsing the tree.
import type { ActionSection, UiAction } from './useActions'
import type { Connection } from '../stores/connections'
import { useTerminalsStore } from '../stores/terminals'

export function useTerminalActions(): {
  openTerminalAction(c: Connection): UiAction[]
  localShellAction(): UiAction
  terminalsSection(): ActionSection[]
} {
  const terminals = useTerminalsStore()

  function openTerminalAction(c: Connection): UiAction[] {
    if (c.state !== 'connected') return []
    return [{ id: 'open-terminal', label: 'Open Terminal', icon: 'terminal', run: () => terminals.openForConnection(c).then(() => {}) }]
  }

  function localShellAction(): UiAction {
    const local = terminals.localShell
    const disabledReason =
      local === null ? 'Checking whether a local shell can be opened here...' : local.available ? undefined : `${local.reason} ${local.hint}`
    return {
      id: 'local-shell',
      label: 'Local Shell',
      icon: 'terminal',
      ...(disabledReason ? { disabledReason } : {}),
      run: () => terminals.openLocal().then(() => {})
    }
  }

  function terminalsSection(): ActionSection[] {
    if (terminals.tabs.length === 0) return []
    const actions: UiAction[] = terminals.tabs.map((t) => ({
      id: `show-terminal-${t.id}`,
      label: `${terminals.titleOf(t)}${t.ended ? ' (ended)' : ''}`,
      icon: 'terminal',
      run: () => terminals.show(t.id)
    }))
    const active = terminals.shown ? terminals.active : undefined
    if (active) actions.push({ id: 'close-terminal', label: 'Close Terminal', icon: 'disconnect', run: () => terminals.close(active.id) })
    return [{ title: `Terminals (${terminals.tabs.length})`, actions }]
  }

  return { openTerminalAction, localShellAction, terminalsSection }
}
