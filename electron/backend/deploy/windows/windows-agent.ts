// The havip-agent service and the agent's own CLI on a Windows node: start/stop through the
// 'deploy-service' script, and ctl status/reload/release/takeover and probe through 'run-argv'
// with the node.exe and release that current.json names (no sudo on Windows: the login is an
// administrator, and `ctl` reads the control token only an administrator may read).
import type { PowerShellRunner } from '../../platform/windows/runner'
import { parseProbeLines, parseStatus } from '../agent-status'
import { DeployError } from '../layout'
import type { AgentState } from '../node-deployer'
import { inspectWindowsNode, runStep } from './windows-steps'
import { releaseAgent, WIN_LOGS, WIN_SERVICE_NAME } from './windows-layout'

interface ServiceResult {
  status?: unknown
  error?: unknown
  logTail?: unknown
}

export async function windowsService(ps: PowerShellRunner, action: 'install' | 'start' | 'stop'): Promise<void> {
  const what = { install: 'Installing the havip-agent service', start: 'Starting the agent service', stop: 'Stopping the agent service' }[action]
  const r = (await runStep<ServiceResult>(ps, what, 'deploy-service', { action })) ?? {}
  const want = { install: null, start: 'Running', stop: 'Stopped' }[action]
  const installed = r.status !== null && r.status !== undefined
  if (action === 'install' ? installed : (r.status === want || (action === 'stop' && !installed)) && !r.error) return
  const tail = (Array.isArray(r.logTail) ? r.logTail : typeof r.logTail === 'string' ? [r.logTail] : []).map(String)
  const status = r.status ? `it is ${String(r.status)}` : 'it is not installed'
  throw new DeployError({
    node: ps.host,
    what,
    why: `${typeof r.error === 'string' && r.error ? `${r.error.replace(/\.$/, '')}; ` : ''}${status}${tail.length ? `; the agent's logs end with: ${tail.slice(-5).join(' | ')}` : ''}`,
    hint:
      action === 'start'
        ? `Read ${WIN_LOGS}\\${WIN_SERVICE_NAME}.err.log and ${WIN_SERVICE_NAME}.wrapper.log on the node (and Event Viewer, System log, source Service Control Manager); the wrapper needs .NET Framework 4. Fix what they name, then start the agent again.`
        : `Run "sc.exe query ${WIN_SERVICE_NAME}" on the node as an administrator to see why, then run the action again.`
  })
}

async function runAgent(ps: PowerShellRunner, args: string[]): Promise<{ exitCode: number; output: string } | null> {
  const cur = (await inspectWindowsNode(ps)).current
  if (!cur) return null
  const r = await runStep<{ exitCode?: unknown; output?: unknown }>(ps, `havip-agent ${args[0]}`, 'run-argv', { argv: [cur.node, releaseAgent(cur.release), ...args] })
  return { exitCode: typeof r?.exitCode === 'number' ? r.exitCode : -1, output: typeof r?.output === 'string' ? r.output : '' }
}

export async function windowsAgentStatus(ps: PowerShellRunner): Promise<AgentState> {
  const r = await runAgent(ps, ['ctl', 'status', '--json'])
  if (!r) return { running: false, version: null, instances: [], error: `the agent is not installed on ${ps.host}` }
  const s = parseStatus(r.output, r.output, r.exitCode)
  if (!s.running && /no havip-agent is listening/.test(s.error ?? '')) return { ...s, error: `the agent is not running on ${ps.host}` }
  return s
}

function lastJson(output: string): { ok?: unknown; error?: unknown } | undefined {
  try {
    return JSON.parse(output.trim().split('\n').pop() ?? '') as { ok?: unknown; error?: unknown }
  } catch {
    return undefined
  }
}

const INSTANCE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

export async function windowsAgentCommand(ps: PowerShellRunner, cmd: 'release' | 'takeover' | 'reload', instance?: string): Promise<void> {
  const what = instance ? `Asking the agent to ${cmd} ${instance}` : `Asking the agent to ${cmd}`
  if (instance !== undefined && !INSTANCE_NAME.test(instance)) {
    throw new DeployError({ node: ps.host, what: `ctl ${cmd}`, why: `"${instance.slice(0, 80)}" is not an instance name`, hint: 'Use the role name as the cluster definition has it.' })
  }
  const r = await runAgent(ps, ['ctl', cmd, ...(instance ? [instance] : []), '--json'])
  if (!r) throw new DeployError({ node: ps.host, what, why: 'the agent is not installed there', hint: 'Install the agent on this node first.' })
  const reply = lastJson(r.output)
  if (r.exitCode === 0 && reply?.ok === true) return
  const why = typeof reply?.error === 'string' ? reply.error : r.output.trim().split('\n').pop()?.trim() || `exit code ${r.exitCode}`
  throw new DeployError({ node: ps.host, what, why, hint: 'Check that the agent runs (status) and has that role, then try again.' })
}

export async function windowsAgentProbe(ps: PowerShellRunner, address: string, count: number): Promise<{ sent: number; answered: number }> {
  if (!IPV4.test(address)) throw new DeployError({ node: ps.host, what: 'Probing', why: `"${address.slice(0, 80)}" is not an IPv4 address`, hint: 'Give the VIP without its prefix length, e.g. 198.51.100.210.' })
  const n = Math.max(1, Math.min(100, Math.floor(count)))
  const r = await runAgent(ps, ['probe', address, '--count', String(n), '--interval-ms', '100', '--timeout-ms', '500', '--json'])
  const got = r ? parseProbeLines(r.output) : { sent: 0, answered: 0 }
  if (!r || (r.exitCode !== 0 && got.sent === 0)) {
    throw new DeployError({ node: ps.host, what: `Probing ${address}`, why: r ? `havip-agent probe exited with code ${r.exitCode}` : 'the agent is not installed there', hint: 'Check that the agent is installed on this node (the probe uses it).' })
  }
  return got
}
