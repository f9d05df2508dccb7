/**
 * The control token (control/token.ts) is only as private as the directory it is written to:
 * before writing it the agent checks that C:\ProgramData\HAVIP lets nobody but SYSTEM and
 * Administrators in (the app's deploy sets that ACL; an admin may have loosened it since).
 */
import { runScript, type PsRunner } from './ps-runner'
import { WindowsOsError } from './ps-errors'
import { DIR_ACL } from './scripts'

/** Well-known SIDs: LocalSystem and BUILTIN\Administrators (https://learn.microsoft.com/en-us/windows/win32/secauthz/well-known-sids). */
export const SID_SYSTEM = 'S-1-5-18'
export const SID_ADMINISTRATORS = 'S-1-5-32-544'
const TRUSTED = new Set([SID_SYSTEM, SID_ADMINISTRATORS])

export interface DirAcl {
  owner: string
  rules: { sid: string; type: string; rights: string }[] | { sid: string; type: string; rights: string } | null
}

/** Problems with an ACL, one line each; empty when only SYSTEM and Administrators are allowed in and own it. */
export function aclProblems(acl: DirAcl): string[] {
  const rules = acl.rules == null ? [] : Array.isArray(acl.rules) ? acl.rules : [acl.rules]
  const problems: string[] = []
  if (!TRUSTED.has(acl.owner)) problems.push(`it is owned by ${acl.owner}, not SYSTEM or Administrators`)
  for (const r of rules) {
    if (r.type === 'Allow' && !TRUSTED.has(r.sid)) problems.push(`${r.sid} is allowed ${r.rights}`)
  }
  return problems
}

export const FIX_ACL = (dir: string): string =>
  `icacls "${dir}" /inheritance:r /grant:r "*${SID_SYSTEM}:(OI)(CI)F" "*${SID_ADMINISTRATORS}:(OI)(CI)F" && icacls "${dir}" /setowner "*${SID_ADMINISTRATORS}"`

/** Throws, naming who else may read the directory and how to fix it, unless only SYSTEM and Administrators may. */
export async function checkPrivateDir(runner: PsRunner, dir: string): Promise<void> {
  const acl = await runScript<DirAcl>(runner, DIR_ACL, { path: dir }, `checking who may read ${dir}`)
  const problems = aclProblems(acl)
  if (problems.length > 0) {
    throw new WindowsOsError('failed', `${dir} must be readable by SYSTEM and Administrators only (it holds the agent's control token), but ${problems.join('; ')}. Fix it from an elevated prompt: ${FIX_ACL(dir)}`)
  }
}
