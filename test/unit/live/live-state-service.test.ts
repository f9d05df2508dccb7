/**
 * The live state service over three fake node sessions on a fake clock, fed the recorded agent
 * output: the first clusters.state waits for every node's first word, a change is sent once as a
 * 'cluster.state' event (times alone are not a change), a lasting split brain is raised and cleared,
 * and forgetting the cluster or disposing the service leaves no exec run open and no timer.
 */
import { describe, expect, it } from 'vitest'
import type { ClusterState } from '../../../electron/api/console'
import type { ClusterReading } from '../../../electron/backend/clusters/cluster-directory'
import { LiveStateService } from '../../../electron/backend/live/live-state-service'
import { FakeClock } from './fake-clock'
import { agentAccess, FakeSession } from './fake-session'
import { definition, line, recorded } from './recorded'

function setup() {
  const clock = new FakeClock()
  const ssh = { n1: new FakeSession(), n2: new FakeSession(), n3: new FakeSession() }
  let reading: ClusterReading = {
    definition,
    nodes: definition.nodes.map((n) => ({ name: n.name, host: n.host, port: 22, username: 'root', connectionId: `c-${n.name}`, reach: 'connected', generation: 3, generationMismatch: false, agentVersion: '0.1.0', serviceKind: 'supervisor' })),
    connectionIds: { n1: 'c-n1', n2: 'c-n2', n3: 'c-n3' }
  }
  const emitted: ClusterState[] = []
  const logs: string[] = []
  const agentEvents: string[] = []
  const service = new LiveStateService({
    read: async () => reading,
    sessionFor: async (id) => ssh[id.slice(2) as 'n1'].session,
    agent: agentAccess,
    events: { emit: (_e, s) => emitted.push(s as ClusterState) },
    log: (_l, m) => logs.push(m),
    clock,
    firstWordMs: 6000,
    onAgentEvent: (cid, node, e) => agentEvents.push(`${cid} ${node} ${e.type} ${e.to ?? e.message ?? ''}`)
  })
  const feed = (n: 'n1' | 'n2' | 'n3') => ssh[n].open[0]!
  /** What the nodes hold from now on (an operation changed the cluster). */
  const nodesNowHold = (r: ClusterReading): void => {
    reading = r
  }
  return { clock, ssh, service, emitted, logs, feed, agentEvents, reading: () => reading, nodesNowHold }
}

