// Time and timers of the live-state services, injected so tests run them on a fake clock.
export type TimerHandle = unknown

export interface LiveClock {
  /** Milliseconds since the epoch. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(h: TimerHandle | undefined): void
}

export const systemClock: LiveClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    // Background refreshes must not keep a CLI or a test process alive.
    t.unref?.()
    return t
  },
  clearTimeout: (h) => {
    if (h !== undefined) clearTimeout(h as ReturnType<typeof setTimeout>)
  }
}
