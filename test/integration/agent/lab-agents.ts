/**
 * Helpers to run havip-agent (the built bundle) and Debian's keepalived inside lab nodes,
 * shared by the agent's lab tests and the bench. Everything started here is tracked and
 * removed by stopAll(): processes (process groups), VIPs, config and pid files.
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { clientExec, killSpawned, nodeExec, nodeSpawn, readLabState, type LabNode, type LabState } from '../../lab/lab'

export const REPO = join(__dirname, '..', '..', '..')
export const BUNDLE_DIR = join(REPO, 'resources', 'agent')
/** Where the bundle is installed inside a node: a different directory from the build, on purpose. */
export const NODE_AGENT = '/opt/havip/havip-agent.cjs'
export const NODE_BIN = '/usr/bin/node'

export function labState(): LabState {
  const s = readLabState()
  if (!s) throw new Error('the lab is not up: run the integration config (its globalSetup brings it up) or `npm run lab:up`')
  return s
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return newest
}

/** Builds the bundle (npm run build:agent) when it is missing or older than any agent source, so tests never run a stale agent. */
export function ensureBundle(): void {
  const bundle = join(BUNDLE_DIR, 'havip-agent.cjs')
  const fresh = existsSync(bundle) && existsSync(join(BUNDLE_DIR, 'prebuilds')) &&
    statSync(bundle).mtimeMs >= Math.max(newestMtime(join(REPO, 'agent')), statSync(join(REPO, 'scripts', 'build-agent.mjs')).mtimeMs)
  if (fresh) return
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build-agent.mjs')], { stdio: 'inherit', timeout: 120_000 })
}

/** Copies the bundle and its prebuilds into the node's private /opt/havip. */
export async function installAgent(node: LabNode): Promise<void> {
  const r = await nodeExec(node, ['cp', '-r', `${BUNDLE_DIR}/.`, '/opt/havip/'], { timeoutMs: 30_000 })
  if (r.code !== 0) throw new Error(`installing the agent bundle in ${node.name} failed: ${r.stderr}`)
}

/** What every agent lab test file does first: a fresh bundle (built if stale), installed on these nodes. */
export async function deployBundle(nodes: LabNode[]): Promise<void> {
  ensureBundle()
  for (const n of nodes) await installAgent(n)
}

export async function writeNodeFile(node: LabNode, path: string, content: string): Promise<void> {
  const r = await nodeExec(node, ['/usr/bin/tee', path], { input: content, timeoutMs: 10_000 })
  if (r.code !== 0) throw new Error(`writing ${path} in ${node.name} failed: ${r.stderr}`)
}

import { sleep, waitFor } from '../../support/wait-for'
export { sleep, waitFor }

export interface InstanceSpec {
  name?: string
  vrid: number
  priority: number
  version?: 2 | 3
  /** keepalived advert_int in seconds (v3 may be fractional). */
  advertInt?: number
  vips: string[]
  /** Unicast peers; omit for multicast. */
  peers?: string[]
  src?: string
  nopreempt?: boolean
  preemptDelay?: number
  authPass?: string
  state?: 'MASTER' | 'BACKUP'
  extra?: string[]
  globalExtra?: string[]
}

/** A keepalived.conf both keepalived and the agent (--keepalived-conf) read. */
export function keepalivedConf(s: InstanceSpec): string {
  const lines = ['global_defs {', '  router_id havip_test', '  enable_script_security', ...(s.globalExtra ?? []).map((l) => `  ${l}`), '}', '']
  lines.push(`vrrp_instance ${s.name ?? 'VI_T'} {`)
  lines.push(`  state ${s.state ?? 'BACKUP'}`, '  interface eth0', `  virtual_router_id ${s.vrid}`, `  priority ${s.priority}`)
  lines.push(`  version ${s.version ?? 3}`, `  advert_int ${s.advertInt ?? 1}`)
  if (s.nopreempt) lines.push('  nopreempt')
  if (s.preemptDelay !== undefined) lines.push(`  preempt_delay ${s.preemptDelay}`)
  if (s.authPass) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${s.authPass}`, '  }')
  if (s.src) lines.push(`  unicast_src_ip ${s.src}`)
  if (s.peers && s.peers.length > 0) lines.push('  unicast_peer {', ...s.peers.map((p) => `    ${p}`), '  }')
  lines.push('  virtual_ipaddress {', ...s.vips.map((v) => `    ${v}/24 dev eth0`), '  }')
  for (const e of s.extra ?? []) lines.push(`  ${e}`)
  lines.push('}', '')
  return lines.join('\n')
}

export interface Running {
  kind: 'agent' | 'keepalived'
  node: LabNode
  tag: string
  child: ChildProcess
  socket: string
  output: string[]
  vips: string[]
}

const running = new Set<Running>()

function collect(r: Running): void {
  const push = (d: Buffer): void => {
    r.output.push(d.toString())
    if (r.output.length > 2000) r.output.splice(0, 1000)
  }
  r.child.stdout?.on('data', push)
  r.child.stderr?.on('data', push)
}

/** Starts the agent bundle in `node` on a keepalived.conf built from `spec`. */
export async function startAgent(node: LabNode, tag: string, spec: InstanceSpec | { json: unknown }): Promise<Running> {
  const socket = `/run/havip/agent-${tag}.sock`
  let argv: string[]
  if ('json' in spec) {
    const path = `/etc/havip/agent-${tag}.json`
    await writeNodeFile(node, path, JSON.stringify(spec.json, null, 2))
    argv = [NODE_BIN, NODE_AGENT, 'run', '--config', path, '--socket', socket]
  } else {
    const path = `/etc/havip/agent-${tag}.conf`
    await writeNodeFile(node, path, keepalivedConf(spec))
    argv = [NODE_BIN, NODE_AGENT, 'run', '--keepalived-conf', path, '--socket', socket]
  }
  const child = nodeSpawn(node, argv)
  const vips = 'json' in spec ? [] : spec.vips
  const r: Running = { kind: 'agent', node, tag, child, socket, output: [], vips }
  collect(r)
  running.add(r)
  child.once('exit', () => running.delete(r))
  await waitFor(`agent ${tag} on ${node.name} to open its control socket`, async () => {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}: ${r.output.join('').slice(-2000)}`)
    return (await nodeExec(node, ['test', '-S', socket])).code === 0
  }, 15_000, 100)
  return r
}

