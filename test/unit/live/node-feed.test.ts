/**
 * One node's feed on a fake clock: the recorded agent output is read line by line, a silent or
 * dropped stream makes the node unreachable with its last-seen time, reconnects back off 1 s
 * doubling to 30 s and reset once the node is heard again, and stop() leaves no run open.
 */
import { describe, expect, it } from 'vitest'
import { feedArgv } from '../../../electron/backend/live/linux-agent-access'
import { BACKOFF_MAX_MS, NodeFeed, type FeedUpdate } from '../../../electron/backend/live/node-feed'
import { BoundedLines } from '../../../electron/backend/live/agent-report'
import { FakeClock } from './fake-clock'
import { agentAccess, FakeSession } from './fake-session'
import { line, recorded } from './recorded'

function setup() {
  const clock = new FakeClock()
  const ssh = new FakeSession()
  const updates: FeedUpdate[] = []
  const feed = new NodeFeed({ node: 'n1', session: async () => ssh.session, agent: agentAccess, clock, statusPeriodMs: 5000, onUpdate: (u) => updates.push(u) })
  return { clock, ssh, updates, feed }
}

describe('node feed', () => {
  it('runs one root stream (watch + status every period) and reports what the recorded agent printed', async () => {
    const { clock, ssh, updates, feed } = setup()
    feed.start()
    await clock.advance(0)
    expect(ssh.runs).toHaveLength(1)
    const run = ssh.runs[0]!
    expect(run.opts).toMatchObject({ sudo: true, streamOnly: true, quiet: true })
    expect(run.argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(run.argv.slice(-3)).toEqual(['/opt/havip/node', '/opt/havip/current/havip-agent.cjs', '5'])
    expect(feedArgv(5000)).toEqual(run.argv)
    run.write(line(recorded.watchLines[0]))
    for (const l of recorded.watchLines.slice(1)) run.write(line(l))
    run.write(line(recorded.statusSteady.n1))
    expect(updates.map((u) => u.kind)).toEqual(['status', ...recorded.watchLines.slice(1).map(() => 'event'), 'status'])
    await feed.stop()
  })

  it('silence for three periods: unreachable (once), the run is stopped and started again after 1 s', async () => {
    const { clock, ssh, updates, feed } = setup()
    feed.start()
    await clock.advance(0)
    ssh.runs[0]!.write(line(recorded.statusSteady.n1))
    await clock.advance(14_999)
    expect(updates.map((u) => u.kind)).toEqual(['status'])
    await clock.advance(1)
    expect(updates.at(-1)).toMatchObject({ kind: 'unreachable', why: 'no word from n1 for 15 s' })
    expect(ssh.runs[0]!.aborted).toBe(true)
    await clock.advance(999)
    expect(ssh.runs).toHaveLength(1)
    await clock.advance(1)
    expect(ssh.runs).toHaveLength(2)
    expect(updates.filter((u) => u.kind === 'unreachable')).toHaveLength(1)
    await feed.stop()
  })

  it('a dropped link backs off 1, 2, 4 ... 30 s (never more), and a node heard again resets it to 1 s', async () => {
    const { clock, ssh, updates, feed } = setup()
    feed.start()
    await clock.advance(0)
    const starts: number[] = []
    let last = clock.now()
    for (let i = 0; i < 8; i++) {
      ssh.runs.at(-1)!.drop()
      const before = ssh.runs.length
      let waited = 0
      while (ssh.runs.length === before && waited < 60_000) {
        await clock.advance(500)
        waited += 500
      }
      starts.push(clock.now() - last)
      last = clock.now()
    }
    expect(starts).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000].map((d) => Math.min(d, BACKOFF_MAX_MS)))
    expect(updates.filter((u) => u.kind === 'unreachable')).toEqual([expect.objectContaining({ why: expect.stringMatching(/closed the connection/) })])
    ssh.runs.at(-1)!.write(line(recorded.statusSteady.n1))
    ssh.runs.at(-1)!.drop()
    await clock.advance(1000)
    expect(ssh.runs.at(-1)!.settled).toBe(false) // a new run, 1 s after the drop
    await feed.stop()
  })

  it('a feed whose agent stopped reports agent-down and keeps the stream (the node is still heard)', async () => {
    const { clock, ssh, updates, feed } = setup()
    feed.start()
    await clock.advance(0)
    ssh.runs[0]!.write(`havip-live: agent-down ${recorded.statusNoAgent.stderr.trim()}`)
    expect(updates).toEqual([expect.objectContaining({ kind: 'agent-down', why: expect.stringMatching(/no havip-agent is listening/) })])
    expect(ssh.open).toHaveLength(1)
    await feed.stop()
  })

  it('stop() aborts the open run and starts none after it, also while waiting to reconnect', async () => {
    const { clock, ssh, feed } = setup()
    feed.start()
    await clock.advance(0)
    await feed.stop()
    expect(ssh.open).toEqual([])
    expect(ssh.runs[0]!.aborted).toBe(true)
    await clock.advance(120_000)
    expect(ssh.runs).toHaveLength(1)
    expect(clock.pending).toBe(0)

    const again = setup()
    again.feed.start()
    await again.clock.advance(0)
    again.ssh.runs[0]!.drop()
    await again.clock.advance(10)
    await again.feed.stop()
    await again.clock.advance(120_000)
    expect(again.ssh.runs).toHaveLength(1)
    expect(again.clock.pending).toBe(0)
  })

  it('bounded lines: a line past the limit is dropped whole, the next one is read', () => {
    const got: string[] = []
    const lines = new BoundedLines((l) => got.push(l), 100)
    lines.push('a'.repeat(60))
    lines.push('b'.repeat(60))
    lines.push('c\nok\n')
    lines.push('x'.repeat(150) + '\nnext\n')
    expect(got).toEqual(['ok', 'next'])
    expect(lines.dropped).toBe(2)
  })
})
