// A small typed event hub for the backend's API events (the table in electron/api/contract.ts).
// Transports subscribe once per event name and forward to their clients.
import type { ApiEvent, ApiEventPayload, ApiEventSource } from '../api/contract'

export interface EventHub extends ApiEventSource {
  emit<E extends ApiEvent>(event: E, payload: ApiEventPayload<E>): void
  /** Drop every listener (on dispose). */
  clear(): void
}

export function createEventHub(onListenerError?: (event: ApiEvent, err: unknown) => void): EventHub {
  const listeners = new Map<ApiEvent, Set<(payload: never) => void>>()
  return {
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      const l = listener as (payload: never) => void
      set.add(l)
      return () => {
        set.delete(l)
      }
    },
    emit(event, payload) {
      // Copy: a listener may unsubscribe while we iterate.
      for (const l of [...(listeners.get(event) ?? [])]) {
        try {
          ;(l as (p: typeof payload) => void)(payload)
        } catch (err) {
          // One broken subscriber (e.g. a closed window) must not stop the others.
          onListenerError?.(event, err)
        }
      }
    },
    clear() {
      listeners.clear()
    }
  }
}
