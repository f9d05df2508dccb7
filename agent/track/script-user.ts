/**
 * Resolves who a script runs as (keepalived's script_user / `user`) to numeric ids, on the
 * node, through the system's user database (`id` and `getent`, so LDAP/NSS users work too).
 * Without a name: root, as keepalived does when its default user `keepalived_script` does not
 * exist (havip-agent does not look for that user; see docs/keepalived-compat.md).
 */
import { execFileSync } from 'node:child_process'
import type { RunAs } from '../config/model'
import type { ScriptIds } from './script-security'

export type ResolvedUser = ({ ok: true } & ScriptIds & { label: string }) | { ok: false; reason: string }

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim()
  } catch {
    return undefined
  }
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/

export function resolveRunAs(runAs: RunAs | undefined): ResolvedUser {
  if (!runAs) return { ok: true, uid: 0, gid: 0, label: 'root' }
  const { user, group } = runAs
  // Names go to argv (never a shell), but a name starting with "-" would read as an option.
  if (!NAME_RE.test(user)) return { ok: false, reason: `"${user}" is not a valid user name` }
  if (group !== undefined && !NAME_RE.test(group)) return { ok: false, reason: `"${group}" is not a valid group name` }
  const uid = run('id', ['-u', '--', user])
  const primary = run('id', ['-g', '--', user])
  if (uid === undefined || primary === undefined) return { ok: false, reason: `user "${user}" does not exist on this node; create it or fix script_user/user` }
  let gid = Number(primary)
  if (group !== undefined) {
    const entry = run('getent', ['group', '--', group])
    const g = entry?.split(':')[2]
    if (g === undefined || !/^\d+$/.test(g)) return { ok: false, reason: `group "${group}" does not exist on this node; create it or fix script_user/user` }
    gid = Number(g)
  }
  return { ok: true, uid: Number(uid), gid, label: group ? `${user}:${group}` : user }
}
