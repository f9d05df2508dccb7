// Users of the shared lab: every process that called labUp, while it lives. Several test runs may
// share one lab; a run that brought the lab up takes it down at the end only when no other live
// process still uses it, and lab.test.ts's down/up check waits for the others to finish.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { isAlive, sleep } from './run'
import { USERS_DIR } from './types'

export function registerLabUser(pid = process.pid): void {
  if (!existsSync(USERS_DIR)) return
  for (const name of readdirSync(USERS_DIR)) {
    if (!isLiveUser(name)) rmSync(`${USERS_DIR}/${name}`, { force: true }) // finished runs
  }
  writeFileSync(`${USERS_DIR}/${pid}`, `${procStat(pid)?.startTime ?? ''}\n`, { mode: 0o600 })
}

export function unregisterLabUser(pid = process.pid): void {
  rmSync(`${USERS_DIR}/${pid}`, { force: true })
}

export function otherLabUsers(exclude: number[] = [process.pid, process.ppid]): number[] {
  let names: string[] = []
  try {
    names = readdirSync(USERS_DIR)
  } catch {
    return []
  }
  // A run's own test workers are its children: they are not "other" users.
  return names
    .filter(isLiveUser)
    .map(Number)
    .filter((pid) => !exclude.includes(pid) && !exclude.includes(procStat(pid)?.ppid ?? -1))
}

/**
 * For a test that takes the lab down: waits (bounded) until no other process uses the lab, and
 * returns the pids still using it after `waitMs` (empty: safe to take it down).
 */
export async function waitUntilSoleLabUser(waitMs = 60_000): Promise<number[]> {
  const deadline = Date.now() + waitMs
  while (otherLabUsers().length > 0 && Date.now() < deadline) await sleep(500)
  return otherLabUsers()
}

/** Alive, and the same process that registered (its start time matches), not a reused pid. */
function isLiveUser(name: string): boolean {
  const pid = Number(name)
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false
  try {
    return readFileSync(`${USERS_DIR}/${name}`, 'utf8').trim() === String(procStat(pid)?.startTime ?? '')
  } catch {
    return false
  }
}

function procStat(pid: number): { ppid: number; startTime: string } | null {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ... starttime(22nd)"; comm may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { ppid: Number(fields[1]), startTime: fields[19] ?? '' }
  } catch {
    return null
  }
}
