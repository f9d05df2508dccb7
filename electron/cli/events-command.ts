// `havip events CLUSTER [--since T] [--follow] [--json]`: the cluster's events, merged from every
// node in time order. The agent logs are read back first (what happened while nothing was
// listening; --no-read-back skips it), then the events the data directory holds are printed,
// oldest first. --follow keeps watching the nodes live and prints each new event as it comes
// (with --json, one JSON object per line). Exit 2 when a role is flapping or a node's log could
// not be read (the cluster needs attention), 1 on an error of use or connection.
import type { ApiInput } from '../api/contract'
import type { ClusterEvent, EventLevel } from '../api/events'
import { EventLevelSchema } from '../api/events'
import { eventMatcher } from '../backend/cluster-events/event-filter'
import { optionValue, UsageError } from './args'
import { clusterNamed, type ClusterCommandEnv } from './cluster-command'
import { formatEvent, formatFlapping, formatReadBack } from './events-format'
import { EXIT_FAILED, EXIT_OK } from './output'

export interface EventsCommandEnv extends ClusterCommandEnv {
  /** Ends --follow (SIGINT/SIGTERM in the real CLI). */
  signal?: AbortSignal
  /** Starts the console's live view of the cluster, whose node feeds record the events --follow prints. */
  startLive?: (clusterId: string) => Promise<unknown>
}

/** At most this many events printed at once (the newest); --since narrows it. */
const PRINT_LIMIT = 1000

export async function runEvents(env: EventsCommandEnv): Promise<number> {
  const { call, out, parsed: p, backend, args } = env
  const k = await clusterNamed(call, args[0]!)
  const levels = (p.options['--level'] ?? []).map((l): EventLevel => {
    const r = EventLevelSchema.safeParse(l)
    if (!r.success) throw new UsageError(`--level ${l}: use info, warn or error.`)
    return r.data
  })
  const filter: ApiInput<'events.query'> = {
    clusterId: k.id,
    ...(optionValue(p, '--since') ? { since: optionValue(p, '--since')! } : {}),
    ...(p.options['--role'] ? { roles: p.options['--role'] } : {}),
    ...(p.options['--on'] ? { nodes: p.options['--on'] } : {}),
    ...(levels.length ? { levels } : {}),
    ...(optionValue(p, '--search') ? { search: optionValue(p, '--search')! } : {})
  }

  let attention = false
  let readBack
  if (!p.flags.has('--no-read-back')) {
    out.progress(`reading the agent logs of cluster ${k.name} since the last event held`)
    readBack = await call('events.readBack', { clusterId: k.id })
    for (const line of formatReadBack(readBack)) out.progress(line)
    attention ||= readBack.nodes.some((n) => n.error)
  }

  const page = await call('events.query', { ...filter, limit: PRINT_LIMIT })
  const events = [...page.events].reverse()
  if (page.more) out.progress(`${page.total - events.length} older event(s) not shown; narrow with --since`)
  attention ||= page.flapping.length > 0
  const follow = p.flags.has('--follow')

  if (out.json && !follow) {
    out.resultJson({ cluster: { id: k.id, name: k.name }, events, total: page.total, flapping: page.flapping, ...(readBack ? { readBack } : {}) })
  } else {
    for (const e of events) out.result(out.json ? JSON.stringify(e) : formatEvent(e))
    for (const line of formatFlapping(page.flapping)) out.progress(line)
  }
  if (!follow) return attention ? EXIT_FAILED : EXIT_OK

  // Live: the console's watch of the cluster records the nodes' events as they come.
  const seen = new Set(events.map((e) => e.id))
  const matches = eventMatcher(filter, Date.now())
  await new Promise<void>((resolve) => {
    const off = backend.events.on('cluster.event', (e: ClusterEvent) => {
      if (e.clusterId !== k.id || seen.has(e.id)) return
      seen.add(e.id)
      if (matches(e)) out.result(out.json ? JSON.stringify(e) : formatEvent(e))
    })
    const done = (): void => {
      off()
      resolve()
    }
    if (env.signal?.aborted) done()
    env.signal?.addEventListener('abort', done, { once: true })
    out.progress(`following cluster ${k.name} live (Ctrl-C to stop)`)
    if (!env.startLive) {
      out.progress('the live view is not in this build: --follow cannot watch the nodes')
      done()
      return
    }
    void env.startLive(k.id).catch((err: Error) => {
      out.progress(`cannot watch cluster ${k.name} live: ${err.message}`)
      done()
    })
  })
  return attention ? EXIT_FAILED : EXIT_OK
}
