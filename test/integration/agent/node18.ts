/**
 * Node.js 18 for the agent's oldest-supported-runtime test (issue 3: the agent "runs on
 * Node.js 18 to 22 on the node"). scripts/ensure-node18.sh unpacks Debian bookworm's nodejs 18
 * + libnode108 into a project-owned directory (it cannot be installed beside this machine's
 * Node 20 package); this module runs that script and says how to start that node, and starts
 * the agent bundle under it inside a lab node, the way lab-agents.ts does under Node 20.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { killSpawned, nodeExec, nodeSpawn, type LabNode } from '../../lab/lab'
import { NODE_AGENT, REPO, keepalivedConf, waitFor, writeNodeFile, type InstanceSpec, type Running } from './lab-agents'

/** Where ensure-node18.sh unpacks Node 18 (it also honours HAVIP_NODE18_DIR). */
export const NODE18_DIR = process.env.HAVIP_NODE18_DIR ?? '/opt/havip-test-node18'

export interface Node18 {
  /** The unpacked `node` binary (visible inside lab nodes too: they share the host's /opt except /opt/havip). */
  node: string
  /** Directory holding libnode.so.108; must be on LD_LIBRARY_PATH. */
  libDir: string
  /** Debian package version, e.g. 18.20.4+dfsg-1~deb12u3. */
  packageVersion: string
  /** Environment to run `node` with. */
  env: Record<string, string>
}

/**
 * Runs scripts/ensure-node18.sh (idempotent; downloads from Debian's archive only the first
 * time) and returns how to run Node 18. Throws with the script's own reason when it fails.
 */
export function ensureNode18(timeoutMs = 240_000): Node18 {
  try {
    execFileSync('bash', [join(REPO, 'scripts', 'ensure-node18.sh'), NODE18_DIR], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`Node 18 is not available for the agent's Node 18 test: ${(e.stderr ?? '').trim() || e.message}`)
  }
  const info = JSON.parse(readFileSync(join(NODE18_DIR, 'env.json'), 'utf8')) as { node: string; libDir: string; version: string }
  return { node: info.node, libDir: info.libDir, packageVersion: info.version, env: { LD_LIBRARY_PATH: info.libDir } }
}

/** Runs `node18 ...args` inside a lab node. */
export function node18Exec(n18: Node18, node: LabNode, args: string[], timeoutMs = 20_000): ReturnType<typeof nodeExec> {
  return nodeExec(node, [n18.node, ...args], { env: n18.env, timeoutMs })
}

const started = new Set<Running>()

/**
 * Starts the installed bundle (/opt/havip/havip-agent.cjs, see installAgent) under Node 18 in
 * `node` on a keepalived.conf built from `spec`; like lab-agents' startAgent, which uses Node 20.
 * Stop it with stopNode18Agents() (or crash/stopClean from lab-agents).
 */
export async function startAgentOnNode18(n18: Node18, node: LabNode, tag: string, spec: InstanceSpec): Promise<Running> {
  const socket = `/run/havip/agent-${tag}.sock`
  const conf = `/etc/havip/agent-${tag}.conf`
  await writeNodeFile(node, conf, keepalivedConf(spec))
  const child = nodeSpawn(node, [n18.node, NODE_AGENT, 'run', '--keepalived-conf', conf, '--socket', socket], { env: n18.env })
  const r: Running = { kind: 'agent', node, tag, child, socket, output: [], vips: spec.vips }
  const push = (d: Buffer): void => {
    r.output.push(d.toString())
    if (r.output.length > 2000) r.output.splice(0, 1000)
  }
  child.stdout?.on('data', push)
  child.stderr?.on('data', push)
  started.add(r)
  child.once('exit', () => started.delete(r))
  await waitFor(`agent ${tag} (Node 18) on ${node.name} to open its control socket`, async () => {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}: ${r.output.join('').slice(-2000)}`)
    return (await nodeExec(node, ['test', '-S', socket])).code === 0
  }, 15_000, 100)
  return r
}

/** `havip-agent ctl ARGS --json` run by Node 18 against `r`'s socket. */
export async function ctlNode18(n18: Node18, r: Running, args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  const res = await node18Exec(n18, r.node, [NODE_AGENT, 'ctl', ...args, '--json', '--socket', r.socket], 15_000)
  let json: any
  try {
    json = JSON.parse(res.stdout.trim().split('\n').pop() ?? '')
  } catch {
    json = undefined
  }
  return { code: res.code, json, stderr: res.stderr }
}

/** Kills every agent startAgentOnNode18 started and removes their config and socket files; safe to call twice. */
export async function stopNode18Agents(): Promise<void> {
  const all = [...started]
  started.clear()
  await Promise.all(all.map((r) => killSpawned(r.child, 'SIGKILL', 1000).catch(() => undefined)))
  for (const r of all) {
    await nodeExec(r.node, ['rm', '-f', r.socket, `/etc/havip/agent-${r.tag}.conf`]).catch(() => undefined)
  }
}
