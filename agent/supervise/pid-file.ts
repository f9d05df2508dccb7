/**
 * The supervisor's pid file: how the deploy service finds it (`kill -TERM $(cat FILE)`) and how a
 * second supervisor knows one already runs. Written atomically (temp file + rename), mode 0644.
 * A pid file is only "live" when that pid runs a havip-agent supervisor: after a reboot or a
 * SIGKILL the pid may belong to anything else, and that must not block a start.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

export const DEFAULT_PID_FILE = '/run/havip/supervisor.pid'

/** Reads the pid a pid file names, or undefined when missing or not a pid. */
export function readPidFile(path: string): number | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** Is `pid` a running `havip-agent ... supervise` process (Linux /proc)? */
export function isSupervisorProcess(pid: number): boolean {
  let cmdline: string
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return false // gone (or no /proc: then we cannot tell, and a stale file must not block)
  }
  const argv = cmdline.split('\0')
  return argv.includes('supervise') && argv.some((a) => /havip-agent|agent[\\/]main\.ts$/.test(a))
}

/**
 * Claims the pid file for this process. Throws, naming the running supervisor, when the file
 * names a live one; a stale file is replaced (the return value says so, for the log).
 */
export function claimPidFile(path: string, pid = process.pid): { replacedStale?: number } {
  const old = readPidFile(path)
  if (old !== undefined && old !== pid && isSupervisorProcess(old)) {
    throw new Error(`a havip-agent supervisor is already running as pid ${old} (pid file ${path}); stop it first with "kill -TERM ${old}", or give another --pid-file`)
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${pid}.tmp`
  writeFileSync(tmp, `${pid}\n`, { mode: 0o644 })
  chmodSync(tmp, 0o644) // the umask may have taken bits away
  renameSync(tmp, path)
  return old !== undefined && old !== pid ? { replacedStale: old } : {}
}

/** Removes the pid file if it still names this process (a newer supervisor may have taken it over). */
export function releasePidFile(path: string, pid = process.pid): void {
  if (readPidFile(path) !== pid) return
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}
