/**
 * The live console's access to a Windows node's agent (live/windows-agent-access.ts), replayed:
 * the feed, the ctl commands and the probe stream run the named PowerShell scripts
 * (platform/windows/agent-scripts.ts) through the replay runner, which encodes each command as
 * the SSH runner does and answers from test/fixtures/windows (written from the documented
 * format of our own agent's JSON, as each fixture says). The one place that picks the platform
 * (platformAgentAccess) sends a Win32-OpenSSH session there and every other one the Linux way.
 */
import { describe, expect, it } from 'vitest'
import { platformAgentAccess } from '../../../electron/backend/live/agent-access'
import { agentCommand, agentStatusNow } from '../../../electron/backend/live/agent-commands'
import { AGENT_DOWN_MARK } from '../../../electron/backend/live/agent-report'
import { linuxAgentAccess } from '../../../electron/backend/live/linux-agent-access'
import { NodeFeed, type FeedUpdate } from '../../../electron/backend/live/node-feed'
import { windowsAgentAccess } from '../../../electron/backend/live/windows-agent-access'
import { WIN_ROOT } from '../../../electron/backend/deploy/windows/windows-layout'
import { WINDOWS_AGENT_DOWN_MARK, WINDOWS_AGENT_SCRIPTS } from '../../../electron/backend/platform/windows/agent-scripts'
import { CAPTURE_PARAMS, CONSOLE_PROBE_MAX_SECONDS } from '../../../electron/backend/platform/windows/capture'
import { decodeCommand, encodeCommand } from '../../../electron/backend/platform/windows/encoded-command'
import type { ReplayPowerShellRunner } from '../../../electron/backend/platform/windows/runner'
import { startNodeProbe } from '../../../electron/backend/reachability/node-prober'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { waitFor } from '../../support/wait-for'
import { replayNode, type WindowsCases } from '../../support/windows-fixtures'
import { FakeClock } from './fake-clock'
import { FakeSession } from './fake-session'
import { refusal } from './recorded-watch'

const HOST = '198.51.100.31'

/** A Win32-OpenSSH session that runs nothing itself: every command must go through the PowerShell seam. */
const windowsSession = {
  id: 'w1',
  target: { host: HOST, port: 22, username: 'Administrator' },
  serverIdent: 'OpenSSH_for_Windows_8.1',
  exec: () => Promise.reject(new Error('test: a Windows node must be reached through the PowerShell seam, not a raw exec'))
} as unknown as SshSession

function access(cases: WindowsCases, opts: { holdStreams?: boolean } = {}): { node: ReplayPowerShellRunner; agent: ReturnType<typeof platformAgentAccess> } {
  const node = replayNode(HOST, cases, opts)
  return { node, agent: platformAgentAccess(linuxAgentAccess, windowsAgentAccess(() => node)) }
}

function feedOn(cases: WindowsCases, opts: { holdStreams?: boolean } = {}) {
  const clock = new FakeClock()
  const { node, agent } = access(cases, opts)
  const updates: FeedUpdate[] = []
  const feed = new NodeFeed({ node: 'win1', session: async () => windowsSession, agent, clock, statusPeriodMs: 5000, onUpdate: (u) => updates.push(u) })
  return { clock, node, updates, feed }
}

describe('the agent scripts of the live console', () => {
  it('fit a Windows command line, use the app\'s own layout and marker, and carry values only as data', () => {
    expect(WINDOWS_AGENT_DOWN_MARK).toBe(AGENT_DOWN_MARK)
    const hostile = ['status', '"; Remove-Item C:\\ -Recurse #', "$(Stop-Computer)", "'@\n`"]
    for (const [name, def] of Object.entries(WINDOWS_AGENT_SCRIPTS)) {
      expect(def.body).toContain(`$R='${WIN_ROOT}'`)
      const params = name === 'agent-ctl' ? { args: hostile } : name === 'agent-feed' ? { periodSeconds: 3600, maxSeconds: 3590 } : { target: '255.255.255.255', intervalMs: 600_000, timeoutMs: 10_000, maxSeconds: 86_390 }
      const cmd = encodeCommand(name, def.body, def.depth, params)
      // Under the limit with room to spare for a longer frame.
      expect(cmd.commandLine.length).toBeLessThan(7900)
      expect(decodeCommand(cmd.argv)?.params).toEqual(params)
      for (const h of hostile.slice(1)) expect(cmd.script).not.toContain(h)
    }
  })
})

