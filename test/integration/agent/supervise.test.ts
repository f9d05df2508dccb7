/**
 * The no-systemd service in the lab: `havip-agent supervise` started the way the deploy service
 * starts it (setsid -f, stdio to a log file), on a real config holding a VIP. A kill -9 of the
 * agent brings a new agent (new pid) and the VIP back; SIGTERM to the supervisor (the pid in its
 * pid file) releases the VIP, removes the pid file and leaves no process behind.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { nodeExec } from '../../lab/lab'
import { deployBundle, holdsVip, labState, NODE_AGENT, NODE_BIN, stopAll, waitFor, writeNodeFile } from './lab-agents'

const state = labState()
const n1 = state.nodes[0]!
const n2 = state.nodes[1]!
const VIP = state.vipPool[17]!
const TAG = 'sup'
const CONFIG = `/etc/havip/agent-${TAG}.json`
const SOCKET = `/run/havip/agent-${TAG}.sock`
const PID_FILE = `/run/havip/agent-${TAG}-supervisor.pid`
const LOG_FILE = `/run/havip/agent-${TAG}.log`
const SUP_LOG = `/run/havip/agent-${TAG}-supervisor.log`

const config = {
  controlSocket: SOCKET,
  instances: [{
    name: 'VI_S', interface: 'eth0', vrid: 121, version: 3, priority: 150, advertIntervalMs: 200,
    unicastSrcIp: n1.address, unicastPeers: [n2.address], vips: [`${VIP}/24`]
  }]
}

beforeAll(() => deployBundle([n1]), 120_000)

/** Pids to SIGKILL after each test, whatever happened. */
const pids = new Set<number>()

afterEach(async () => {
  for (const pid of pids) await nodeExec(n1, ['kill', '-KILL', String(pid)]).catch(() => undefined)
  pids.clear()
  await nodeExec(n1, ['rm', '-f', PID_FILE, LOG_FILE, SUP_LOG]).catch(() => undefined)
  await stopAll([VIP])
})

async function alive(pid: number): Promise<boolean> {
  return (await nodeExec(n1, ['kill', '-0', String(pid)])).code === 0
}

async function readPid(): Promise<number | undefined> {
  const r = await nodeExec(n1, ['cat', PID_FILE])
  const pid = Number(r.stdout.trim())
  return r.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined
}

async function agentStatus(): Promise<{ pid: number; version: string; instances: Array<{ state: string; vipsHeld: string[]; holdsVips: boolean }> } | undefined> {
  const r = await nodeExec(n1, [NODE_BIN, NODE_AGENT, 'ctl', 'status', '--json', '--socket', SOCKET], { timeoutMs: 10_000 })
  if (r.code !== 0) return undefined
  return JSON.parse(r.stdout).result
}

async function startSupervisor(): Promise<number> {
  await writeNodeFile(n1, CONFIG, JSON.stringify(config, null, 2))
  // Exactly as the deploy service does it (fixed paths only: nothing here comes from input).
  const r = await nodeExec(n1, ['sh', '-c',
    `setsid -f ${NODE_BIN} ${NODE_AGENT} supervise --config ${CONFIG} --log-file ${LOG_FILE} --pid-file ${PID_FILE} </dev/null >>${SUP_LOG} 2>&1`
  ], { timeoutMs: 10_000 })
  expect(r.code, r.stderr).toBe(0)
  const pid = await waitFor('the supervisor pid file', readPid, 10_000, 100)
  pids.add(pid)
  return pid
}

async function waitForMaster(what: string, notPid?: number): Promise<number> {
  const s = await waitFor(what, async () => {
    const st = await agentStatus()
    return st && st.pid !== notPid && st.instances[0]?.state === 'master' && st.instances[0].holdsVips && (await holdsVip(n1, VIP)) ? st : undefined
  }, 15_000, 200)
  pids.add(s.pid)
  return s.pid
}

describe('havip-agent supervise in the lab (no systemd)', () => {
  it('restarts a killed agent, which takes the VIP back; SIGTERM stops everything and removes the pid file', async () => {
    const sup = await startSupervisor()
    const cmdline = (await nodeExec(n1, ['cat', `/proc/${sup}/cmdline`])).stdout.split('\0')
    expect(cmdline).toContain('supervise') // what `ps` shows: identifiable
    expect((await nodeExec(n1, ['stat', '-c', '%a', PID_FILE])).stdout.trim()).toBe('644')
    const first = await waitForMaster('the first agent to become master with the VIP')

    await nodeExec(n1, ['kill', '-KILL', String(first)])
    const second = await waitForMaster('a new agent (new pid) to hold the VIP again', first)
    expect(second).not.toBe(first)
    expect(await alive(first)).toBe(false)
    expect(await alive(sup)).toBe(true)
    const log = (await nodeExec(n1, ['cat', LOG_FILE])).stdout
    expect(log).toContain(`havip-agent (pid ${first}) was killed by signal SIGKILL`)
    expect(log).toContain('restarting it in 1 s (restart 1)')

    // SIGHUP to the supervisor reaches the agent: a config reload (nothing changed: VI_S kept).
    expect((await nodeExec(n1, ['kill', '-HUP', String(sup)])).code).toBe(0)
    await waitFor('the reload in the log', async () => (await nodeExec(n1, ['cat', LOG_FILE])).stdout.includes('config reloaded: kept VI_S; added -; removed -; restarted -'), 10_000, 100)
    expect((await agentStatus())?.pid).toBe(second)

    // A second supervisor on the same pid file is refused while this one runs.
    const again = await nodeExec(n1, [NODE_BIN, NODE_AGENT, 'supervise', '--config', CONFIG, '--pid-file', PID_FILE], { timeoutMs: 10_000 })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`a havip-agent supervisor is already running as pid ${sup}`)

    // How the deploy service stops it.
    expect((await nodeExec(n1, ['sh', '-c', `kill -TERM $(cat ${PID_FILE})`])).code).toBe(0)
    await waitFor('the supervisor and its agent to exit', async () => !(await alive(sup)) && !(await alive(second)), 15_000, 100)
    expect(await holdsVip(n1, VIP)).toBe(false)
    expect((await nodeExec(n1, ['test', '-e', PID_FILE])).code).not.toBe(0)
    expect((await nodeExec(n1, ['test', '-e', SOCKET])).code).not.toBe(0)
    expect((await nodeExec(n1, ['cat', LOG_FILE])).stdout).toContain('supervisor: stopped')
  })

  it('an agent whose supervisor is killed with SIGKILL stops on its own and releases the VIP', async () => {
    const sup = await startSupervisor()
    const agent = await waitForMaster('the agent to become master with the VIP')
    await nodeExec(n1, ['kill', '-KILL', String(sup)])
    await waitFor('the orphaned agent to stop', async () => !(await alive(agent)), 15_000, 100)
    const log = (await nodeExec(n1, ['cat', LOG_FILE])).stdout
    expect(await holdsVip(n1, VIP), log).toBe(false)
    expect(log).toContain('the supervisor is gone (stdin closed)')
  })
})
