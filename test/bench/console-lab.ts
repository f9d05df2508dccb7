/**
 * What the console benches read from a lab cluster's nodes themselves, not through the app: the
 * agent's own last transition of a role (its time on the node's clock, which is the host's), and
 * the MAC a node or the lab client uses for an address. Plus the round the Moves take.
 */
import { AGENT, NODE_LINK } from '../../electron/backend/deploy/layout'
import { clientExec, nodeExec, type LabState } from '../lab/lab'

/** The node after `current` in `nodes` (round the list): where the next Move goes. */
export function nextNode(nodes: readonly string[], current: string): string {
  return nodes[(nodes.indexOf(current) + 1) % nodes.length]!
}

/**
 * When the agent on `node` last made a transition of `role` with `state` as its `side` ('to':
 * entering it, 'from': leaving it), as the agent itself reports it (`ctl status --json`), ms
 * since the epoch. Throws when its last transition is another one.
 */
export async function lastTransitionAt(lab: LabState, node: string, role: string, state: string, side: 'from' | 'to'): Promise<number> {
  const n = lab.nodes.find((x) => x.name === node)
  if (!n) throw new Error(`the lab has no node ${node}`)
  const r = await nodeExec(n, [NODE_LINK, AGENT, 'ctl', 'status', '--json'], { timeoutMs: 20_000 })
  let t: { from: string; to: string; at: string } | undefined
  try {
    t = (JSON.parse(r.stdout) as { result: { instances: { name: string; lastTransition?: { from: string; to: string; at: string } }[] } }).result.instances.find((i) => i.name === role)?.lastTransition
  } catch {
    throw new Error(`ctl status on ${node} did not answer in JSON (exit ${r.code}): ${(r.stderr || r.stdout).slice(-300)}`)
  }
  if (!t || t[side] !== state) throw new Error(`the agent on ${node}: the last transition of ${role} is ${t ? `${t.from} -> ${t.to}` : 'none'}, not ${side} ${state}`)
  return Date.parse(t.at)
}

/** The MAC address of a node's eth0. */
export async function nodeMac(lab: LabState, node: string): Promise<string> {
  const n = lab.nodes.find((x) => x.name === node)
  if (!n) throw new Error(`the lab has no node ${node}`)
  return (await nodeExec(n, ['cat', '/sys/class/net/eth0/address'])).stdout.trim()
}

/** The MAC the lab client's neighbour table holds for `address` (whom its packets go to), if any. */
export async function clientMacFor(address: string): Promise<string | undefined> {
  return /lladdr ([0-9a-f:]+)/.exec((await clientExec(['ip', '-4', 'neigh', 'show', address])).stdout)?.[1]
}