/** Starts Debian's keepalived in `node` (foreground, own pid files under /run/havip). */
export async function startKeepalived(node: LabNode, tag: string, spec: InstanceSpec): Promise<Running> {
  const base = `/run/havip/k-${tag}`
  await writeNodeFile(node, `${base}.conf`, keepalivedConf(spec))
  const child = nodeSpawn(node, ['keepalived', '-n', '-l', '-D', '-f', `${base}.conf`, '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-checkers.pid`])
  const r: Running = { kind: 'keepalived', node, tag, child, socket: '', output: [], vips: spec.vips }
  collect(r)
  running.add(r)
  child.once('exit', () => running.delete(r))
  await waitFor(`keepalived ${tag} on ${node.name} to start its VRRP process`, async () => {
    if (child.exitCode !== null) throw new Error(`keepalived exited with ${child.exitCode}: ${r.output.join('').slice(-2000)}`)
    return (await nodeExec(node, ['test', '-s', `${base}-vrrp.pid`])).code === 0
  }, 15_000, 100)
  return r
}

/** kill -9 of the whole process group (agent, or keepalived with its children). */
export async function crash(r: Running): Promise<void> {
  await killSpawned(r.child, 'SIGKILL', 1000)
}

/** Clean stop: SIGTERM, waits for exit (bounded). */
export async function stopClean(r: Running, graceMs = 8000): Promise<void> {
  await killSpawned(r.child, 'SIGTERM', graceMs)
}

export async function ctl(r: Running, args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await nodeExec(r.node, [NODE_BIN, NODE_AGENT, 'ctl', ...args, '--json', '--socket', r.socket], { timeoutMs: 15_000 })
  let json: any
  try {
    json = JSON.parse(res.stdout.trim().split('\n').pop() ?? '')
  } catch {
    json = undefined
  }
  return { code: res.code, json, stderr: res.stderr }
}

export async function instanceStatus(r: Running, name = 'VI_T'): Promise<any> {
  const res = await ctl(r, ['status'])
  if (!res.json?.ok) throw new Error(`ctl status on ${r.node.name} failed: ${res.stderr || JSON.stringify(res.json)}`)
  return res.json.result.instances.find((i: { name: string }) => i.name === name)
}

/** Does `node` hold `vip` on eth0? */
export async function holdsVip(node: LabNode, vip: string): Promise<boolean> {
  const r = await nodeExec(node, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
  return r.stdout.split('\n').some((l) => l.includes(` ${vip}/`))
}

/** Nodes (of `nodes`) holding `vip`. */
export async function vipHolders(nodes: LabNode[], vip: string): Promise<string[]> {
  const held = await Promise.all(nodes.map((n) => holdsVip(n, vip)))
  return nodes.filter((_, i) => held[i]).map((n) => n.name)
}

/** Waits until exactly `expected` holds the VIP (and no other of `nodes`). */
export async function waitForSoleHolder(nodes: LabNode[], vip: string, expected: LabNode, timeoutMs: number): Promise<void> {
  await waitFor(`${vip} held by ${expected.name} only`, async () => {
    const h = await vipHolders(nodes, vip)
    return h.length === 1 && h[0] === expected.name
  }, timeoutMs)
}

/** One ping from the client namespace; true when the VIP answered. */
export async function clientPing(vip: string): Promise<boolean> {
  const r = await clientExec(['ping', '-c', '1', '-W', '1', '-n', vip], { timeoutMs: 5000 })
  return r.code === 0
}

/** Which node answers pings to the VIP? The client's ARP entry for it names the MAC; compare with nodes' eth0 MACs. */
export async function vipAnsweredBy(nodes: LabNode[], vip: string): Promise<string | undefined> {
  if (!(await clientPing(vip))) return undefined
  const neigh = await clientExec(['ip', '-4', 'neigh', 'show', vip])
  const mac = /lladdr ([0-9a-f:]+)/.exec(neigh.stdout)?.[1]
  for (const n of nodes) {
    const l = await nodeExec(n, ['cat', '/sys/class/net/eth0/address'])
    if (l.stdout.trim() === mac) return n.name
  }
  return undefined
}

/** Stops everything started here and removes `vips` from every node; safe to call twice. */
export async function stopAll(vips: string[] = []): Promise<void> {
  const all = [...running]
  await Promise.all(all.map((r) => killSpawned(r.child, 'SIGKILL', 1000).catch(() => undefined)))
  running.clear()
  const state = readLabState()
  if (!state) return
  const allVips = new Set([...vips, ...all.flatMap((r) => r.vips)])
  for (const n of state.nodes) {
    for (const v of allVips) await nodeExec(n, ['ip', '-4', 'addr', 'del', `${v}/24`, 'dev', 'eth0']).catch(() => undefined)
    await nodeExec(n, ['sh', '-c', 'rm -f /run/havip/agent-*.sock /run/havip/k-* /etc/havip/agent-*']).catch(() => undefined)
  }
  await clientExec(['ip', 'neigh', 'flush', 'dev', 'eth0']).catch(() => undefined)
}

export function logsOf(r: Running): string {
  return r.output.join('')
}
