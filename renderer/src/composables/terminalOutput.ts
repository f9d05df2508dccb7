// Where 'terminal.output' events go: to the xterm of that terminal, once it is mounted. Output
// that arrives before (between terminal.open and the view's mount) waits here; flow control
// bounds it, because nothing is acknowledged until an xterm has written it. Kept out of Pinia
// on purpose: output is a stream, not state, and must not become reactive.
type Sink = (data: string) => void

const sinks = new Map<string, Sink>()
const early = new Map<string, string[]>()

export function routeTerminalOutput(id: string, data: string): void {
  const sink = sinks.get(id)
  if (sink) return sink(data)
  const waiting = early.get(id)
  if (waiting) waiting.push(data)
  else early.set(id, [data])
}

/** The view of terminal `id` takes its output (first what waited); returns the detach function. */
export function attachTerminalOutput(id: string, sink: Sink): () => void {
  sinks.set(id, sink)
  const waiting = early.get(id)
  early.delete(id)
  for (const data of waiting ?? []) sink(data)
  return () => {
    if (sinks.get(id) === sink) sinks.delete(id)
  }
}

/**
 * No terminal.open is in flight any more: output that waited for a terminal that is not one of
 * `ids` (another browser tab's, which arrived while ours was opening) will never be shown; drop it.
 */
export function dropUnclaimedTerminalOutput(ids: ReadonlySet<string>): void {
  for (const id of [...early.keys()]) if (!ids.has(id)) early.delete(id)
}

/** The terminal ended and its tab closed: drop whatever still waits for it. */
export function forgetTerminalOutput(id: string): void {
  sinks.delete(id)
  early.delete(id)
}
