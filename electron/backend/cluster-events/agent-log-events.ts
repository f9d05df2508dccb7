// Reads the agent's own log (agent/log.ts: one JSON object per line, {time, level, msg, ...fields};
// transitions as "FROM -> TO: reason" with `instance`, `from`, `to`) into cluster events, for the
// time the app was not listening. Only what an admin wants in Cluster Events is kept:
// transitions, warnings and errors, and the agent starting and stopping. A line that is not the
// agent's JSON (a truncated first line of a tail, a supervisor's stray output) is skipped.
import type { EventInput } from './event-record'
import { transitionLevel, transitionMessage } from './event-record'

interface AgentLogLine {
  time: string
  level: string
  msg: string
  instance?: string
  from?: string
  to?: string
}

function parseLine(line: string): AgentLogLine | undefined {
  if (!line.startsWith('{')) return undefined
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof raw !== 'object' || raw === null) return undefined
  const o = raw as Record<string, unknown>
  if (typeof o.time !== 'string' || typeof o.level !== 'string' || typeof o.msg !== 'string') return undefined
  if (Number.isNaN(Date.parse(o.time))) return undefined
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
  const out: AgentLogLine = { time: o.time, level: o.level, msg: o.msg }
  const instance = str(o.instance)
  const from = str(o.from)
  const to = str(o.to)
  if (instance) out.instance = instance
  if (from) out.from = from
  if (to) out.to = to
  return out
}

const TRANSITION = /^(\w+) -> (\w+): (.*)$/s
const LIFECYCLE = /^(havip-agent .* started with|havip-agent stopped|stopping: |supervisor: havip-agent .* restarting)/

/** One agent log line as an event of `node`, or undefined when it is not one for Cluster Events. */
export function agentLogEvent(node: string, line: string): EventInput | undefined {
  const l = parseLine(line.trim())
  if (!l) return undefined
  const base = { at: l.time, source: 'agent-log' as const, node, ...(l.instance ? { role: l.instance } : {}) }
  const t = l.from && l.to ? TRANSITION.exec(l.msg) : null
  if (t && l.from && l.to) {
    return { ...base, kind: 'transition', level: transitionLevel(l.to), from: l.from, to: l.to, message: transitionMessage(l.from, l.to, t[3]) }
  }
  if (l.level === 'error' || l.level === 'warn') return { ...base, kind: 'agent', level: l.level, message: l.msg }
  // The version is left out of the start line: the watch stream's 'started' event does not carry it.
  if (LIFECYCLE.test(l.msg)) return { ...base, kind: 'agent', level: 'info', message: l.msg.replace(/^havip-agent \S+ started with/, 'havip-agent started with') }
  return undefined
}

/** Every event in a chunk of the agent's log, oldest first as the log has them. */
export function agentLogEvents(node: string, text: string): EventInput[] {
  const out: EventInput[] = []
  for (const line of text.split('\n')) {
    const e = agentLogEvent(node, line)
    if (e) out.push(e)
  }
  return out
}
