/**
 * The one way tests wait for a condition: poll `fn` until it returns a truthy value, bounded in
 * time, and fail with a message that says what never happened (and the last error `fn` threw).
 * Use it instead of fixed sleeps wherever there is something to wait for.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  everyMs = 50
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() >= deadline) break
    await sleep(Math.min(everyMs, Math.max(1, deadline - Date.now())))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`)
}
