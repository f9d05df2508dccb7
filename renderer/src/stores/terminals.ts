import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ApiEventPayload, ApiOutput } from '@api/contract'
import { api } from '../services/api'
import { dropUnclaimedTerminalOutput, forgetTerminalOutput } from '../composables/terminalOutput'
import { displayName, useConnectionsStore, type Connection } from './connections'
import { useEventsStore } from './events'

export type LocalShellAvailability = ApiOutput<'terminal.capabilities'>['localShell']

/** One terminal tab: a shell on a node, or the local one. Its output goes to its xterm, not here. */
export interface TerminalTab {
  id: string
  kind: 'node' | 'local'
  connectionId?: string
  title: string
  user: string
  /** Set once the terminal ended: why, in words (also written into the terminal). */
  ended?: ApiEventPayload<'terminal.exit'>
}

/** The size a terminal opens with; its view fits it to the pane right after. */
const INITIAL_SIZE = { cols: 100, rows: 30 }

/** Open terminals as tabs, which one is shown, and whether the local shell can be opened here. */
export const useTerminalsStore = defineStore('terminals', () => {
  const tabs = ref<TerminalTab[]>([])
  const activeId = ref<string | null>(null)
  /** Whether the centre pane shows the terminals (instead of the tree's selection). */
  const shown = ref(false)
  const localShell = ref<LocalShellAvailability | null>(null)
  /** terminal.open calls in flight: their first output may come before their answer. */
  const opening = ref(0)

  const active = computed(() => tabs.value.find((t) => t.id === activeId.value))

  function has(id: string): boolean {
    return tabs.value.some((t) => t.id === id)
  }

  async function loadCapabilities(): Promise<void> {
    try {
      localShell.value = (await api.call('terminal.capabilities', {})).localShell
    } catch {
      localShell.value = null
    }
  }

  async function openTerminal(request: { kind: 'node'; connectionId: string } | { kind: 'local' }): Promise<TerminalTab> {
    opening.value += 1
    try {
      const info = await api.call('terminal.open', { ...request, ...INITIAL_SIZE })
      const tab: TerminalTab = {
        id: info.id,
        kind: info.kind,
        title: info.title,
        user: info.user,
        ...(info.connectionId ? { connectionId: info.connectionId } : {})
      }
      tabs.value = [...tabs.value, tab]
      show(tab.id)
      return tab
    } finally {
      opening.value -= 1
      if (opening.value === 0) dropUnclaimedTerminalOutput(new Set(tabs.value.map((t) => t.id)))
    }
  }

  function openForConnection(c: Connection): Promise<TerminalTab> {
    return openTerminal({ kind: 'node', connectionId: c.id })
  }

  /** The tab's name: user@ the node as the tree names it (its hostname once its facts are read, which may be after the terminal opened). */
  function titleOf(tab: TerminalTab): string {
    const c = tab.connectionId ? useConnectionsStore().byId(tab.connectionId) : undefined
    if (!c) return tab.title
    const name = displayName(c)
    return name.includes('@') ? name : `${tab.user}@${name}`
  }

  function openLocal(): Promise<TerminalTab> {
    return openTerminal({ kind: 'local' })
  }

  function show(id: string): void {
    if (!has(id)) return
    activeId.value = id
    shown.value = true
  }

  function hide(): void {
    shown.value = false
  }

  /** Close the tab; ends the terminal first if it still runs. */
  async function close(id: string): Promise<void> {
    const tab = tabs.value.find((t) => t.id === id)
    if (!tab) return
    if (!tab.ended) await api.call('terminal.close', { id }).catch(() => {})
    const i = tabs.value.indexOf(tab)
    tabs.value = tabs.value.filter((t) => t.id !== id)
    forgetTerminalOutput(id)
    if (activeId.value === id) {
      const next = tabs.value[Math.min(i, tabs.value.length - 1)]
      activeId.value = next?.id ?? null
      if (!next) shown.value = false
    }
  }

  /** Terminals the backend runs that this window has no tab for (after a reload): tabs again, without their past output. */
  function adopt(running: ApiOutput<'terminal.list'>): void {
    const missing = running.filter((t) => !has(t.id))
    if (missing.length === 0) return
    tabs.value = [
      ...tabs.value,
      ...missing.map((t): TerminalTab => ({ id: t.id, kind: t.kind, title: t.title, user: t.user, ...(t.connectionId ? { connectionId: t.connectionId } : {}) }))
    ]
    activeId.value ??= missing[0]!.id
  }

  function applyExit(e: ApiEventPayload<'terminal.exit'>): void {
    const tab = tabs.value.find((t) => t.id === e.id)
    if (!tab) return
    tab.ended = e
    if (e.reason !== 'closed' || e.message !== 'Terminal closed.') {
      useEventsStore().push({
        at: new Date().toISOString(),
        level: e.reason === 'dropped' || e.reason === 'error' ? 'warn' : 'info',
        message: `Terminal ${titleOf(tab)}: ${e.message}`
      })
    }
  }

  return { tabs, activeId, active, shown, localShell, opening, has, titleOf, loadCapabilities, openForConnection, openLocal, show, hide, close, adopt, applyExit }
})
