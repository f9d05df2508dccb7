// Before any node is touched: every node is reached, its facts settle what the admin left out
// (name = hostname, interface = the one carrying the VIP's subnet or the default route, address =
// its IPv4 there), and `inspect` says what is on it. A node in ANOTHER cluster, an unreadable
// cluster.json or too little space for the install (under /opt, on C: for Windows) refuses the operation while nothing is done yet.
import type { ClusterNode, ClusterNodeInput } from '../../../api/cluster'
import { ClusterNodeNameSchema } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import type { NodeFacts } from '../../../api/model'
import type { NodeInstallState } from '../../deploy/node-deployer'
import type { SshSession } from '../../ssh/session'
import { DEFAULT_NODE_PRIORITY } from '../definition'
import { layoutOf } from '../node-layout'
import { chooseInterface } from '../../validation/node-resolver'
import { ipv4InSubnet, parseCidr } from '../../validation/ipv4'
import type { OperationDeps } from './deps'
import { reachNode } from './node-access'
import type { OperationRun } from './operation-run'

/** A cluster node with the live session the operation uses for it. */
export interface NodeHandle {
  node: ClusterNode
  session: SshSession
  connectionId: string
}

export interface PreparedNode extends NodeHandle {
  facts: NodeFacts
  install: NodeInstallState
}

/** Space the agent release needs under /opt; more when a Node.js runtime must be uploaded. */
export const NEEDED_BYTES_WITH_NODE = 64 * 1024 * 1024
export const NEEDED_BYTES_WITH_RUNTIME = 256 * 1024 * 1024

/** A node's name in messages before its facts are known: its host, as a valid node name. */
export function provisionalName(host: string): string {
  const n = host.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63)
  return ClusterNodeNameSchema.safeParse(n).success ? n : 'node'
}

/** Reaches a node the admin chose (a saved connection) and reads its facts (fresh: the node is judged as it is now). */
export async function reachNewNode(deps: OperationDeps, input: ClusterNodeInput): Promise<{ session: SshSession; connectionId: string; facts: NodeFacts; host: string }> {
  const saved = deps.connections.savedOf(input.connectionId)
  const { session, connectionId } = await reachNode(deps.access, { name: saved.label, host: saved.host, port: saved.port, username: saved.username })
  const facts = await deps.facts.factsOf(connectionId, { refresh: true })
  return { session, connectionId, facts, host: saved.host }
}

/** The cluster node a chosen server becomes, from the admin's input and its facts. */
export function clusterNodeOf(input: ClusterNodeInput, saved: { host: string; port: number; username: string }, facts: NodeFacts, vip: string): ClusterNode {
  const where = `${saved.username}@${saved.host}`
  const name = input.name ?? facts.hostname.split('.')[0] ?? ''
  if (!ClusterNodeNameSchema.safeParse(name).success) {
    throw new ApiException({
      kind: 'invalid-input',
      field: 'nodes.name',
      node: saved.host,
      message: `${where} calls itself "${facts.hostname.slice(0, 80)}", which is not a usable node name.`,
      hint: 'Give the node a name: letters, digits and "-" (e.g. web-01).'
    })
  }
  const cidr = parseCidr(vip)
  const iface = chooseInterface(facts, input.interface, cidr)
  if (!iface) {
    throw new ApiException({
      kind: 'invalid-input',
      field: 'nodes.interface',
      node: saved.host,
      message: input.interface
        ? `${name} (${where}) has no interface ${input.interface}; it has ${facts.interfaces.map((i) => i.name).join(', ')}.`
        : `${name} (${where}) has no interface in the VIP's subnet and no default route to choose one from.`,
      hint: 'Name the interface that carries the VIP on this node.'
    })
  }
  const v4 = iface.addresses.filter((a) => a.family === 'inet')
  const address = v4.find((a) => ipv4InSubnet(cidr.address, a.address, a.prefix)) ?? v4[0]
  if (!address) {
    throw new ApiException({
      kind: 'invalid-input',
      field: 'nodes.interface',
      node: saved.host,
      message: `${name} (${where}): ${iface.name} has no IPv4 address, so VRRP adverts have no source there.`,
      hint: 'Choose the interface that has the node\'s address in the VIP\'s subnet.'
    })
  }
  return {
    name,
    host: saved.host,
    port: saved.port,
    username: saved.username,
    platform: facts.platform,
    interface: iface.name,
    address: address.address,
    priority: input.priority ?? DEFAULT_NODE_PRIORITY
  }
}