describe('live state service', () => {
  it('answers clusters.state once every node said something (or after the bound), with the recorded state', async () => {
    const { clock, service, feed, agentEvents } = setup()
    const p = service.state(definition.id)
    await clock.advance(0)
    feed('n1').write(line(recorded.statusSteady.n1))
    feed('n2').write(line(recorded.statusSteady.n2))
    feed('n3').write(`havip-live: agent-down ${recorded.statusNoAgent.stderr.trim()}`)
    await clock.advance(0)
    const s = await p
    expect(s.nodes.map((n) => n.state)).toEqual(['Up', 'Up', 'Down'])
    expect(s.roles[0]).toMatchObject({ owner: 'n1', state: 'Online' })
    // The agent's events go on to whoever keeps the cluster's events, as they come.
    for (const l of recorded.watchLines.slice(1, 3)) feed('n2').write(line(l))
    expect(agentEvents).toEqual([`${definition.id} n2 admin takeover`, `${definition.id} n2 transition master`])
    await service.dispose()
  })

  it('sends cluster.state on a change only; a lasting split brain becomes an alert and clears on heal', async () => {
    const { clock, service, feed, emitted, logs } = setup()
    const p = service.state(definition.id)
    await clock.advance(0)
    for (const n of ['n1', 'n2'] as const) feed(n).write(line(recorded.statusSteady[n]))
    feed('n3').write(line(recorded.statusSteady.n2)) // n3 backup for now
    await clock.advance(0)
    const first = await p
    const count = emitted.length
    // The same status again, five seconds later: only times moved, no event.
    await clock.advance(5000)
    for (const n of ['n1', 'n2'] as const) feed(n).write(line(recorded.statusSteady[n]))
    feed('n3').write(line(recorded.statusSteady.n2))
    expect(emitted.length).toBe(count)
    // n3 claims master too (the recorded stranger): Split now, alert once it lasts.
    feed('n3').write(line(recorded.statusSteady.n3))
    const split = emitted.at(-1)!
    expect(split.roles[0]!.state).toBe('Split')
    expect(split.revision).toBeGreaterThan(first.revision)
    expect(split.alerts).toEqual([])
    for (let i = 0; i < 4; i++) {
      await clock.advance(1000)
      for (const n of ['n1', 'n2', 'n3'] as const) feed(n).write(line(n === 'n3' ? recorded.statusSteady.n3 : recorded.statusSteady[n]))
    }
    const alerted = emitted.at(-1)!
    expect(alerted.alerts).toEqual([expect.objectContaining({ kind: 'split-brain', role: 'vip1', clearedAt: null })])
    // The line the status bar and the CLI show names the cluster, never its id.
    const alertLine = logs.find((l) => /ALERT split-brain/.test(l))
    expect(alertLine).toMatch(new RegExp(`^cluster ${definition.name}: ALERT split-brain: `))
    expect(logs.join('\n')).not.toContain(definition.id)
    feed('n3').write(line(recorded.statusSteady.n2))
    const healed = emitted.at(-1)!
    expect(healed.roles[0]!.state).toBe('Online')
    expect(healed.alerts).toEqual([expect.objectContaining({ kind: 'split-brain', clearedAt: expect.any(String) })])
    expect(logs.at(-1)).toBe(`cluster ${definition.name}: alert cleared: split-brain (vip1)`)
    await service.dispose()
  })

  it('a node silent for three periods shows Unreachable with its last-seen time, then Up again once heard', async () => {
    const { clock, service, feed, emitted } = setup()
    const p = service.state(definition.id)
    await clock.advance(0)
    for (const n of ['n1', 'n2', 'n3'] as const) feed(n).write(line(n === 'n3' ? recorded.statusSteady.n2 : recorded.statusSteady[n]))
    await clock.advance(0)
    await p
    const seen = new Date(clock.now()).toISOString()
    for (let i = 0; i < 3; i++) {
      await clock.advance(5000)
      feed('n1').write(line(recorded.statusSteady.n1))
      feed('n3').write(line(recorded.statusSteady.n2))
    }
    const s = emitted.at(-1)!
    expect(s.nodes[1]).toMatchObject({ name: 'n2', state: 'Unreachable', lastSeenAt: seen, roles: [], problem: 'no word from n2 for 15 s' })
    await clock.advance(1000)
    feed('n2').write(line(recorded.statusSteady.n2))
    expect(emitted.at(-1)!.nodes[1]).toMatchObject({ state: 'Up' })
    await service.dispose()
  })

  it('reads a watched cluster again on demand (an operation changed it): an evicted node leaves the live state and its feed stops', async () => {
    const { clock, ssh, service, emitted, feed, reading, nodesNowHold } = setup()
    const p = service.state(definition.id)
    await clock.advance(0)
    for (const n of ['n1', 'n2', 'n3'] as const) feed(n).write(line(n === 'n3' ? recorded.statusSteady.n2 : recorded.statusSteady[n]))
    await clock.advance(0)
    expect((await p).nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3'])
    const r = reading()
    nodesNowHold({
      ...r,
      definition: { ...r.definition, generation: r.definition.generation + 1, nodes: r.definition.nodes.filter((n) => n.name !== 'n3') },
      nodes: r.nodes.filter((n) => n.name !== 'n3')
    })
    await service.readAgain(definition.id)
    expect(emitted.at(-1)!.nodes.map((n) => n.name)).toEqual(['n1', 'n2'])
    expect(emitted.at(-1)!.generation).toBe(r.definition.generation + 1)
    expect(ssh.n3.open.length).toBe(0)
    // A cluster nobody watches is not read.
    await service.readAgain('cl-00000000000000ff')
    expect(service.watching).toEqual([definition.id])
    await service.dispose()
  })

  it('forget stops the cluster\'s feeds (no run left open, no reconnect, no timer); dispose does for all', async () => {
    const { clock, ssh, service } = setup()
    const p = service.state(definition.id)
    await clock.advance(6000)
    await p
    expect(Object.values(ssh).map((s) => s.open.length)).toEqual([1, 1, 1])
    await service.forget(definition.id)
    expect(Object.values(ssh).map((s) => s.open.length)).toEqual([0, 0, 0])
    expect(service.watching).toEqual([])
    await clock.advance(120_000)
    expect(Object.values(ssh).map((s) => s.runs.length)).toEqual([1, 1, 1])
    expect(clock.pending).toBe(0)

    const p2 = service.state(definition.id)
    await clock.advance(6000)
    await p2
    await service.dispose()
    expect(Object.values(ssh).map((s) => s.open.length)).toEqual([0, 0, 0])
    expect(clock.pending).toBe(0)
    await expect(service.state(definition.id)).rejects.toThrow(/shutting down/)
  })
})
