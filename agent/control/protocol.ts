/**
 * Control socket protocol: newline-delimited JSON. One request per line, answered by one
 * response line with the same id; `watch` answers once, then streams {"event": ...} lines
 * until the client disconnects.
 */
/**
 * `reload` re-reads the agent's config file; its result is reload/plan.ts's ReloadResult:
 * {"kept":[names],"added":[],"removed":[],"restarted":[],"updated":[],"notApplied":["controlSocket: ... needs an agent restart; ..."]}.
 */
export const CONTROL_COMMANDS = ['status', 'watch', 'takeover', 'release', 'pause', 'resume', 'reload'] as const
export type ControlCommand = (typeof CONTROL_COMMANDS)[number]

export interface ControlRequest {
  id?: number | string
  cmd: ControlCommand
  instance?: string
  /** The control token (control/token.ts): required where the server has one (Windows). */
  token?: string
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
  return { id: o.id as number | string | undefined, cmd: o.cmd as ControlCommand, instance: o.instance as string | undefined, token: o.token as string | undefined }
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
