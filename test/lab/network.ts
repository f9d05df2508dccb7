// The lab's wiring: one LAN namespace with a bridge, one namespace per node and one for the client,
// each joined to the bridge by a veth, plus a veth from the host so the backend reaches the nodes.
import { must, run, sleep, isAlive } from './run'
import {
  BRIDGE, CLIENT_ADDRESS, CLIENT_NETNS, HOST_ADDRESS, HOST_LINK, LAN_NETNS, PREFIX, SUBNET_BASE, nodeAddress
} from './types'

type Progress = (line: string) => void

export async function listLabNetns(): Promise<string[]> {
  const out = await must(['ip', '-j', 'netns', 'list'], 'listing network namespaces')
  const parsed = out.trim() ? (JSON.parse(out) as Array<{ name: string }>) : []
  return parsed.map((n) => n.name).filter(isLabNetns)
}

/**
 * Only the lab's own names: other code on this machine may use other havip-* namespaces (e.g. a
 * test's private capture namespace) and the lab must never touch those.
 */
export function isLabNetns(name: string): boolean {
  return name === LAN_NETNS || name === CLIENT_NETNS || new RegExp(`^${PREFIX}n\\d+$`).test(name)
}

export async function linkExists(name: string, netns?: string): Promise<boolean> {
  const argv = netns ? ['ip', '-n', netns, 'link', 'show', 'dev', name] : ['ip', 'link', 'show', 'dev', name]
  return (await run(argv)).code === 0
}

/**
 * Refuses to build when the lab's subnet is already in use on the host outside the lab, because
 * the lab would then steal or shadow someone's traffic.
 */
export async function checkAddressConflicts(netns?: string): Promise<void> {
  // netns: only for the lab's own test, which stages a conflict in a scratch namespace.
  const ip = netns ? ['ip', '-n', netns] : ['ip']
  const out = await must([...ip, '-j', '-4', 'addr', 'show'], 'reading host addresses')
  const links = JSON.parse(out) as Array<{ ifname: string; addr_info?: Array<{ local: string }> }>
  for (const link of links) {
    if (link.ifname === HOST_LINK) continue
    for (const a of link.addr_info ?? []) {
      if (a.local.startsWith(SUBNET_BASE)) {
        throw new Error(
          `lab: address conflict: host interface ${link.ifname} already has ${a.local}, inside the lab subnet ` +
            `${SUBNET_BASE}0/24. Remove it (ip addr del ${a.local}/.. dev ${link.ifname}) or free that subnet, then retry.`
        )
      }
    }
  }
  const routes = await must([...ip, '-j', '-4', 'route', 'show', 'table', 'all'], 'reading host routes')
  for (const r of JSON.parse(routes) as Array<{ dst?: string; dev?: string }>) {
    if ((r.dst ?? '').startsWith(SUBNET_BASE) && r.dev !== HOST_LINK) {
      throw new Error(
        `lab: address conflict: the host already routes ${r.dst} via ${r.dev ?? 'another route'}. ` +
          `The lab needs ${SUBNET_BASE}0/24 for itself; remove that route and retry.`
      )
    }
  }
}

async function addNetnsWithLo(name: string): Promise<void> {
  await must(['ip', 'netns', 'add', name], `creating namespace ${name}`)
  await must(['ip', '-n', name, 'link', 'set', 'lo', 'up'], `bringing up lo in ${name}`)
}

/** Plugs a new namespace into the bridge: `port` is the bridge-side veth name inside havip-lan. */
async function plugIntoBridge(netns: string, port: string, address: string): Promise<void> {
  await must(
    ['ip', '-n', LAN_NETNS, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns],
    `creating the veth for ${netns}`
  )
  await must(['ip', '-n', LAN_NETNS, 'link', 'set', port, 'master', BRIDGE, 'up'], `attaching ${port} to ${BRIDGE}`)
  await must(['ip', '-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0'], `addressing eth0 in ${netns}`)
  await must(['ip', '-n', netns, 'link', 'set', 'eth0', 'up'], `bringing up eth0 in ${netns}`)
}

