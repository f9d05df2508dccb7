// Extra namespaces a test plugs into the lab's bridge for a while (a keepalived pair, a
// foreign router): named outside the lab's own names, so lab down never touches them, and
// removed by the test that made them.
import { deleteNetns } from './network'
import { must, run } from './run'
import { BRIDGE, LAN_NETNS } from './types'

/** Creates `netns` with eth0 = `address`/24, its peer `port` on the lab bridge. Replaces a stale one. */
export async function plugScratchNetns(netns: string, port: string, address: string): Promise<void> {
  if (!/^havip-(kp|scratch)-[a-z0-9-]+$/.test(netns)) throw new Error(`scratch namespace "${netns}" must be named havip-kp-* or havip-scratch-*`)
  await deleteNetnsQuietly(netns)
  await run(['ip', '-n', LAN_NETNS, 'link', 'del', port]) // a stale bridge port of a crashed run
  await must(['ip', 'netns', 'add', netns], `creating namespace ${netns}`)
  await must(['ip', '-n', netns, 'link', 'set', 'lo', 'up'], `bringing up lo in ${netns}`)
  await must(['ip', '-n', LAN_NETNS, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns], `creating the veth for ${netns}`)
  await must(['ip', '-n', LAN_NETNS, 'link', 'set', port, 'master', BRIDGE, 'up'], `attaching ${port} to ${BRIDGE}`)
  await must(['ip', '-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0'], `addressing eth0 in ${netns}`)
  await must(['ip', '-n', netns, 'link', 'set', 'eth0', 'up'], `bringing up eth0 in ${netns}`)
}

/** Stops what runs in `netns` and deletes it (its veth goes with it); nothing if it is absent. */
export async function deleteNetnsQuietly(netns: string): Promise<void> {
  const list = await run(['ip', 'netns', 'list'])
  if (!list.stdout.split('\n').some((l) => l.split(' ')[0] === netns)) return
  await deleteNetns(netns, () => undefined) // kills what runs inside first, bounded
}
