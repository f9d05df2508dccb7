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
    if ((net && ns.net.has(net)) || (mnt && ns.mnt.has(mnt))) found.push({ pid, what: describePid(pid) })
  }
  return found
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
async function signalUntilGone(ns: LabNamespaces, sig: NodeJS.Signals, ms: number): Promise<LabProcess[]> {
  const deadline = Date.now() + ms
  for (;;) {
    const left = processesIn(ns)
    if (left.length === 0 || Date.now() >= deadline) return left
    signal(left, sig) // again each round: children forked meanwhile get it too
    await sleep(50)
  }
}

/**
 * Stops every process in the lab's namespaces: SIGTERM, up to `graceMs` for them to exit,
 * then SIGKILL (reported through `progress`) and up to `killMs` more. Throws, naming them,
 * if any process is still there after that, so `lab down` never returns with one alive.
 */
export async function stopLabProcesses(ns: LabNamespaces, progress: (line: string) => void, graceMs = 3000, killMs = 3000): Promise<void> {
  const first = processesIn(ns)
  if (first.length === 0) return
  progress(`stopping ${first.length} lab process(es)`)
  const stubborn = await signalUntilGone(ns, 'SIGTERM', graceMs)
  if (stubborn.length === 0) return
  progress(
    `${stubborn.length} lab process(es) did not exit within ${graceMs / 1000} s of SIGTERM; sending SIGKILL to ` +
      stubborn.map((p) => `${p.pid} ${p.what}`).join('; ')
  )
  const left = await signalUntilGone(ns, 'SIGKILL', killMs)
  if (left.length > 0) {
    throw new Error(
      `lab: ${left.length} process(es) survived SIGKILL for ${killMs / 1000} s: ${left.map((p) => `${p.pid} ${p.what}`).join('; ')}. ` +
        'They are probably stuck in the kernel (state D in ps); check them, then run lab down again.'
    )
  }
}
