// A ClusterWatch over recorded agent statuses, for the console actions' unit tests (Move,
// Simulate Failure): the real state model computes the live state from the statuses; `agents`
// stands in for the nodes' `havip-agent ctl ... --json` (absent: every session is refused, so a
// test proves nothing was sent). `until` looks at the state once: what the agents' replies
// changed is there at once, and a wait that is not met fails at once, as a timeout would.
import type { ClusterDefinition } from '../../../electron/api/cluster'
import type { ClusterState } from '../../../electron/api/console'
import { ApiException } from '../../../electron/api/errors'
import { parseFeedLine } from '../../../electron/backend/live/agent-report'
import { computeState, noMasterGraceMs } from '../../../electron/backend/live/cluster-state-model'
import type { ClusterWatch } from '../../../electron/backend/live/cluster-watch'
import { emptyObservation, observe, type NodeObservation } from '../../../electron/backend/live/node-observation'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { agentAccess } from './fake-session'
import { definition, line } from './recorded'

export const T0 = Date.parse('2026-12-01T22:07:30.000Z')

/** One node's agent: answers one ctl argv with its JSON reply line; may set new statuses through `set`. */
export type AgentStandIn = (node: string, argv: string[], set: (node: string, status: unknown) => void) => unknown

/** `onWait`: what the nodes do while the action waits on the watch's clock (an election settling). */
export function watchOf(statuses: Record<string, unknown>, def: ClusterDefinition = definition, agents?: AgentStandIn, onWait?: (set: (node: string, status: unknown) => void) => void): { w: ClusterWatch; sessions: string[]; commands: string[][] } {
  const obs = new Map<string, NodeObservation>()
  const set = (node: string, status: unknown): void => {
    const o = emptyObservation()
    const p = status && status !== 'down' ? parseFeedLine(line(status)) : undefined
    if (p?.kind === 'status') observe(o, { kind: 'status', status: p.status, at: T0 })
    if (status === 'down') observe(o, { kind: 'agent-down', why: 'no havip-agent is listening', at: T0 })
    obs.set(node, o)
  }
  for (const n of def.nodes) set(n.name, statuses[n.name])
  const sessions: string[] = []
  const commands: string[][] = []
  const snapshot = (): ClusterState => {
    const c = computeState({ definition: def, observations: obs, generationMismatch: new Set(), noMasterSince: new Map(), now: T0 }, (a) => noMasterGraceMs(a, 5000))
    return { clusterId: def.id, name: def.name, generation: def.generation, at: new Date(T0).toISOString(), revision: 1, roles: c.roles, nodes: c.nodes, alerts: [] }
  }
  const w = {
    definition: def,
    agent: agentAccess,
    snapshot,
    observation: (n: string) => obs.get(n),
    until: async (ok: (s: ClusterState) => boolean, timeoutMs: number, what: string) => {
      const s = snapshot()
      if (ok(s)) return s
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)
    },
    wait: async () => onWait?.(set),
    readAgain: async () => undefined,
    sessionOf: async (n: string) => {
      sessions.push(n)
      if (!agents) throw new Error(`test: no session to ${n}`)
      return {
        exec: async (argv: string[]) => {
          commands.push([n, ...argv.slice(2)])
          return { code: 0, stdout: JSON.stringify(agents(n, argv.slice(2), set)) + '\n', stderr: '' }
        }
      } as unknown as SshSession
    }
  } as unknown as ClusterWatch
  return { w, sessions, commands }
}

/** The ApiError an action was refused with (fails the test when it was not refused). */
export async function refusal(p: Promise<unknown>): Promise<{ kind: string; message: string; hint?: string; node?: string }> {
  try {
    await p
  } catch (err) {
    if (err instanceof ApiException) return err.error
    throw err
  }
  throw new Error('expected a refusal')
}
