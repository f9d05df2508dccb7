/**
 * Script security, as keepalived's `enable_script_security` (lib/notify.c, check_script_secure
 * and check_security in 2.2.x), always on in havip-agent: the agent runs as root, so a track
 * script or notify hook that anyone but root can change is a way to root.
 *
 * The rules, the same as keepalived's:
 * - A bare name (`killall`) is looked up in a fixed list of system directories, never in the
 *   agent's $PATH; a relative path with a slash (`scripts/chk.sh`) is refused (it would depend
 *   on the directory the agent was started from). The command then runs by its absolute path.
 * - The directories are resolved (realpath) and the file must exist, be a regular file (or a
 *   symlink to one) and be executable for the user it runs as.
 * - When it runs as root (uid 0 or gid 0), or is set-uid/set-gid root, every component of the
 *   path (`/`, `/usr`, `/usr/bin`, the file), and of the symlink's target when the file is a
 *   symlink, must be owned by root; a regular file or a directory must not be writable by
 *   others, nor by its group unless that group is root (gid 0). A directory with the sticky bit
 *   (e.g. /tmp, mode 1777, owned by root) is accepted like keepalived does: in it nobody but
 *   root can rename or replace root's file. A script run as another user is not checked
 *   (keepalived does not either): it can do no more than that user.
 */
import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs'
import { basename, dirname, isAbsolute, join } from 'node:path'

/** Where a bare command name is looked for: the system directories, in systemd's default order. */
export const SAFE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

export interface ScriptIds {
  uid: number
  gid: number
}

export type ScriptCheck =
  | { ok: true; path: string }
  | { ok: false; path: string; reason: string }

function describeMode(st: Stats): string {
  return `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`
}

/** Why one path component is unsafe, or undefined (keepalived's check_security). */
function unsafe(path: string, st: Stats): string | undefined {
  if (st.uid !== 0) return `${path} is owned by uid ${st.uid}, not root; chown root ${path}`
  const guarded = (st.isDirectory() && (st.mode & 0o1000) === 0) || st.isFile()
  if (!guarded) return undefined
  if (st.mode & 0o002) return `${path} is writable by everyone (${describeMode(st)}); chmod o-w ${path}`
  if (st.gid !== 0 && st.mode & 0o020) return `${path} is writable by group ${st.gid} (${describeMode(st)}); chmod g-w ${path} or chgrp root ${path}`
  return undefined
}

/** Checks `/`, then each directory, then the file itself, without following the last symlink. */
function checkComponents(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean)
  let prefix = '/'
  for (let k = -1; k < parts.length; k++) {
    if (k >= 0) prefix = join(prefix, parts[k] as string)
    let st: Stats
    try {
      st = lstatSync(prefix)
    } catch (err) {
      return `${prefix} cannot be examined (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
    }
    const last = k === parts.length - 1
    if (!last && !st.isDirectory()) return `${prefix} is not a directory`
    if (last && !st.isFile() && !st.isSymbolicLink()) return `${prefix} is not a regular file`
    const why = unsafe(prefix, st)
    if (why) return why
  }
  return undefined
}

function isExecutableBy(st: Stats, ids: ScriptIds): boolean {
  if (ids.uid === 0) return (st.mode & 0o111) !== 0
  if (st.uid === ids.uid) return (st.mode & 0o100) !== 0
  if (st.gid === ids.gid) return (st.mode & 0o010) !== 0
  return (st.mode & 0o001) !== 0
}

/** The absolute path a command name stands for: a bare name via SAFE_PATH, an absolute path as is. */
export function locateCommand(name: string): { path: string } | { reason: string } {
  if (!name) return { reason: 'the command is empty' }
  if (isAbsolute(name)) return { path: name }
  if (name.includes('/')) {
    return { reason: `"${name}" is a relative path; give the absolute path (the agent does not run commands relative to the directory it was started from)` }
  }
  for (const dir of SAFE_PATH) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return { path: candidate }
    } catch {
      // not in this directory
    }
  }
  return { reason: `"${name}" was not found in ${SAFE_PATH.join(':')} (the agent never searches $PATH); give the absolute path` }
}

/**
 * May `command` (argv[0] of a script or hook) run as `ids`? On success, `path` is what to
 * execute: the resolved directory plus the original file name (keepalived keeps the name,
 * since some programs act on the name they were called by).
 */
export function checkScriptSecurity(command: string, ids: ScriptIds): ScriptCheck {
  const located = locateCommand(command)
  if ('reason' in located) return { ok: false, path: command, reason: located.reason }
  let path: string
  let real: string
  try {
    path = join(realpathSync(dirname(located.path)), basename(located.path))
    real = realpathSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be reached (permission denied)' : `cannot be resolved (${code ?? (err as Error).message})`
    return { ok: false, path: located.path, reason: `${located.path} ${why}` }
  }
  let st: Stats
  try {
    st = statSync(real)
  } catch (err) {
    return { ok: false, path, reason: `${real} cannot be examined (${(err as NodeJS.ErrnoException).code})` }
  }
  if (!st.isFile()) return { ok: false, path, reason: `${real} is not a regular file` }
  if (!isExecutableBy(st, ids)) {
    return { ok: false, path, reason: `${real} is not executable for uid ${ids.uid} gid ${ids.gid} (${describeMode(st)}); chmod +x it` }
  }
  const setRoot = (st.uid === 0 && (st.mode & 0o4100) === 0o4100) || (st.gid === 0 && (st.mode & 0o2010) === 0o2010)
  if (ids.uid !== 0 && ids.gid !== 0 && !setRoot) return { ok: true, path }
  const why = checkComponents(path) ?? (real !== path ? checkComponents(real) : undefined)
  if (why) return { ok: false, path, reason: `unsafe permissions: ${why} (script security: a script run as root must be changeable only by root)` }
  return { ok: true, path }
}
