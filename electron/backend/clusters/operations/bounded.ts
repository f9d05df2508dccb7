// Work on many nodes at once, but not on all 32 at once: SSH handshakes and uploads share the
// desktop's CPU and link. Every item runs to its end (settled), so one failed node never leaves
// another half done because the operation stopped waiting for it.

/** Nodes worked on at the same time. */
export const NODE_CONCURRENCY = 8

export async function settleBounded<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>, limit = NODE_CONCURRENCY): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!, i) }
      } catch (reason) {
        results[i] = { status: 'rejected', reason }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()))
  return results
}

/** The first rejection's reason, or the values when all fulfilled. */
export function allOrFirstError<R>(results: PromiseSettledResult<R>[]): R[] {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return results.map((r) => (r as PromiseFulfilledResult<R>).value)
}
