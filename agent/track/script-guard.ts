/**
 * One decision per command: may this track script or notify hook run, as whom, and by which
 * absolute path. Used when the agent starts (a refused track script puts its instances in
 * FAULT, a refused hook is skipped, each with an error event) and by check-config (a refused
 * command is an error naming the script, the offending path and why).
 */
import type { RunAs } from '../config/model'
import { checkScriptSecurity } from './script-security'
import { resolveRunAs } from './script-user'

export interface RunnableCommand {
  /** argv[0] is the absolute, resolved path. */
  argv: string[]
  uid: number
  gid: number
}

export type GuardResult = { ok: true; command: RunnableCommand } | { ok: false; reason: string }

export function guardCommand(argv: string[], runAs: RunAs | undefined): GuardResult {
  const [file, ...args] = argv
  if (!file) return { ok: false, reason: 'the command is empty' }
  const user = resolveRunAs(runAs)
  if (!user.ok) return { ok: false, reason: `cannot run ${file} as the configured user: ${user.reason}` }
  const check = checkScriptSecurity(file, user)
  if (!check.ok) return { ok: false, reason: check.reason }
  return { ok: true, command: { argv: [check.path, ...args], uid: user.uid, gid: user.gid } }
}
