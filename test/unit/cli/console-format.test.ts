// How `havip status|move|pause` print for a person, on a state computed from recorded agent output.
import { describe, expect, it } from 'vitest'
import type { ClusterState } from '../../../electron/api/console'
import { formatClusterState, formatMove, formatNodeAction, stateNeedsAttention } from '../../../electron/cli/console-format'
import { parseFeedLine } from '../../../electron/backend/live/agent-report'
import { computeState, noMasterGraceMs } from '../../../electron/backend/live/cluster-state-model'
import { emptyObservation, observe, type NodeObservation } from '../../../electron/backend/live/node-observation'
import { definition, line, recorded } from '../live/recorded'

const T0 = Date.parse('2026-12-01T22:07:22.000Z')

function stateOf(statuses: Record<string, unknown>): ClusterState {
  const obs = new Map<string, NodeObservation>()
  for (const n of definition.nodes) {
    const o = emptyObservation()
    const p = statuses[n.name] ? parseFeedLine(line(statuses[n.name])) : undefined
    if (p?.kind === 'status') observe(o, { kind: 'status', status: p.status, at: T0 - 3000 })
    if (p && n.name === 'n3') observe(o, { kind: 'unreachable', why: 'no word from n3 for 15 s', at: T0 })
    obs.set(n.name, o)
  }
  const c = computeState({ definition, observations: obs, generationMismatch: new Set(), noMasterSince: new Map(), now: T0 }, (a) => noMasterGraceMs(a, 5000))
  return { clusterId: definition.id, name: definition.name, generation: 3, at: new Date(T0).toISOString(), revision: 4, roles: c.roles, nodes: c.nodes, alerts: [] }
}

describe('console output', () => {
  it('status: roles with owner and last transition, nodes with state, role states and priorities, an unreachable node with its last-seen age', () => {
    const s = stateOf({ n1: recorded.statusPaused.n1, n2: recorded.statusPaused.n2, n3: recorded.statusSteady.n2 })
    const text = formatClusterState(s)
    expect(text).toMatch(/^Cluster rec \(cl-00000000000000a1\), generation 3/)
    expect(text).toMatch(/vip1\s+198\.51\.100\.207\/24\s+177\s+Online\s+n2\s+-\s+never\s+n2 backup->master \d+s ago: master 198\.51\.100\.11 resigned/)
    expect(text).toMatch(/n1\s+Paused\s+0\.1\.0\s+now\s+Maintenance \(150\)/)
    expect(text).toMatch(/n2\s+Up\s+0\.1\.0\s+now\s+Master \(100\) VIP/)
    expect(text).toMatch(/n3\s+Unreachable\s+0\.1\.0\s+3s ago\s+-/)
    expect(text).toMatch(/n3: no word from n3 for 15 s/)
    expect(text).toMatch(/Alerts: none/)
    expect(stateNeedsAttention(s)).toBe(true)
    expect(stateNeedsAttention(stateOf({ n1: recorded.statusSteady.n1, n2: recorded.statusSteady.n2 }))).toBe(true) // n3 not heard
  })

  it('move and node actions: the result, the outage and how it was measured, warnings', () => {
    const m = { role: 'vip1', from: 'n1', owner: 'n3', outageMs: 0, measuredBy: 'by the agents\' transition times: n3 held the VIP 51 ms before n1 let it go (no gap)', message: 'Role vip1 moved from n1 to n3; outage 0 ms.' }
    expect(formatMove(m)).toBe(`Role vip1 moved from n1 to n3; outage 0 ms.\n  outage: 0 ms (${m.measuredBy})`)
    const r = formatNodeAction({ node: 'n1', nodeState: 'Paused', moves: [m], message: 'n1 is paused.', warnings: [{ kind: 'conflict', message: 'could not move vip2', hint: 'resume n2', node: 'n2' }] })
    expect(r.split('\n')).toEqual(['n1 is paused.', '  n1 is now Paused.', '  Role vip1 moved from n1 to n3; outage 0 ms.', `    outage: 0 ms (${m.measuredBy})`, '  WARNING n2: could not move vip2 (resume n2)'])
  })
})
