// The 'time-status' script's result: the node's clock, and where Windows Time takes the time
// from (w32tm /query /status prints "Source: <name>" in English; other display languages
// translate the label, so an unknown line gives no source rather than a wrong one).
export interface WindowsTimeStatus {
  nowMs: number
  /** The w32tm source ('time.windows.com,0x9', 'DC01.corp.example.com', 'Local CMOS Clock'), or undefined. */
  source?: string
  /** False when the time comes from the local clock only, or the service does not run. */
  synchronised: boolean
  /** w32tm's first line when it failed (e.g. the service is not started). */
  problem?: string
}

export function parseTimeStatus(value: unknown): WindowsTimeStatus {
  const v = value && typeof value === 'object' ? (value as Record<string, unknown>) : {}
  const nowMs = typeof v.nowMs === 'number' ? v.nowMs : NaN
  const lines = (Array.isArray(v.w32tm) ? v.w32tm : typeof v.w32tm === 'string' ? [v.w32tm] : []).map((l) => String(l).trim()).filter(Boolean)
  const source = lines.map((l) => /^Source:\s*(.+)$/i.exec(l)?.[1]?.trim()).find((x) => !!x)
  const failed = v.w32tmExit !== 0
  return {
    nowMs,
    ...(source ? { source } : {}),
    synchronised: !failed && !!source && !/^(Local CMOS Clock|Free-running System Clock)$/i.test(source),
    ...(failed ? { problem: lines[0] ?? `w32tm exit code ${String(v.w32tmExit)}` } : {})
  }
}
