// Waiting for a cluster to form: every role has exactly one MASTER across the nodes (the others
// BACKUP), then its VIP answers pings sent from a node that is not the master (from the master
// itself only in a one-node cluster, and the report says so). Bounded by a few advert intervals
// plus a margin for the agents' start-up: a cluster that does not form by then will not.
import type { ClusterDefinition, OperationReport, Role } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import type { AgentState } from '../../deploy/node-deployer'
import { settleBounded } from './bounded'
import type { OperationDeps } from './deps'
import { errorText, type OperationRun } from './operation-run'
import type { NodeHandle } from './preflight'
import { layoutOf } from '../node-layout'

/** Where the agent's log is on these nodes, per platform ("/var/log/havip/agent.log" on Linux ones). */
function agentLogs(handles: readonly NodeHandle[]): string {
  const platforms = [...new Set(handles.map((h) => h.node.platform))]
  if (platforms.length <= 1) return layoutOf(platforms[0]).agentLog
  return platforms.map((p) => `${layoutOf(p).agentLog} on ${p === 'windows' ? 'Windows' : 'Linux'} nodes`).join(', ')
}

type Masters = OperationReport['masters']

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function formationBoundMs(def: ClusterDefinition, marginMs: number): number {
  const advert = Math.max(1000, ...def.roles.map((r) => r.advertIntervalMs))
  return 4 * advert + marginMs
}

interface RoleView {
  role: Role
  masters: string[]
  /** The first preferred owner that is a node of the cluster: who should hold the role. */
  expected: string | undefined
}

function instanceOf(state: AgentState, role: Role): AgentState['instances'][number] | undefined {
  return state.instances.find((i) => i.name === role.name) ?? state.instances.find((i) => i.vrid === role.vrid)
}

/** The agent's `ctl status` says 'master'; the seam's type says 'MASTER': either is read. */
export function isState(inst: { state: string }, state: 'MASTER' | 'BACKUP'): boolean {
  return inst.state.toUpperCase() === state
}

function judge(def: ClusterDefinition, handles: NodeHandle[], states: PromiseSettledResult<AgentState>[]): { views: RoleView[]; problems: string[] } {
  const problems: string[] = []
  states.forEach((s, i) => {
    const name = handles[i]!.node.name
    if (s.status === 'rejected') problems.push(`${name}: status not readable (${errorText(s.reason)})`)
    else if (!s.value.running) problems.push(`${name}: the agent is not running${s.value.error ? ` (${s.value.error})` : ''}`)
  })
  const views = def.roles.map((role) => {
    const masters: string[] = []
    states.forEach((s, i) => {
      if (s.status !== 'fulfilled') return
      const inst = instanceOf(s.value, role)
      if (!inst) {
        if (s.value.running) problems.push(`${handles[i]!.node.name}: no instance ${role.name} (VRID ${role.vrid}) yet`)
      } else if (isState(inst, 'MASTER')) masters.push(handles[i]!.node.name)
      else if (!isState(inst, 'BACKUP')) problems.push(`${handles[i]!.node.name}: ${role.name} is ${inst.state}`)
    })
    const expected = role.preferredOwners.find((o) => handles.some((h) => h.node.name === o))
    return { role, masters, expected }
  })
  return { views, problems }
}

function formed(v: { views: RoleView[]; problems: string[] }): boolean {
  return v.problems.length === 0 && v.views.every((r) => r.masters.length === 1)
}

function describe(v: { views: RoleView[]; problems: string[] }): string {
  const roles = v.views.map((r) =>
    r.masters.length === 1 ? `${r.role.name}: master ${r.masters[0]}` : r.masters.length === 0 ? `${r.role.name}: no master` : `${r.role.name}: ${r.masters.length} masters (${r.masters.join(', ')}): the nodes do not hear each other's adverts`
  )
  return [...roles, ...v.problems].join('; ')
}

/**
 * When agents that were all stopped have just been started at `startedAt`, no node can be master
 * before its master-down timer has run (RFC 5798: 3 advert intervals plus a skew), so polling
 * earlier only spends the nodes' CPU (each status is a Node.js start there) while they are busy
 * starting their agents. The earliest moment worth a first look.
 */
export function firstElectionAt(def: ClusterDefinition, startedAt: number): number {
  const advert = Math.min(...def.roles.map((r) => r.advertIntervalMs))
  return startedAt + 3 * advert
}

/**
 * Waits until every role has exactly one master; returns them. `notBefore`: no status is read
 * before then (firstElectionAt), the bound still counts from the call.
 */
export async function waitForMasters(run: OperationRun, deps: OperationDeps, def: ClusterDefinition, handles: NodeHandle[], notBefore?: number): Promise<Map<string, string>> {
  const bound = formationBoundMs(def, deps.timing.formationMarginMs)
  const title = def.roles.length === 1 ? `Wait until one node is master of ${def.roles[0]!.name}` : `Wait until one node is master of each role (${def.roles.map((r) => r.name).join(', ')})`
  if (def.roles.length === 0) {
    run.skip('wait-master', 'Wait for masters', undefined, 'the cluster has no role')
    return new Map()
  }
  return run.step('wait-master', title, undefined, async (note) => {
    const started = Date.now()
    if (notBefore !== undefined && notBefore > started) {
      note('no node can be master before its master-down timer ran (3 advert intervals)')
      await sleep(Math.min(notBefore - started, bound))
    }
    let last: ReturnType<typeof judge> | undefined
    for (;;) {
      const states = await settleBounded(handles, (h) => deps.deployer.status(h.session))
      last = judge(def, handles, states)
      if (formed(last)) break
      note(describe(last))
      if (Date.now() - started > bound) {
        throw new ApiException({
          kind: 'timeout',
          message: `The cluster did not form within ${(bound / 1000).toFixed(0)} s: ${describe(last)}.`,
          hint: `Two masters mean the adverts do not pass between the nodes (firewall, wrong interface): validate the nodes. A node whose agent is not running: read ${agentLogs(handles)} there.`
        })
      }
      await sleep(deps.timing.pollMs)
    }
    return new Map(last.views.map((v) => [v.role.name, v.masters[0]!]))
  }, (m) => [...m].map(([role, node]) => `${role}: ${node}`).join(', '))
}

