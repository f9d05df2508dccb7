// How the deploy service runs things as root on a node: one constant script per step, with
// every value as a positional argument ($1...) or on stdin, never spliced into script text
// (DESIGN.md §7.5). One sudo call per step, since each costs a password round on nodes with
// timestamp_timeout=0.
import type { ExecResult, SshSession } from '../ssh/session'
import { DeployError, SCRIPT_PATH } from './layout'

export interface RootScript {
  /** Shows as $0 in `ps` and in sh's own error messages. */
  name: string
  /** The script body; `set -eu`, umask and PATH are prepended. */
  body: string
}

export function rootScript(name: string, lines: string[]): RootScript {
  return { name, body: ['set -eu', 'umask 022', SCRIPT_PATH, ...lines].join('\n') }
}

/** The argv that runs `script` with `args` (exported for the quoting tests). */
export function rootArgv(script: RootScript, args: readonly string[]): string[] {
  return ['sh', '-c', script.body, `havip-${script.name}`, ...args]
}

export function runRoot(
  session: SshSession,
  script: RootScript,
  args: readonly string[],
  opts: { stdin?: string; timeoutMs?: number } = {}
): Promise<ExecResult> {
  return session.exec(rootArgv(script, args), { sudo: true, timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}) })
}

export function nodeOf(session: SshSession): string {
  return session.target.host
}

/** The last non-empty line a script wrote to stderr (its own explanation, by convention). */
export function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').pop()?.slice(0, 500) ?? ''
}

/**
 * A DeployError for a script that exited non-zero: `known` maps the script's own exit codes to
 * why/what-to-do; anything else quotes stderr.
 */
export function scriptFailure(
  session: SshSession,
  what: string,
  r: ExecResult,
  known: Record<number, { why: string; hint: string }> = {}
): DeployError {
  const k = known[r.code]
  const said = lastLine(r.stderr)
  if (k) return new DeployError({ node: nodeOf(session), what, why: said && !k.why.includes(said) ? `${k.why} (${said})` : k.why, hint: k.hint })
  return new DeployError({
    node: nodeOf(session),
    what,
    why: `the root script exited with ${r.signal ? `signal ${r.signal}` : `code ${r.code}`}${said ? `: ${said}` : ''}`,
    hint: 'Nothing was left half written; fix the cause shown and run the same action again.'
  })
}
