// The backend's log: every service writes through one function, which becomes a
// 'backend.log' API event (shown in the app's log pane, printed by the CLI).
import type { EventHub } from './events'

export type LogLevel = 'info' | 'warn' | 'error'

/** Log one line; `node` names the host it concerns, if any. */
export type BackendLog = (level: LogLevel, message: string, node?: string) => void

export function createBackendLog(events: EventHub): BackendLog {
  return (level, message, node) => {
    events.emit('backend.log', { at: new Date().toISOString(), level, message, ...(node ? { node } : {}) })
  }
}