/** Pings each role's VIP from a node that is not its master; the masters with whether their VIP answered. */
export async function checkVipsAnswer(run: OperationRun, deps: OperationDeps, def: ClusterDefinition, handles: NodeHandle[], masters: Map<string, string>): Promise<Masters> {
  const out: Masters = def.roles.map((r) => ({ role: r.name, node: masters.get(r.name) ?? null, vipAnswers: false }))
  run.update({ masters: out })
  if (def.roles.length === 0) {
    run.skip('vip-answers', 'The VIPs answer', undefined, 'the cluster has no role')
    return out
  }
  await run.step('vip-answers', 'The VIPs answer pings', undefined, async () => {
    const notes: string[] = []
    const failures: string[] = []
    for (const [i, role] of def.roles.entries()) {
      const master = masters.get(role.name) ?? null
      const prober = handles.find((h) => h.node.name !== master) ?? handles.find((h) => h.node.name === master)
      if (!prober) continue
      const vip = role.vip.split('/')[0]!
      const from = prober.node.name === master ? `${prober.node.name} itself (a one-node cluster has no other node to ping from)` : prober.node.name
      // The new master's gratuitous ARP may still be on its way: a few rounds, bounded.
      let answered = false
      let lastError: unknown
      for (let attempt = 0; attempt < 3 && !answered; attempt++) {
        try {
          answered = (await deps.deployer.probe(prober.session, vip, 3)).answered > 0
          lastError = undefined
        } catch (err) {
          lastError = err
        }
        if (!answered && attempt < 2) await sleep(deps.timing.pollMs)
      }
      out[i]!.vipAnswers = answered
      if (lastError !== undefined) failures.push(`${role.name}: probing ${vip} from ${prober.node.name} failed (${errorText(lastError)})`)
      else (answered ? notes : failures).push(`${role.name}: ${vip} ${answered ? 'answers' : 'does not answer'} pings from ${from}`)
    }
    run.update({ masters: out })
    if (failures.length > 0) {
      throw new ApiException({
        kind: 'command-failed',
        message: `A VIP does not answer: ${failures.join('; ')}.`,
        hint: 'The master holds the address but the network does not deliver to it: check that the VIP is in the nodes\' subnet and that nothing else holds it (validation\'s VIP tests).'
      })
    }
    return notes.join('; ')
  })
  return out
}

/**
 * A new role (or one whose preferred owners changed) goes to its first preferred owner: the first
 * election is won by whichever agent's timer fires first, and with failback 'never' the owner
 * would not take it back by itself. A planned takeover (`ctl takeover`, then `release` once it
 * holds the role) moves it without a lost ping. Roles already running are left where they are.
 */
async function placeOnPreferredOwners(run: OperationRun, deps: OperationDeps, def: ClusterDefinition, handles: NodeHandle[], masters: Map<string, string>, roles: readonly string[]): Promise<Map<string, string>> {
  const moves = def.roles.flatMap((role) => {
    if (!roles.includes(role.name)) return []
    const owner = role.preferredOwners.find((o) => handles.some((h) => h.node.name === o))
    const h = owner ? handles.find((x) => x.node.name === owner) : undefined
    return h && masters.get(role.name) !== owner ? [{ role: role.name, h }] : []
  })
  if (moves.length === 0) return masters
  return run.step('place-roles', 'Move new roles to their preferred owners', undefined, async () => {
    for (const m of moves) await deps.deployer.control(m.h.session, 'takeover', m.role)
    const bound = formationBoundMs(def, deps.timing.formationMarginMs)
    const started = Date.now()
    try {
      for (;;) {
        const states = await settleBounded(moves, (m) => deps.deployer.status(m.h.session))
        const done = moves.every((m, i) => {
          const s = states[i]!
          return s.status === 'fulfilled' && s.value.instances.some((x) => x.name === m.role && isState(x, 'MASTER'))
        })
        if (done) break
        if (Date.now() - started > bound) {
          throw new ApiException({ kind: 'timeout', message: `${moves.map((m) => `${m.role} → ${m.h.node.name}`).join(', ')}: the preferred owner did not become master within ${(bound / 1000).toFixed(0)} s.`, hint: `Read the agent log on that node (${agentLogs(moves.map((m) => m.h))}).` })
        }
        await sleep(deps.timing.pollMs)
      }
    } finally {
      // Holding at 254 was only for the move: back to the configured priority.
      for (const m of moves) await deps.deployer.control(m.h.session, 'release', m.role).catch(() => undefined)
    }
    const placed = new Map(masters)
    for (const m of moves) placed.set(m.role, m.h.node.name)
    return placed
  }, () => moves.map((m) => `${m.role} → ${m.h.node.name}`).join(', '))
}

/**
 * Both waits, as one call: the masters with their VIPs answering. `newRoles`: roles that did not
 * run before this operation (they are placed on their preferred owner).
 */
export async function waitForFormation(run: OperationRun, deps: OperationDeps, def: ClusterDefinition, handles: NodeHandle[], newRoles: readonly string[] = [], notBefore?: number): Promise<Masters> {
  const elected = await waitForMasters(run, deps, def, handles, notBefore)
  const masters = await placeOnPreferredOwners(run, deps, def, handles, elected, newRoles)
  return checkVipsAnswer(run, deps, def, handles, masters)
}