/**
 * What `inspect` found, judged for a node joining cluster `clusterId`: another cluster's
 * cluster.json, an unreadable one, or a full /opt refuses it (error naming node and cluster).
 */
export function judgeInstall(node: ClusterNode, install: NodeInstallState, clusterId: string, facts: NodeFacts): void {
  const where = `${node.name} (${node.host})`
  const at = layoutOf(node.platform)
  const c = install.cluster
  if (c && 'unreadable' in c) {
    throw new ApiException({
      kind: 'conflict',
      node: node.host,
      message: `${where} has a ${at.clusterFile} that cannot be read (${c.unreadable}); it may belong to another cluster.`,
      hint: `Connect to that cluster to see what it is, or remove ${at.configDir} on the node if it is stale.`
    })
  }
  if (c && c.id !== clusterId) {
    throw new ApiException({
      kind: 'conflict',
      node: node.host,
      message: `${where} is already in the cluster ${c.name} (${c.id}, generation ${c.generation}).`,
      hint: `Evict it from ${c.name} first (or destroy that cluster), or choose another node.`
    })
  }
  const needed = facts.nodeVersion ? NEEDED_BYTES_WITH_NODE : NEEDED_BYTES_WITH_RUNTIME
  const alreadyThere = install.currentRelease !== null
  if (!alreadyThere && install.optFreeBytes !== null && install.optFreeBytes < needed) {
    throw new ApiException({
      kind: 'command-failed',
      node: node.host,
      message: `${where} has ${mb(install.optFreeBytes)} free ${at.platform === 'windows' ? 'on' : 'under'} ${at.installVolume}; the agent${facts.nodeVersion ? '' : ' with its Node.js runtime'} needs about ${mb(needed)}.`,
      hint: `Free space ${at.platform === 'windows' ? 'on' : 'under'} ${at.installVolume} on that node, then run the action again.`
    })
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

const PREFLIGHT_TITLE = 'Preflight: reach the node, read its facts and what is installed'

/** Reaches, names and inspects one chosen server; judged for joining `clusterId`. Changes nothing. */
export async function preflightNode(run: OperationRun, deps: OperationDeps, input: ClusterNodeInput, vip: string, clusterId: string): Promise<PreparedNode> {
  const saved = deps.connections.savedOf(input.connectionId)
  let reached: Awaited<ReturnType<typeof reachNewNode>>
  let node: ClusterNode
  try {
    reached = await reachNewNode(deps, input)
    node = clusterNodeOf(input, saved, reached.facts, vip)
  } catch (err) {
    // Not even named yet: the step carries the name asked for, or the host's.
    return run.step('preflight', PREFLIGHT_TITLE, input.name ?? provisionalName(saved.host), () => Promise.reject(err))
  }
  return run.step('preflight', PREFLIGHT_TITLE, node.name, async () => {
    const install = await deps.deployer.inspect(reached.session)
    judgeInstall(node, install, clusterId, reached.facts)
    return { node, session: reached.session, connectionId: reached.connectionId, facts: reached.facts, install }
  }, (p) => `${p.node.interface} ${p.node.address}, Node.js ${p.facts.nodeVersion ?? 'absent (the runtime will be uploaded)'}${p.install.cluster && 'generation' in p.install.cluster ? `; holds generation ${p.install.cluster.generation} of this cluster from an earlier attempt: converging` : ''}`)
}
