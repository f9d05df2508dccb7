// The live reachability graph's state in the renderer: one probe session at a time (the open
// graph view's), its sources' full-resolution history in ring buffers (an hour each), the
// transitions with their measured outages, and source errors. The ring buffers are not
// reactive (36,000 samples per source would make Vue track every one); `revision` ticks on
// each batch so the chart knows to redraw.
import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import type { ApiInput } from '../../../electron/api/contract'
import type { ReachabilitySession, ReachabilityTransition } from '../../../electron/api/reachability'
import { api } from '../services/api'
import { SampleRing } from './reachability-series'

/** An hour of history at the session's interval. */
export const HISTORY_MS = 3600_000

export interface SourceError {
  sourceId: string
  message: string
  hint?: string
}

export const useReachabilityStore = defineStore('reachability', () => {
  const session = shallowRef<ReachabilitySession | null>(null)
  const rings = shallowRef<Map<string, SampleRing>>(new Map())
  const transitions = ref<ReachabilityTransition[]>([])
  const errors = ref<SourceError[]>([])
  const revision = ref(0)
  const starting = ref(false)
  /** Probing now (false after stop, with the last session's data still shown). */
  const active = ref(false)
  let off: Array<() => void> = []

  function listen(): void {
    off.push(
      api.on('reachability.samples', (e) => {
        if (e.sessionId !== session.value?.sessionId) return
        for (const b of e.batches) {
          const ring = rings.value.get(b.sourceId)
          if (!ring) continue
          for (let i = 0; i < b.t.length; i++) ring.push(b.t[i]!, b.rtt[i] ?? null)
        }
        revision.value++
      }),
      api.on('reachability.transition', (e) => {
        if (e.sessionId !== session.value?.sessionId) return
        const i = transitions.value.findIndex((t) => t.transitionId === e.transitionId)
        if (i >= 0) transitions.value.splice(i, 1, e)
        else transitions.value.push(e)
        revision.value++
      }),
      api.on('reachability.sourceError', (e) => {
        if (e.sessionId !== session.value?.sessionId) return
        errors.value.push({ sourceId: e.sourceId, message: e.message, ...(e.hint ? { hint: e.hint } : {}) })
      })
    )
  }

  async function start(request: ApiInput<'reachability.start'>): Promise<void> {
    await stop()
    starting.value = true
    try {
      listen()
      const s = await api.call('reachability.start', request)
      const capacity = Math.ceil(HISTORY_MS / s.intervalMs)
      rings.value = markRaw(new Map(s.sources.map((src) => [src.id, new SampleRing(capacity)])))
      transitions.value = []
      errors.value = []
      session.value = s
      active.value = true
    } catch (e) {
      unlisten()
      throw e
    } finally {
      starting.value = false
    }
  }

  function unlisten(): void {
    for (const f of off) f()
    off = []
  }

  /** Stops probing; what was probed stays on screen until the next start. */
  async function stop(): Promise<void> {
    unlisten()
    const s = session.value
    if (!s || !active.value) return
    active.value = false
    await api.call('reachability.stop', { sessionId: s.sessionId })
  }

  return { session, rings, transitions, errors, revision, starting, active, start, stop }
})
