/**
 * The one way the Windows adapter runs PowerShell. `PsRunner` is the seam: the agent uses
 * LocalPsRunner (powershell.exe on this node); tests use a runner that replays recorded
 * stdout/stderr/exit code fixtures (test/fixtures/windows-agent/). Either way the result goes
 * through runScript, so the replayed output meets the same parsing and error handling.
 */
import { run, type ExecResult } from '../exec'
import { PARAMS_ENV, encodeParams, powershellArgs, powershellPath } from './ps-encode'
import { failureError, processError, WindowsOsError, type PsFailure } from './ps-errors'
import type { PsScript } from './scripts'

export type PsRaw = Pick<ExecResult, 'code' | 'stdout' | 'stderr' | 'timedOut' | 'spawnError'>

export interface PsRunner {
  /** Runs one script with its parameter block; resolves with what the process printed (never rejects for a failed script). */
  run(script: PsScript, params: Record<string, unknown>, timeoutMs: number): Promise<PsRaw>
}

export class LocalPsRunner implements PsRunner {
  /** `exec` is exec.ts's run; tests inject one that records the argv and environment. */
  constructor(private readonly exe = powershellPath(), private readonly exec: typeof run = run) {}

  run(script: PsScript, params: Record<string, unknown>, timeoutMs: number): Promise<PsRaw> {
    // The values travel in the environment, next to (never inside) the constant script text.
    return this.exec(this.exe, powershellArgs(script.body), { timeoutMs, env: { ...process.env, [PARAMS_ENV]: encodeParams(params) } })
  }
}

export const PS_TIMEOUT_MS = 20_000

/**
 * Runs `script` and returns its result, or throws a WindowsOsError saying what failed and what
 * to do. `what` names the action for the message ("adding VIP 192.0.2.10/24 on Ethernet").
 */
export async function runScript<T>(runner: PsRunner, script: PsScript, params: Record<string, unknown>, what: string, timeoutMs = PS_TIMEOUT_MS): Promise<T> {
  const raw = await runner.run(script, params, timeoutMs)
  if (raw.spawnError || raw.timedOut) throw processError(what, raw, timeoutMs)
  const line = lastJsonLine(raw.stdout)
  if (!line) throw processError(what, raw, timeoutMs)
  let parsed: { ok?: unknown; result?: unknown }
  try {
    parsed = JSON.parse(line) as { ok?: unknown; result?: unknown }
  } catch {
    throw processError(what, raw, timeoutMs)
  }
  if (parsed.ok === true) return parsed.result as T
  if (parsed.ok === false) throw failureError(what, parsed as PsFailure)
  throw new WindowsOsError('garbled', `${what} failed: PowerShell printed JSON that is not a HAVIP result: ${line.slice(0, 200)}`)
}

/** The last line that looks like a JSON object: anything a profile or module printed before it is ignored. */
function lastJsonLine(stdout: string): string | undefined {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('{') && l.endsWith('}'))
  return lines[lines.length - 1]
}
