// A lab shape: a node whose firewall drops VRRP (IP protocol 112) coming in, as a real host's
// nftables rule would, in the node's own network namespace only. dropVrrp() returns the undo;
// the rule lives in its own table, so undo removes exactly what was added.
import { nodeExec, type LabNode } from './lab'

const TABLE = 'havip_test_drop_vrrp'

export interface DropOptions {
  /** Only multicast VRRP (to 224.0.0.18), as a VPC that does not deliver multicast. Default: all VRRP. */
  multicastOnly?: boolean
}

export async function dropVrrp(node: LabNode, o: DropOptions = {}): Promise<() => Promise<void>> {
  const match = o.multicastOnly ? 'ip daddr 224.0.0.18 ip protocol vrrp' : 'ip protocol vrrp'
  const ruleset = `table inet ${TABLE} {\n  chain input {\n    type filter hook input priority -10; policy accept;\n    ${match} counter drop\n  }\n}\n`
  const undo = async (): Promise<void> => {
    await nodeExec(node, ['nft', 'delete', 'table', 'inet', TABLE])
  }
  await undo() // a table left by a crashed run
  const r = await nodeExec(node, ['nft', '-f', '-'], { input: ruleset, timeoutMs: 10_000 })
  if (r.code !== 0) throw new Error(`adding the VRRP drop rule in ${node.name} failed: ${r.stderr.trim()}`)
  return undo
}

/** Packets the rule dropped so far (proves the rule, not something else, stopped them). */
export async function droppedPackets(node: LabNode): Promise<number> {
  const r = await nodeExec(node, ['nft', 'list', 'table', 'inet', TABLE])
  return Number(/counter packets (\d+)/.exec(r.stdout)?.[1] ?? 0)
}
