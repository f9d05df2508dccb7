// Shared by the deploy lab tests: SSH sessions to lab nodes (root, or the key-only NOPASSWD
// user), a small agent config holding one VIP from the lab's pool, a snapshot of everything
// HAVIP could leave on a node (files under its four dirs, processes, addresses), and a scrub
// that puts a node back without the deploy service, for afterEach when a test failed midway.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClusterDefinition } from '../../../electron/api/cluster'
import { LinuxDeployer } from '../../../electron/backend/deploy/linux-deployer'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { nodeExec, type LabNode } from '../../lab/lab'
import { makeEnv, type SshTestEnv } from '../ssh/helpers'
import { ensureBundle } from '../agent/lab-agents'

export { waitFor } from '../../support/wait-for'

export const HAVIP_DIRS = ['/opt/havip', '/etc/havip', '/var/log/havip', '/run/havip']

export interface DeployEnv extends SshTestEnv {
  deployer: LinuxDeployer
  notes: string[]
  root(node: LabNode): Promise<SshSession>
  keyUser(node: LabNode): Promise<SshSession>
  /** havipadm: password login, and sudo asks for the password every time (timestamp_timeout=0). */
  admin(node: LabNode): Promise<SshSession>
  node(name: string): LabNode
}

export function makeDeployEnv(): DeployEnv {
  ensureBundle()
  const env = makeEnv()
  const notes: string[] = []
  return {
    ...env,
    deployer: new LinuxDeployer(process.env.HAVIP_AGENT_BUNDLE_DIR ? { bundleDir: process.env.HAVIP_AGENT_BUNDLE_DIR } : {}),
    notes,
    root: (node) => env.pool.connect(env.rootTarget(node)),
    keyUser: (node) => env.pool.connect(env.keyUserTarget('nopasswd', node)),
    admin: (node) => env.pool.connect(env.adminTarget(node)),
    node: (name) => {
      const n = env.lab.nodes.find((x) => x.name === name)
      if (!n) throw new Error(`the lab has no node ${name}: bring it up with more nodes`)
      return n
    }
  }
}

/** One instance on eth0 holding `vip`/24, VRRPv3 at 100 ms so a lone node is master in ~0.4 s. */
export function agentConfig(vip: string, vrid: number, priority = 150, name = 'web'): string {
  return JSON.stringify({ instances: [{ name, interface: 'eth0', vrid, version: 3, priority, advertIntervalMs: 100, vips: [{ address: vip, prefix: 24 }] }] }, null, 2)
}

export function definition(node: LabNode, vip: string, vrid: number): ClusterDefinition {
  return {
    schema: 1,
    id: 'c-deploy-test',
    name: 'deploy-test',
    generation: 1,
    writtenBy: 'deploy lab test',
    updatedAt: new Date().toISOString(),
    nodes: [{ name: node.name, host: node.address, port: 22, username: 'root', platform: 'linux', interface: 'eth0', address: node.address, priority: 150 }],
    roles: [{ name: 'web', vip: `${vip}/24`, vrid, version: 3, advertIntervalMs: 100, mode: 'multicast', auth: { type: 'none' }, preferredOwners: [node.name], failback: { policy: 'never' } }]
  } as unknown as ClusterDefinition
}

/** Processes in the node's network namespace that run HAVIP's agent or supervisor. */
const AGENT_PROCS = [
  'me=$(readlink /proc/self/ns/net)',
  'for p in /proc/[0-9]*; do',
  '  [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$me" ] || continue',
  '  c=$(tr "\\000" " " 2>/dev/null < "$p/cmdline") || continue',
  '  case "$c" in "sh -c me="*) continue;; esac', // this script and its subshells
  '  case "$c" in *havip-agent*) printf "%s %s\\n" "${p#/proc/}" "$c";; esac',
  'done'
].join('\n')

export async function agentProcesses(node: LabNode): Promise<string[]> {
  const r = await nodeExec(node, ['sh', '-c', AGENT_PROCS], { timeoutMs: 15_000 })
  return r.stdout.split('\n').filter(Boolean)
}

export interface NodeSnapshot {
  files: string[]
  processes: string[]
  addresses: string[]
}

/** What HAVIP could have left on a node: every file under its dirs, agent processes, eth0's addresses. */
export async function snapshot(node: LabNode): Promise<NodeSnapshot> {
  const files = await nodeExec(node, ['find', ...HAVIP_DIRS, '-mindepth', '1', '-printf', '%p %y %m\\n'], { timeoutMs: 15_000 })
  const addrs = await nodeExec(node, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'], { timeoutMs: 15_000 })
  return {
    files: files.stdout.split('\n').filter(Boolean).sort(),
    processes: (await agentProcesses(node)).map((l) => l.replace(/^\d+ /, '')),
    addresses: addrs.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[3]!).sort()
  }
}

/**
 * Puts a node back without the deploy service (for afterEach after a failure): kills agent
 * processes in its namespace, removes the test VIPs and empties the four dirs (lab mount points).
 */
export async function scrub(node: LabNode, vips: string[]): Promise<void> {
  for (const line of await agentProcesses(node)) {
    await nodeExec(node, ['kill', '-9', line.split(' ')[0]!]).catch(() => undefined)
  }
  for (const vip of vips) await nodeExec(node, ['ip', 'addr', 'del', `${vip}/24`, 'dev', 'eth0'])
  await nodeExec(node, ['sh', '-c', 'for d in "$@"; do rm -rf -- "$d"/* "$d"/.[!.]* 2>/dev/null; done; true', 'sh', ...HAVIP_DIRS])
}

/**
 * Other lab tests leave files in these dirs (the agent tests copy the bundle into /opt/havip).
 * removeAll rightly takes everything there, so a deploy test first moves what it finds to a
 * host temp dir and puts it back at the end: the node is left as found, and the test compares
 * against the dirs empty, as on a node HAVIP never touched. Returns the restore.
 */
export async function setAside(node: LabNode): Promise<() => Promise<void>> {
  const aside = mkdtempSync(join(tmpdir(), `havip-deploy-aside-${node.name}-`))
  const move = 'to=$1; shift; for d in "$@"; do mkdir -p "$to$d"; cp -a "$d/." "$to$d/" && find "$d" -mindepth 1 -delete; done'
  const r = await nodeExec(node, ['sh', '-c', move, 'sh', aside, ...HAVIP_DIRS], { timeoutMs: 60_000 })
  if (r.code !== 0) throw new Error(`setting aside ${HAVIP_DIRS.join(' ')} of ${node.name} failed: ${r.stderr}`)
  return async () => {
    const back = 'from=$1; shift; for d in "$@"; do cp -a "$from$d/." "$d/"; done'
    const b = await nodeExec(node, ['sh', '-c', back, 'sh', aside, ...HAVIP_DIRS], { timeoutMs: 60_000 })
    if (b.code !== 0) throw new Error(`putting back ${aside} into ${node.name} failed: ${b.stderr}`)
    rmSync(aside, { recursive: true, force: true })
  }
}

export const VIP_A = '198.51.100.216'
export const VIP_B = '198.51.100.217'
export const VIP_C = '198.51.100.218'
export const VRID_A = 161
export const VRID_B = 162
export const VRID_C = 163
