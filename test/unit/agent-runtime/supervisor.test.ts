/**
 * The supervisor's restart policy and signal handling (agent/supervise/supervisor.ts) on a fake
 * clock with fake children: backoff 1 s doubling to 30 s, reset after 60 s of stable running,
 * SIGHUP forwarded, stop = SIGTERM then SIGKILL after the grace period, no restart after stop.
 * The real process (pid file, setsid, kill -9 of the agent) is tested in the lab:
 * test/integration/agent/supervise.test.ts.
 */
import { describe, expect, it } from 'vitest'
import type { Logger } from '../../../agent/log'
import { BACKOFF_MAX_MS, STOP_GRACE_MS, Supervisor, type ChildExit, type ChildHandle } from '../../../agent/supervise/supervisor'
import { agentCommand } from '../../../agent/supervise/child-process'
import { FakeScheduler } from './fake-scheduler'

class FakeChild implements ChildHandle {
  readonly signals: NodeJS.Signals[] = []
  private cb?: (e: ChildExit) => void
  constructor(readonly pid: number, readonly startedAt: number) {}
  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal)
  }
  onExit(cb: (e: ChildExit) => void): void {
    this.cb = cb
  }
  exit(e: Partial<ChildExit> = {}): void {
    this.cb?.({ code: 1, signal: null, ...e })
  }
}

function world() {
  const clock = new FakeScheduler()
  const children: FakeChild[] = []
  const lines: string[] = []
  const logger: Logger = { log: (level, msg) => void lines.push(`${level} ${msg}`), child: () => logger }
  const sup = new Supervisor({
    scheduler: clock,
    logger,
    launch: () => {
      const c = new FakeChild(1000 + children.length, clock.now())
      children.push(c)
      return c
    }
  })
  const last = (): FakeChild => children[children.length - 1]!
  return { clock, children, lines, sup, last }
}

describe('havip-agent supervisor', () => {
  it('restarts an exiting agent after 1 s, doubling the wait up to 30 s', async () => {
    const w = world()
    w.sup.start()
    expect(w.children).toHaveLength(1)
    const waits: number[] = []
    for (let i = 0; i < 8; i++) {
      const before = w.children.length
      const exitedAt = w.clock.now()
      const due = w.sup.nextBackoffMs
      w.last().exit({ code: null, signal: 'SIGKILL' })
      await w.clock.advanceTo(exitedAt + due - 1) // not a moment before the backoff is up
      expect(w.children.length).toBe(before)
      for (let t = 0; w.children.length === before && t < 40; t++) await w.clock.advance(500)
      waits.push(w.last().startedAt - exitedAt)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
    expect(w.sup.restarts).toBe(8)
    expect(w.lines.filter((l) => l.includes('was killed by signal SIGKILL'))).toHaveLength(8)
    expect(w.lines.find((l) => l.includes('restart 6'))).toContain('restarting it in 30 s')
  })

  it('goes back to 1 s once an agent has run 60 s, and logs the exit code', async () => {
    const w = world()
    w.sup.start()
    for (let i = 0; i < 4; i++) {
      w.last().exit()
      await w.clock.advance(BACKOFF_MAX_MS)
    }
    expect(w.sup.nextBackoffMs).toBe(16_000)
    await w.clock.advance(60_000) // this one runs a stable minute
    const exitedAt = w.clock.now()
    w.last().exit({ code: 3 })
    await w.clock.advance(1000)
    expect(w.last().startedAt - exitedAt).toBe(1000)
    expect(w.lines.at(-2)).toMatch(/exited with code 3 after \d+\.\d s; restarting it in 1 s/)
  })

  it('forwards SIGHUP to the running agent only', async () => {
    const w = world()
    w.sup.start()
    w.sup.reload()
    expect(w.last().signals).toEqual(['SIGHUP'])
    w.last().exit()
    w.sup.reload() // nobody to tell during the backoff: logged, not an error
    expect(w.lines.at(-1)).toContain('SIGHUP while no havip-agent runs')
    await w.clock.advance(1000)
    expect(w.last().signals).toEqual([])
  })

  it('stops with SIGTERM, resolves when the agent exits, and never restarts it', async () => {
    const w = world()
    w.sup.start()
    const stopped = w.sup.stop()
    expect(w.last().signals).toEqual(['SIGTERM'])
    let done = false
    void stopped.then(() => (done = true))
    await w.clock.advance(1000)
    expect(done).toBe(false)
    w.last().exit({ code: 0 })
    await stopped
    await w.clock.advance(BACKOFF_MAX_MS * 2)
    expect(w.children).toHaveLength(1)
    expect(w.clock.pending).toBe(0)
  })

  it('sends SIGKILL to an agent that ignores SIGTERM for the grace period', async () => {
    const w = world()
    w.sup.start()
    const stopped = w.sup.stop()
    await w.clock.advance(STOP_GRACE_MS - 1)
    expect(w.last().signals).toEqual(['SIGTERM'])
    await w.clock.advance(1)
    expect(w.last().signals).toEqual(['SIGTERM', 'SIGKILL'])
    w.last().exit({ code: null, signal: 'SIGKILL' })
    await stopped
    expect(w.children).toHaveLength(1)
  })

  it('a stop while a restart is pending cancels it at once', async () => {
    const w = world()
    w.sup.start()
    w.last().exit()
    await w.sup.stop()
    await w.clock.advance(BACKOFF_MAX_MS)
    expect(w.children).toHaveLength(1)
    expect(w.clock.pending).toBe(0)
  })

  it('an agent that cannot be started is retried with the same backoff', async () => {
    const w = world()
    w.sup.start()
    w.last().exit({ code: null, signal: null, error: 'spawn node ENOENT' })
    expect(w.lines.at(-1)).toContain('could not be started (spawn node ENOENT)')
    await w.clock.advance(1000)
    expect(w.children).toHaveLength(2)
  })
})

describe('the command the supervisor runs', () => {
  it('is `run` with the given options, on the same Node.js and script the supervisor was started with', () => {
    const { file, args } = agentCommand(['--config', '/etc/havip/agent.json', '--log-file', '/var/log/havip/agent.log'])
    expect(file).toBe(process.argv0.includes('/') ? process.argv0 : process.execPath)
    expect(args.slice(-6)).toEqual([process.argv[1], 'run', '--config', '/etc/havip/agent.json', '--log-file', '/var/log/havip/agent.log'])
  })
})