describe('live feed of a Windows node (agent-feed, replayed)', () => {
  it('reads the status and the watch ack the node streams: the agent is up and holds its role', async () => {
    const { clock, node, updates, feed } = feedOn({ 'agent-feed': 'win1-master' }, { holdStreams: true })
    feed.start()
    await clock.advance(0)
    await waitFor('the two recorded lines', () => updates.length >= 2, 5000, 5)
    expect(node.calls).toEqual([{ name: 'agent-feed', params: { periodSeconds: 5, maxSeconds: 3590 } }])
    // What capture mode records with is what the console sends, so its recordings replay here.
    expect(node.calls[0]!.params).toEqual(CAPTURE_PARAMS['agent-feed'])
    expect(updates.map((u) => u.kind)).toEqual(['status', 'status'])
    const s = updates[0]!.kind === 'status' ? updates[0]!.status : undefined
    expect(s?.instances[0]).toMatchObject({ name: 'vip1', state: 'master', vipsHeld: ['198.51.100.230/24'] })
    await feed.stop()
    // Stopping aborted the stream; none was started after it.
    await clock.advance(60_000)
    expect(node.calls).toHaveLength(1)
  })

  it('agent not running: agent-down with ctl\'s own words, and the stream stays (the node is heard)', async () => {
    const { clock, updates, feed } = feedOn({ 'agent-feed': 'agent-stopped' }, { holdStreams: true })
    feed.start()
    await clock.advance(0)
    await waitFor('agent-down', () => updates.length >= 1, 5000, 5)
    expect(updates[0]).toMatchObject({ kind: 'agent-down', why: expect.stringMatching(/no havip-agent is listening on \\\\\.\\pipe\\havip-agent \(ENOENT\)/) })
    expect(updates.some((u) => u.kind === 'unreachable')).toBe(false)
    await feed.stop()
  })

  it('access denied (a login whose token is not elevated): agent-down naming the control token and what to do', async () => {
    const { clock, updates, feed } = feedOn({ 'agent-feed': 'access-denied' }, { holdStreams: true })
    feed.start()
    await clock.advance(0)
    await waitFor('agent-down', () => updates.length >= 1, 5000, 5)
    expect(updates[0]).toMatchObject({ kind: 'agent-down', why: expect.stringMatching(/control token .*\(EPERM\).*elevated prompt/) })
    await feed.stop()
  })

  it('no agent installed: agent-down saying so', async () => {
    const { clock, updates, feed } = feedOn({ 'agent-feed': 'not-installed' }, { holdStreams: true })
    feed.start()
    await clock.advance(0)
    await waitFor('agent-down', () => updates.length >= 1, 5000, 5)
    expect(updates[0]).toMatchObject({ kind: 'agent-down', why: expect.stringMatching(/not installed on this node \(no C:\\Program Files\\HAVIP\\current\.json\)/) })
    await feed.stop()
  })

  it('the feed falling silent for three periods: unreachable, the stream stopped and started again', async () => {
    const { clock, node, updates, feed } = feedOn({ 'agent-feed': 'win1-master' }, { holdStreams: true })
    feed.start()
    await clock.advance(0)
    await waitFor('the recorded lines', () => updates.length >= 2, 5000, 5)
    await clock.advance(14_999)
    expect(updates.some((u) => u.kind === 'unreachable')).toBe(false)
    await clock.advance(1)
    expect(updates.at(-1)).toMatchObject({ kind: 'unreachable', why: 'no word from win1 for 15 s' })
    await clock.advance(1000)
    await waitFor('a second run', () => node.calls.length === 2, 5000, 5)
    await feed.stop()
  })

  it('PowerShell in constrained language: the stream ends and the node is unreachable with the reason and the fix', async () => {
    const { clock, updates, feed } = feedOn({ 'agent-feed': 'constrained-language' })
    feed.start()
    await clock.advance(0)
    await waitFor('unreachable', () => updates.find((u) => u.kind === 'unreachable'), 5000, 5)
    expect(updates.find((u) => u.kind === 'unreachable')).toMatchObject({ why: expect.stringMatching(/ConstrainedLanguage.*FullLanguage/s) })
    await feed.stop()
  })
})

