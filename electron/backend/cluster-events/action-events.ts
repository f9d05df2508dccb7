// The admin's console actions (Move, Pause, Resume, Stop/Start Cluster Service) as events of
// their cluster: one when the action ends, with its result in words, or its error (naming the
// node) when it failed. The action's own result or error goes back to the caller unchanged.
import type { EventInput } from './event-record'

export interface ActionRecorder {
  record(clusterId: string, inputs: readonly EventInput[]): unknown
}

export async function recordedAction<T>(
  events: ActionRecorder,
  a: { clusterId: string; what: string; node?: string | undefined; role?: string | undefined },
  run: () => Promise<T>,
  outcome: (result: T) => { message: string; warn?: boolean }
): Promise<T> {
  const base = { kind: 'action' as const, source: 'app' as const, ...(a.node ? { node: a.node } : {}), ...(a.role ? { role: a.role } : {}) }
  try {
    const result = await run()
    const o = outcome(result)
    events.record(a.clusterId, [{ ...base, at: Date.now(), level: o.warn ? 'warn' : 'info', message: `${a.what}: ${o.message}` }])
    return result
  } catch (err) {
    const e = err as { message?: string; error?: { message?: string; node?: string } }
    const why = e.error?.message ?? e.message ?? String(err)
    events.record(a.clusterId, [{ ...base, at: Date.now(), level: 'error', ...(!a.node && e.error?.node ? { node: e.error.node } : {}), message: `${a.what} failed: ${why}` }])
    throw err
  }
}

/** A node action's result in words: its message, and its warnings (a role that could not move back) as a warning. */
export function nodeActionOutcome(r: { message: string; warnings: Array<{ message: string }> }): { message: string; warn?: boolean } {
  return r.warnings.length > 0 ? { message: `${r.message}; ${r.warnings.map((w) => w.message).join('; ')}`, warn: true } : { message: r.message }
}