/** Node i's namespace, wired into the existing bridge (also used to grow a running lab). */
export async function addNodeNetwork(i: number, progress: Progress): Promise<void> {
  const netns = `${PREFIX}n${i}`
  // A stray namespace of that name (left by a crashed run) would make `ip netns add` fail.
  if ((await listLabNetns()).includes(netns)) await deleteNetns(netns, progress)
  progress(`creating node namespace ${netns} (${nodeAddress(i)})`)
  await addNetnsWithLo(netns)
  await plugIntoBridge(netns, `n${i}`, nodeAddress(i))
}

export async function buildNetwork(nodeCount: number, progress: Progress): Promise<void> {
  progress(`creating ${LAN_NETNS} with bridge ${BRIDGE}`)
  await addNetnsWithLo(LAN_NETNS)
  // Multicast snooping off: VRRP adverts to 224.0.0.18 must reach every port without IGMP joins.
  // STP off and zero forward delay: ports forward at once, so failover tests see no bridge delay.
  await must(
    ['ip', '-n', LAN_NETNS, 'link', 'add', BRIDGE, 'type', 'bridge', 'mcast_snooping', '0', 'stp_state', '0', 'forward_delay', '0'],
    'creating the LAN bridge'
  )
  await must(['ip', '-n', LAN_NETNS, 'link', 'set', BRIDGE, 'up'], 'bringing up the LAN bridge')

  for (let i = 1; i <= nodeCount; i++) await addNodeNetwork(i, progress)

  progress(`creating ${CLIENT_NETNS} (${CLIENT_ADDRESS})`)
  await addNetnsWithLo(CLIENT_NETNS)
  await plugIntoBridge(CLIENT_NETNS, 'client', CLIENT_ADDRESS)

  progress(`linking the host into the LAN: ${HOST_LINK} = ${HOST_ADDRESS}/24`)
  await must(['ip', 'link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', 'host', 'netns', LAN_NETNS], 'creating the host veth')
  await must(['ip', '-n', LAN_NETNS, 'link', 'set', 'host', 'master', BRIDGE, 'up'], 'attaching the host veth to the bridge')
  await must(['ip', 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', HOST_LINK], `addressing ${HOST_LINK}`)
  await must(['ip', 'link', 'set', HOST_LINK, 'up'], `bringing up ${HOST_LINK}`)
}

/** Pids of every process whose network namespace is `netns` (sshd, shells, agents, keepalived...). */
export async function netnsPids(netns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', netns])
  if (r.code !== 0) return []
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 1)
}

/** TERM, then KILL after a bounded wait, every pid given. */
export async function killPids(pids: number[], graceMs = 2000): Promise<void> {
  const signalAll = (sig: NodeJS.Signals): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig)
      } catch {
        /* already gone */
      }
    }
  }
  signalAll('SIGTERM')
  const deadline = Date.now() + graceMs
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(50)
  if (pids.some(isAlive)) {
    signalAll('SIGKILL')
    const killDeadline = Date.now() + 2000
    while (pids.some(isAlive) && Date.now() < killDeadline) await sleep(50)
  }
}

/** Deletes one lab namespace, first stopping whatever runs inside it. */
export async function deleteNetns(netns: string, progress: Progress): Promise<void> {
  // Processes may spawn children while we kill; a few bounded rounds catch those.
  for (let round = 0; round < 5; round++) {
    const pids = (await netnsPids(netns)).filter((p) => p !== process.pid)
    if (pids.length === 0) break
    progress(`stopping ${pids.length} process(es) in ${netns}`)
    await killPids(pids)
  }
  progress(`deleting namespace ${netns}`)
  const r = await run(['ip', 'netns', 'del', netns])
  if (r.code !== 0 && (await listLabNetns()).includes(netns)) {
    throw new Error(`lab: could not delete namespace ${netns}: ${r.stderr.trim()}. Check \`ip netns pids ${netns}\` and retry lab down.`)
  }
}

/** Removes every lab namespace (killing what runs inside) and the host veth. Idempotent. */
export async function teardownNetwork(progress: Progress): Promise<void> {
  for (const netns of await listLabNetns()) await deleteNetns(netns, progress)
  if (await linkExists(HOST_LINK)) {
    progress(`deleting ${HOST_LINK}`)
    await must(['ip', 'link', 'del', HOST_LINK], `deleting ${HOST_LINK}`)
  }
}
