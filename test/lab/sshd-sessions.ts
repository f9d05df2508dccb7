// The SSH connections a lab node's sshd is serving, as `ss` sees them inside the node, so a
// test can end exactly one of them (kill its session processes) and leave the node's sshd
// listener, and everyone else's sessions, alone.
import { nodeExec } from './exec'
import type { LabNode } from './types'

export interface SshdConnection {
  /** "198.51.100.1:45678": the client's end of the connection. */
  peer: string
  /** The sshd processes serving it (the privileged monitor and the session child). */
  pids: number[]
}

export async function sshdConnections(node: LabNode | string): Promise<SshdConnection[]> {
  const r = await nodeExec(node, ['ss', '-Htnp', 'state', 'established', '( sport = :22 )'], { timeoutMs: 10_000 })
  if (r.code !== 0) throw new Error(`ss failed in ${typeof node === 'string' ? node : node.name}: ${r.stderr.trim()}`)
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      // Recv-Q Send-Q Local:Port Peer:Port users:(("sshd",pid=N,fd=M),...)
      const fields = line.trim().split(/\s+/)
      const pids = [...line.matchAll(/\("sshd",pid=(\d+),/g)].map((m) => Number(m[1]))
      return { peer: fields[3] ?? '', pids }
    })
}

/** The connections from `fromAddress` that are not in `before` (peers taken earlier with sshdConnections). */
export async function newSshdConnections(node: LabNode | string, fromAddress: string, before: ReadonlySet<string>): Promise<SshdConnection[]> {
  return (await sshdConnections(node)).filter((c) => !before.has(c.peer) && c.peer.startsWith(`${fromAddress}:`))
}

/** Whether the node's sshd still listens on port 22. */
export async function sshdListening(node: LabNode | string): Promise<boolean> {
  const r = await nodeExec(node, ['ss', '-Htln', '( sport = :22 )'], { timeoutMs: 10_000 })
  return r.code === 0 && r.stdout.includes(':22')
}
