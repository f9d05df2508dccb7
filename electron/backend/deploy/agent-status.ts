// Asking the deployed agent, as root on the node, through its own CLI: `ctl status --json`,
// `ctl release|takeover`, and `probe` (ICMP from the node). Replies are parsed defensively:
// a newer or older agent, or one that is not running, gives an AgentState with the reason,
// never an exception from a parser.
import { z } from 'zod'
import type { SshSession } from '../ssh/session'
import type { AgentInstanceState, AgentState } from './node-deployer'
import { AGENT, DeployError, NODE_LINK } from './layout'
import { lastLine, nodeOf } from './remote-run'

// The fields the deploy service reads from agent/agent.ts AgentStatus and agent/instance.ts
// InstanceStatus; the rest passes through unread, so an agent that adds fields still parses.
const InstanceSchema = z
  .object({
    name: z.string(),
    state: z.string(),
    vrid: z.number().int(),
    effectivePriority: z.number().optional(),
    basePriority: z.number().optional(),
    vipsHeld: z.array(z.string()).optional(),
    fault: z.boolean().optional()
  })
  .passthrough()
const StatusReplySchema = z.union([
  z.object({ ok: z.literal(true), result: z.object({ version: z.string().optional(), instances: z.array(InstanceSchema) }).passthrough() }).passthrough(),
  z.object({ ok: z.literal(false), error: z.string() }).passthrough()
])

/** The agent's state machine names (agent/vrrp/state-machine.ts) as the contract spells them. */
const STATE_NAMES: Record<string, string> = { initialize: 'INIT', backup: 'BACKUP', master: 'MASTER', fault: 'FAULT' }

/** Parses what `havip-agent ctl status --json` printed (stdout) and its exit code. */
export function parseStatus(stdout: string, stderr: string, code: number): AgentState {
  const line = stdout.trim().split('\n').pop() ?? ''
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    const why = lastLine(stderr) || lastLine(stdout) || `ctl status exited with code ${code}`
    return { running: false, version: null, instances: [], error: why }
  }
  const r = StatusReplySchema.safeParse(raw)
  if (!r.success) {
    const i = r.error.issues[0]
    return { running: true, version: null, instances: [], error: `the agent's status has an unexpected shape (${i?.path.join('.') ?? ''}: ${i?.message ?? ''})` }
  }
  if (!r.data.ok) return { running: true, version: null, instances: [], error: r.data.error }
  const instances: AgentInstanceState[] = r.data.result.instances.map((i) => ({
    name: i.name,
    state: i.fault === true ? 'FAULT' : (STATE_NAMES[i.state] ?? i.state.toUpperCase()),
    vrid: i.vrid,
    priority: i.effectivePriority ?? i.basePriority ?? 0,
    holdsVips: (i.vipsHeld ?? []).length > 0
  }))
  return { running: true, version: r.data.result.version ?? null, instances }
}

export async function agentStatus(session: SshSession): Promise<AgentState> {
  const r = await session.exec([NODE_LINK, AGENT, 'ctl', 'status', '--json'], { sudo: true, timeoutMs: 20_000 })
  const s = parseStatus(r.stdout, r.stderr, r.code)
  // "not listening" is the normal answer of a stopped agent; anything else keeps its words.
  if (!s.running && /no havip-agent is listening/.test(s.error ?? '')) return { ...s, error: `the agent is not running on ${nodeOf(session)}` }
  if (!s.running && r.code === 127) return { ...s, error: `the agent is not installed on ${nodeOf(session)}` }
  return s
}

const INSTANCE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/

export async function agentControl(session: SshSession, cmd: 'release' | 'takeover', instance: string): Promise<void> {
  const node = nodeOf(session)
  if (!INSTANCE_NAME.test(instance)) {
    throw new DeployError({ node, what: `ctl ${cmd}`, why: `"${instance.slice(0, 80)}" is not an instance name`, hint: 'Use the role name as the cluster definition has it.' })
  }
  const r = await session.exec([NODE_LINK, AGENT, 'ctl', cmd, instance, '--json'], { sudo: true, timeoutMs: 30_000 })
  let reply: { ok?: unknown; error?: unknown } | undefined
  try {
    reply = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { ok?: unknown; error?: unknown }
  } catch {
    reply = undefined
  }
  if (r.code === 0 && reply?.ok === true) return
  const why = typeof reply?.error === 'string' ? reply.error : lastLine(r.stderr) || `exit code ${r.code}`
  throw new DeployError({
    node,
    what: `Asking the agent to ${cmd} ${instance}`,
    why,
    hint: cmd === 'release' ? 'Check that the agent runs and holds that role (status), then try again.' : 'Check that the agent runs and has that role, then try again.'
  })
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** Counts the JSON lines of `havip-agent probe --json`: one per probe, `lost: true` when unanswered. */
export function parseProbeLines(stdout: string): { sent: number; answered: number } {
  let sent = 0
  let answered = 0
  for (const line of stdout.split('\n')) {
    let o: unknown
    try {
      o = JSON.parse(line)
    } catch {
      continue
    }
    if (typeof o !== 'object' || o === null || typeof (o as { seq?: unknown }).seq !== 'number') continue
    sent++
    if ((o as { lost?: unknown }).lost !== true) answered++
  }
  return { sent, answered }
}

export async function agentProbe(session: SshSession, address: string, count: number): Promise<{ sent: number; answered: number }> {
  const node = nodeOf(session)
  if (!IPV4.test(address)) throw new DeployError({ node, what: 'Probing', why: `"${address.slice(0, 80)}" is not an IPv4 address`, hint: 'Give the VIP without its prefix length, e.g. 198.51.100.210.' })
  const n = Math.max(1, Math.min(100, Math.floor(count)))
  const r = await session.exec([NODE_LINK, AGENT, 'probe', address, '--count', String(n), '--interval-ms', '100', '--timeout-ms', '500', '--json'], {
    sudo: true,
    timeoutMs: 15_000 + n * 200
  })
  const got = parseProbeLines(r.stdout)
  if (r.code !== 0 && got.sent === 0) {
    throw new DeployError({ node, what: `Probing ${address}`, why: lastLine(r.stderr) || `havip-agent probe exited with code ${r.code}`, hint: 'Check that the agent is installed on this node (the probe uses it).' })
  }
  return got
}
