// The admin commands the console sends to one node's agent, as an administrator over SSH
// (through the node's AgentAccess: sudo on Linux, the PowerShell seam on Windows):
// `havip-agent ctl takeover|release|pause|resume [ROLE] --json`, and
// `ctl simulate-failure ROLE --duration-ms N|--cancel --json`. The agent answers with the
// status of the instances it acted on; a refusal ("cannot take over vip1: it is in state
// maintenance (paused: run "ctl resume" first)") comes back as an error naming the node.
import { ApiException, apiError } from '../../api/errors'
import { clip } from '../../api/limits'
import type { SshSession } from '../ssh/session'
import type { AgentAccess } from './agent-access'
import { parseFeedLine, type AgentInstanceReport, type AgentStatusReport } from './agent-report'

export type AdminCommand = 'takeover' | 'release' | 'pause' | 'resume' | 'simulate-failure'

const ROLE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/

const HINTS: Record<AdminCommand, string> = {
  takeover: 'Check the node in the console (it must be Up, not paused, not in fault), then try again.',
  release: 'Check that the agent runs on that node (Start Cluster Service), then run Move again.',
  pause: 'Check that the agent runs on that node (Start Cluster Service), then try again.',
  resume: 'Check that the agent runs on that node (Start Cluster Service), then try again.',
  'simulate-failure': 'Check the node in the console (it must be Up and hold the role, not paused nor in fault); its agent must be this version or newer (older agents lack simulate-failure: upgrade the cluster).'
}

/** simulate-failure's options: a whole number of ms (the API checked its bounds; the agent checks them again), or cancel. */
export interface SimulateOptions {
  durationMs?: number
  cancel?: boolean
}

function simulateArgs(o: SimulateOptions): string[] {
  if (o.cancel) return ['--cancel']
  if (o.durationMs === undefined) return []
  if (!Number.isInteger(o.durationMs)) throw new ApiException(apiError('invalid-input', 'The duration must be a whole number of milliseconds.', { field: 'durationMs' }))
  return ['--duration-ms', String(o.durationMs)]
}

/** Runs one admin command; resolves with the instances it acted on, as the agent reports them. */
export async function agentCommand(agent: AgentAccess, session: SshSession, node: string, cmd: AdminCommand, role?: string, options: SimulateOptions = {}): Promise<AgentInstanceReport[]> {
  if (role !== undefined && !ROLE_NAME.test(role)) throw new ApiException(apiError('invalid-input', `"${role.slice(0, 40)}" is not a role name.`, { field: 'role' }))
  const r = await agent.ctl(session, node, [cmd, ...(role !== undefined ? [role] : []), ...simulateArgs(options), '--json'], { timeoutMs: 30_000 })
  const line = r.stdout.trim().split('\n').pop() ?? ''
  let reply: { ok?: unknown; error?: unknown; result?: unknown } | undefined
  try {
    reply = JSON.parse(line) as typeof reply
  } catch {
    reply = undefined
  }
  if (reply?.ok === true && Array.isArray(reply.result)) return reply.result as AgentInstanceReport[]
  const why = typeof reply?.error === 'string' ? reply.error : r.stderr.trim().split('\n').pop() || `exit code ${r.code}`
  throw new ApiException(
    apiError('command-failed', clip(`The agent on ${node} refused "${cmd}${role ? ` ${role}` : ''}": ${why}`, 'message'), { hint: HINTS[cmd], node })
  )
}

/** One full status of the node's agent (for confirming what an action left behind). */
export async function agentStatusNow(agent: AgentAccess, session: SshSession, node: string): Promise<AgentStatusReport> {
  const r = await agent.ctl(session, node, ['status', '--json'], { timeoutMs: 20_000, quiet: true })
  const parsed = parseFeedLine(r.stdout.trim().split('\n').pop() ?? '')
  if (parsed.kind === 'status') return parsed.status
  const why = parsed.kind === 'agent-down' ? parsed.why : r.stderr.trim().split('\n').pop() || `exit code ${r.code}`
  throw new ApiException(apiError('command-failed', clip(`Reading the agent's status on ${node} failed: ${why}`, 'message'), { hint: 'Start the Cluster Service on that node, then try again.', node }))
}
