// Configure Role: add, change or remove a role (one VIP, one VRRP instance on every node). The
// next generation is checked whole (names, VRIDs and VIPs unique in the cluster, preferred
// owners that are nodes: buildDefinition), a new or changed VRID is checked free with the
// router id scan on the cluster's own nodes, then written everywhere, reloaded, and the
// formation awaited. Every role is awaited, so a change that breaks another role shows.
import type { z } from 'zod'
import type { AddRoleRequestSchema, ClusterDefinition, KnownCluster, Role, SetRoleRequestSchema } from '../../../api/cluster'
import { RoleSchema } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import { nextGeneration, roleFromInput } from '../definition'
import { connectionIdsOf, knownEntry, reachClusterNodes, requireAll } from './cluster-nodes'
import { reloadAgents, writeGeneration } from './config-write'
import type { OperationDeps } from './deps'
import { waitForFormation } from './formation'
import type { OperationRun } from './operation-run'
import type { NodeHandle } from './preflight'

export type RoleChange =
  | { kind: 'add'; role: z.output<typeof AddRoleRequestSchema>['role'] }
  | { kind: 'set'; role: string; changes: z.output<typeof SetRoleRequestSchema>['changes'] }
  | { kind: 'remove'; role: string }

export function planRoleChange(known: KnownCluster, change: RoleChange): void {
  if (change.kind === 'add') {
    if (known.roles.some((r) => r.name === change.role.name)) {
      throw new ApiException({ kind: 'conflict', field: 'role.name', message: `${known.name} already has a role named ${change.role.name}.`, hint: 'Choose another role name, or change that role (role set).' })
    }
    return
  }
  if (!known.roles.some((r) => r.name === change.role)) {
    throw new ApiException({ kind: 'not-found', field: 'role', message: `${known.name} has no role ${change.role}; its roles are ${known.roles.map((r) => r.name).join(', ') || 'none'}.`, hint: 'Name a role of the cluster.' })
  }
}

function roleNamed(def: ClusterDefinition, name: string): Role {
  const r = def.roles.find((x) => x.name === name)
  if (!r) throw new ApiException({ kind: 'not-found', field: 'role', message: `${def.name} has no role ${name} (generation ${def.generation}).`, hint: 'Read the cluster again; another desktop may have changed it.' })
  return r
}

/** The router id scan on the cluster's nodes: refuses a VRID someone else sends on; proposes one when none was given. */
async function checkVrid(run: OperationRun, deps: OperationDeps, handles: NodeHandle[], role: { vip: string; vrid?: number; advertIntervalMs: number; mode: 'unicast' | 'multicast' }): Promise<number | undefined> {
  const scan = deps.vridScan
  if (!scan) {
    run.skip('vrid-scan', 'Check the VRID is free on the segment', undefined, 'no router id scan in this build')
    return role.vrid
  }
  return run.step('vrid-scan', `Check ${role.vrid !== undefined ? `VRID ${role.vrid}` : 'which VRID'} is free on the segment (router id scan on the cluster's nodes)`, undefined, async () => {
    const r = await scan.scan(handles.map((h) => h.connectionId), role)
    if (role.vrid !== undefined && r.inUseBy) {
      throw new ApiException({ kind: 'conflict', field: 'role.vrid', message: `VRID ${role.vrid} is already in use on this segment: ${r.inUseBy}.`, hint: `Choose another VRID${r.proposed !== undefined ? ` (${r.proposed} was heard nowhere)` : ''}.` })
    }
    const vrid = role.vrid ?? r.proposed
    if (vrid === undefined) throw new ApiException({ kind: 'invalid-input', field: 'role.vrid', message: 'The router id scan proposed no free VRID: give the role a VRID.', hint: 'Choose a VRID (1..255) no VRRP router on this segment uses.' })
    return vrid
  }, (v) => (v === undefined ? undefined : `VRID ${v} is free`))
}

export async function runRoleChange(run: OperationRun, deps: OperationDeps, known: KnownCluster, change: RoleChange): Promise<void> {
  const current = await run.step('read-definition', 'Read the cluster definition from the nodes', undefined, () => deps.definitions.current(known.id), (d) => `generation ${d.generation}, ${d.roles.length} role(s)`)
  run.setPrevious(current)
  const handles = requireAll(await reachClusterNodes(deps, current, known), `Changing a role of ${current.name}`)
  run.setConnections(connectionIdsOf(handles))
  let target: ClusterDefinition
  // Roles to place on their preferred owner once formed: a new one, or one whose owners changed.
  let placed: string[] = []
  if (change.kind === 'add') {
    const vrid = await checkVrid(run, deps, handles, change.role)
    const role = roleFromInput(change.role, vrid ?? 0)
    target = nextGeneration(current, (d) => ({ ...d, roles: [...d.roles, role] }), deps.appVersion, deps.now())
    placed = [role.name]
  } else if (change.kind === 'set') {
    const old = roleNamed(current, change.role)
    const changed = { ...old, ...change.changes }
    const parsed = RoleSchema.safeParse(changed)
    if (!parsed.success) throw new ApiException({ kind: 'invalid-input', field: `changes.${parsed.error.issues[0]?.path.join('.') ?? ''}`, message: `The role ${old.name} would not be valid: ${parsed.error.issues[0]?.message ?? 'invalid'}.`, hint: 'Correct the named field and try again.' })
    if (changed.vrid !== old.vrid) await checkVrid(run, deps, handles, changed)
    target = nextGeneration(current, (d) => ({ ...d, roles: d.roles.map((r) => (r.name === old.name ? parsed.data : r)) }), deps.appVersion, deps.now())
    if (change.changes.preferredOwners !== undefined) placed = [old.name]
  } else {
    roleNamed(current, change.role)
    target = nextGeneration(current, (d) => ({ ...d, roles: d.roles.filter((r) => r.name !== change.role) }), deps.appVersion, deps.now())
  }
  run.setTarget(target)
  await writeGeneration(run, deps, target, current, handles)
  run.update({ toGeneration: target.generation })
  deps.known.upsert(knownEntry(target, connectionIdsOf(handles), deps.now()))
  try {
    await reloadAgents(run, deps, handles, target.generation)
    await waitForFormation(run, deps, target, handles, placed)
  } catch (err) {
    run.update({ rollback: 'previous-generation' })
    throw err
  }
}
