// The backend's log: every service writes through one function, which becomes a
// 'backend.log' API event (shown in the app's log pane, printed by the CLI).
import { clip } from '../api/limits'
import type { EventHub } from './events'

export type LogLevel = 'info' | 'warn' | 'error'

/** Log one line; `node` names the host it concerns, if any. */
export type BackendLog = (level: LogLevel, message: string, node?: string) => void

export function createBackendLog(events: EventHub): BackendLog {
  return (level, message, node) => {
    // Clipped to the event schema's limits: a node's long stderr must not make an oversized event.
    events.emit('backend.log', {
      at: new Date().toISOString(),
      level,
      message: clip(message, 'message'),
      ...(node ? { node: clip(node, 'host') } : {})
    })
  }
}
