// Wires the terminal events into the terminals: output to the xterm of its tab (never into a
// store), exits into the tabs. Also: what the local shell can do here; terminals the backend
// still runs after a reload of this window come back as tabs; and after the link to the
// backend was down (browser mode), output sent meanwhile was lost, so it is acknowledged in
// full, or a paused terminal would wait for acknowledgements that never come.
import { onBeforeUnmount, watch } from 'vue'
import { api } from '../services/api'
import { useSelectionStore } from '../stores/selection'
import { useTerminalsStore } from '../stores/terminals'
import { routeTerminalOutput } from './terminalOutput'

export function useTerminalEvents(): void {
  const terminals = useTerminalsStore()
  const selection = useSelectionStore()

  const offOutput = api.on('terminal.output', (e) => {
    // Output of terminals this window does not show (another browser tab's) is not kept.
    if (terminals.has(e.id) || terminals.opening > 0) routeTerminalOutput(e.id, e.data)
  })
  const offExit = api.on('terminal.exit', (e) => terminals.applyExit(e))
  let wasOpen = api.status === 'open'
  const offStatus = api.onStatus((s) => {
    if (s === 'open' && !wasOpen) void resync()
    wasOpen = s === 'open'
  })

  // Choosing something in the tree shows it; the terminals stay open behind it.
  watch(
    () => selection.selected,
    () => terminals.hide()
  )

  async function resync(): Promise<void> {
    try {
      const running = await api.call('terminal.list', {})
      terminals.adopt(running)
      for (const t of running) {
        if (t.flow.unackedChars > 0) await api.call('terminal.ack', { id: t.id, chars: t.flow.unackedChars })
      }
    } catch {
      // The next reconnect tries again.
    }
  }

  void terminals.loadCapabilities()
  void resync()

  onBeforeUnmount(() => {
    offOutput()
    offExit()
    offStatus()
  })
}