describe('ctl commands on a Windows node (agent-ctl, replayed)', () => {
  it('takeover sends `ctl takeover vip1 --json` as data and returns what the agent acted on', async () => {
    const { node, agent } = access({ 'agent-ctl': ['takeover-vip1', 'status-win1-master'] })
    const [inst] = await agentCommand(agent, windowsSession, 'win2', 'takeover', 'vip1')
    expect(inst).toMatchObject({ name: 'vip1', state: 'master', takeover: true })
    expect(node.calls).toEqual([{ name: 'agent-ctl', params: { args: ['takeover', 'vip1', '--json'] } }])
    expect((await agentStatusNow(agent, windowsSession, 'win1')).instances[0]).toMatchObject({ state: 'master', takeover: false })
  })

  it('a refusal, an agent not running, a token it may not read, no agent at all: errors naming the node and why', async () => {
    const paused = await refusal(agentCommand(access({ 'agent-ctl': 'takeover-paused' }).agent, windowsSession, 'win1', 'takeover', 'vip1'))
    expect(paused).toMatchObject({ kind: 'command-failed', node: 'win1', message: expect.stringMatching(/win1 refused "takeover vip1": cannot take over vip1: it is in state maintenance/) })
    const stopped = await refusal(agentCommand(access({ 'agent-ctl': 'takeover-agent-stopped' }).agent, windowsSession, 'win1', 'takeover', 'vip1'))
    expect(stopped.message).toMatch(/no havip-agent is listening on \\\\\.\\pipe\\havip-agent/)
    expect(stopped.hint).toMatch(/Up, not paused/)
    const denied = await refusal(agentStatusNow(access({ 'agent-ctl': 'status-access-denied' }).agent, windowsSession, 'win1'))
    expect(denied).toMatchObject({ node: 'win1', message: expect.stringMatching(/status on win1 failed: .*control token.*EPERM/) })
    const missing = await refusal(agentStatusNow(access({ 'agent-ctl': 'status-not-installed' }).agent, windowsSession, 'win1'))
    expect(missing.message).toMatch(/the agent is not installed on this node/)
  })

  it('a PowerShell that cannot run the script at all (constrained language): an error with the fix, not a refusal', async () => {
    const err = await refusal(agentStatusNow(access({ 'agent-ctl': 'constrained-language' }).agent, windowsSession, 'win1'))
    expect(err).toMatchObject({ kind: 'command-failed', node: 'win1', message: expect.stringMatching(/ctl status" on win1 failed: PowerShell on 198\.51\.100\.31 runs in ConstrainedLanguage/) })
    expect(err.hint).toMatch(/FullLanguage/)
  })

  it('a hostile role name never reaches the node', async () => {
    const { node, agent } = access({ 'agent-ctl': 'takeover-vip1' })
    const err = await refusal(agentCommand(agent, windowsSession, 'win1', 'takeover', 'x"; Stop-Computer #'))
    expect(err.kind).toBe('invalid-input')
    expect(node.calls).toEqual([])
  })
})

describe('probe stream of a Windows node (agent-probe, replayed)', () => {
  it('hands on each result as it comes (a lost one as null) and stops on request', async () => {
    const { node, agent } = access({ 'agent-probe': 'vip-answers' }, { holdStreams: true })
    const got: Array<[number, number | null]> = []
    const ended: string[] = []
    const p = startNodeProbe({ session: windowsSession, agent, node: 'win1', target: '198.51.100.230', intervalMs: 100, timeoutMs: 1000, onResult: (seq, _t, rtt) => got.push([seq, rtt]), onEnded: (m) => ended.push(m) })
    await waitFor('six results', () => got.length === 6, 5000, 5)
    expect(got[3]).toEqual([3, null])
    expect(got[0]).toEqual([0, 0.412])
    expect(node.calls).toEqual([{ name: 'agent-probe', params: { target: '198.51.100.230', intervalMs: 100, timeoutMs: 1000, maxSeconds: CONSOLE_PROBE_MAX_SECONDS } }])
    expect(CONSOLE_PROBE_MAX_SECONDS).toBe(24 * 3600 - 10)
    await p.stop()
    expect(ended).toEqual([])
  })

  it('no agent on the node: the probe ends saying so', async () => {
    const { agent } = access({ 'agent-probe': 'not-installed' })
    const ended: string[] = []
    startNodeProbe({ session: windowsSession, agent, node: 'win1', target: '198.51.100.230', intervalMs: 100, timeoutMs: 1000, onResult: () => {}, onEnded: (m) => ended.push(m) })
    await waitFor('the end', () => ended.length === 1, 5000, 5)
    expect(ended[0]).toMatch(/The probe on win1 cannot run: the agent is not installed on this node/)
  })
})

describe('one place picks the platform', () => {
  it('a Linux session goes the Linux way (sudo exec), a Win32-OpenSSH one through the PowerShell seam', async () => {
    const { node, agent } = access({ 'agent-ctl': 'status-win1-master' })
    const linux = new FakeSession()
    const clock = new FakeClock()
    const feed = new NodeFeed({ node: 'n1', session: async () => linux.session, agent, clock, statusPeriodMs: 5000, onUpdate: () => {} })
    feed.start()
    await clock.advance(0)
    expect(linux.runs[0]!.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(linux.runs[0]!.opts).toMatchObject({ sudo: true })
    expect(node.calls).toEqual([])
    await feed.stop()
    await agentStatusNow(agent, windowsSession, 'win1')
    expect(node.calls.map((c) => c.name)).toEqual(['agent-ctl'])
  })
})
