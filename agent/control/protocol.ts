/**
 * Control socket protocol: newline-delimited JSON. One request per line, answered by one
 * response line with the same id; `watch` answers once, then streams {"event": ...} lines
 * until the client disconnects.
 */
/**
 * `reload` re-reads the agent's config file; its result is reload/plan.ts's ReloadResult:
 * {"kept":[names],"added":[],"removed":[],"restarted":[],"updated":[],"notApplied":["controlSocket: ... needs an agent restart; ..."]}.
 */
/**
 * `simulate-failure` takes {"instance":"vip1","durationMs":30000} (1000..600000) or {"instance":"vip1","cancel":true};
 * its result is the instance's status, with `simulatedFailure: { until, durationMs, startedAt }` while it runs.
 */
export const CONTROL_COMMANDS = ['status', 'watch', 'takeover', 'release', 'pause', 'resume', 'reload', 'simulate-failure'] as const
export type ControlCommand = (typeof CONTROL_COMMANDS)[number]

export interface ControlRequest {
  id?: number | string
  cmd: ControlCommand
  instance?: string
  /** The control token (control/token.ts): required where the server has one (Windows). */
  token?: string
  /** simulate-failure: how long, in ms. */
  durationMs?: number
  /** simulate-failure: end the running one now. */
  cancel?: boolean
}

export type ControlResponse =
  | { id?: number | string; ok: true; result: unknown }
  | { id?: number | string; ok: false; error: string }

export function parseRequest(line: string): ControlRequest {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    throw new Error('request is not valid JSON; send one JSON object per line, e.g. {"cmd":"status"}')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('request must be a JSON object like {"cmd":"status"}')
  const o = v as Record<string, unknown>
  if (typeof o.cmd !== 'string' || !(CONTROL_COMMANDS as readonly string[]).includes(o.cmd)) {
    throw new Error(`unknown command ${JSON.stringify(o.cmd)}; use one of ${CONTROL_COMMANDS.join(', ')}`)
  }
  if (o.instance !== undefined && typeof o.instance !== 'string') throw new Error('"instance" must be a string')
  if (o.id !== undefined && typeof o.id !== 'number' && typeof o.id !== 'string') throw new Error('"id" must be a number or string')
  if (o.token !== undefined && typeof o.token !== 'string') throw new Error('"token" must be a string')
  if (o.durationMs !== undefined && typeof o.durationMs !== 'number') throw new Error('"durationMs" must be a number of milliseconds')
  if (o.cancel !== undefined && typeof o.cancel !== 'boolean') throw new Error('"cancel" must be true or false')
  if ((o.durationMs !== undefined || o.cancel !== undefined) && o.cmd !== 'simulate-failure') throw new Error(`"durationMs" and "cancel" belong to simulate-failure, not ${o.cmd}`)
  return {
    id: o.id as number | string | undefined,
    cmd: o.cmd as ControlCommand,
    instance: o.instance as string | undefined,
    token: o.token as string | undefined,
    ...(o.durationMs !== undefined ? { durationMs: o.durationMs as number } : {}),
    ...(o.cancel !== undefined ? { cancel: o.cancel as boolean } : {})
  }
}

/** Splits a stream into lines, bounded so a misbehaving peer cannot grow memory forever. */
export class LineSplitter {
  private buf = ''
  constructor(private readonly onLine: (line: string) => void, private readonly maxLine = 1024 * 1024) {}
  push(chunk: string): void {
    this.buf += chunk
    let i: number
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).trim()
      this.buf = this.buf.slice(i + 1)
      if (line) this.onLine(line)
    }
    if (this.buf.length > this.maxLine) throw new Error(`line longer than ${this.maxLine} bytes`)
  }
}
