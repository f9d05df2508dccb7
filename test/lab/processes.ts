// Every process the lab started (node sshds and their sessions, whatever tests ran inside a
// node or the client), found by the namespaces it lives in, so `lab down` returns only once
// they are all gone: TERM, a bounded wait, then SIGKILL (said out loud), then a final check.
import { readdirSync, readlinkSync, readFileSync, statSync } from 'node:fs'
import { sleep } from './run'

/** Namespace ids as /proc/PID/ns/* links spell them: 'net:[4026532345]'. */
export interface LabNamespaces {
  net: Set<string>
  mnt: Set<string>
}

export interface LabProcess {
  pid: number
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  start: string
  /** "sshd: /usr/sbin/sshd -D ..." or "(comm)": for messages. */
  what: string
}

function nsLink(pid: number | 'self', kind: 'net' | 'mnt'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`)
  } catch {
    return null // gone, a zombie, or a kernel thread
  }
}

/**
 * The lab's namespaces: its named network namespaces, and the mount namespaces of the node
 * holders (nodeExec enters those too). A holder pid counts only while it still sits in a lab
 * network namespace, so a stale state file never names someone else's process.
 */
export function labNamespaces(netnsNames: string[], holderPids: number[]): LabNamespaces {
  const net = new Set<string>()
  for (const name of netnsNames) {
    try {
      net.add(`net:[${statSync(`/run/netns/${name}`).ino}]`)
    } catch {
      /* already deleted */
    }
  }
  const mnt = new Set<string>()
  const hostMnt = nsLink('self', 'mnt')
  for (const pid of holderPids) {
    const n = nsLink(pid, 'net')
    const m = nsLink(pid, 'mnt')
    if (n && net.has(n) && m && m !== hostMnt) mnt.add(m)
  }
  return { net, mnt }
}

/** Live processes in any of the namespaces (never this process itself). */
export function processesIn(ns: LabNamespaces): LabProcess[] {
  const found: LabProcess[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue
    const net = nsLink(pid, 'net')
    const mnt = nsLink(pid, 'mnt')
    if ((net && ns.net.has(net)) || (mnt && ns.mnt.has(mnt))) {
      const start = startTime(pid)
      if (start) found.push({ pid, start, what: describePid(pid) })
    }
  }
  return found
}

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) state ppid ...": comm may hold spaces and ')', so count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

/**
 * Whether `p` is still in the process table: running, or exited and not yet reaped by its
 * parent (a zombie: `ps` still lists it). A pid now used by another process does not count.
 */
export function stillListed(p: LabProcess): boolean {
  return startTime(p.pid) === p.start
}

function describePid(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
    if (cmd) return cmd.length > 100 ? `${cmd.slice(0, 100)}…` : cmd
    return `(${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`
  } catch {
    return '(exited)'
  }
}

function signal(procs: LabProcess[], sig: NodeJS.Signals): void {
  for (const p of procs) {
    try {
      process.kill(p.pid, sig)
    } catch {
      /* already gone */
    }
  }
}

/** Signals every process in `ns` (and any that appear meanwhile) with `sig` until none is left or `ms` passed. */
async function signalUntilGone(ns: LabNamespaces, sig: NodeJS.Signals, ms: number, note: (p: LabProcess[]) => LabProcess[]): Promise<LabProcess[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const left = note(processesIn(ns))
    if (left.length === 0 || Date.now() >= deadline) return left
    signal(left, sig) // again each round: children forked meanwhile get it too
    await sleep(50)
  }
}

/**
 * Stops every process in the lab's namespaces: SIGTERM, up to `graceMs` for them to exit,
 * then SIGKILL (reported through `progress`) and up to `killMs` more. Then waits, up to
 * `reapMs`, until they have left the process table: an orphaned sshd session is reaped by
 * pid 1, which may take a second here, and until then `ps` still shows an sshd. Throws,
 * naming them, if any process is still there after that, so `lab down` never returns early.
 */
export async function stopLabProcesses(
  ns: LabNamespaces,
  progress: (line: string) => void,
  { graceMs = 3000, killMs = 3000, reapMs = 10_000 } = {}
): Promise<void> {
  const seen = new Map<number, LabProcess>()
  const note = (procs: LabProcess[]): LabProcess[] => {
    for (const p of procs) seen.set(p.pid, p)
    return procs
  }
  const first = note(processesIn(ns))
  if (first.length === 0) return
  progress(`stopping ${first.length} lab process(es)`)
  const stubborn = note(await signalUntilGone(ns, 'SIGTERM', graceMs, note))
  if (stubborn.length > 0) {
    progress(
      `${stubborn.length} lab process(es) did not exit within ${graceMs / 1000} s of SIGTERM; sending SIGKILL to ` +
        stubborn.map((p) => `${p.pid} ${p.what}`).join('; ')
    )
    const left = await signalUntilGone(ns, 'SIGKILL', killMs, note)
    if (left.length > 0) {
      throw new Error(
        `lab: ${left.length} process(es) survived SIGKILL for ${killMs / 1000} s: ${left.map((p) => `${p.pid} ${p.what}`).join('; ')}. ` +
          'They are probably stuck in the kernel (state D in ps); check them, then run lab down again.'
      )
    }
  }
  const deadline = Date.now() + reapMs
  let unreaped = [...seen.values()].filter(stillListed)
  while (unreaped.length > 0 && Date.now() < deadline) {
    await sleep(50)
    unreaped = unreaped.filter(stillListed)
  }
  if (unreaped.length > 0) {
    throw new Error(
      `lab: ${unreaped.length} lab process(es) exited but were not reaped by their parent within ${reapMs / 1000} s: ` +
        `${unreaped.map((p) => `${p.pid} ${p.what}`).join('; ')}. They hold nothing any more; check their parent (ps -o ppid= -p PID).`
    )
  }
}
