// The pure part of the cluster screens: the role form (Access Point page, Configure Role) and
// the Create Cluster request checked against the contract's own schemas (never restated
// here), the validation gate, where a backend invalid-input error belongs on the form, and the
// words the views use for a role or a node. No Vue, no API: unit-tested as is.
import type { NodeFacts } from '@api/model'
import {
  ClusterNameSchema,
  ClusterNodeNameSchema,
  CreateClusterRequestSchema,
  RoleInputSchema,
  RoleNameSchema,
  RoleSchema,
  ValidationGateSchema,
  VrrpPasswordSchema,
  type ClusterNodeStatus,
  type CreateClusterRequestInput,
  type Failback,
  type RoleInput,
  type ValidationGate
} from '@api/cluster'
import { AdvertIntervalMsSchema, InterfaceNameSchema, VipCidrSchema, VridSchema, type ValidationReport, type VrrpMode } from '@api/validation'
import { proposeInterface, vipAddress } from './validation-model'

function firstIssue(r: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined {
  return r.success ? undefined : r.error?.issues[0]?.message
}

function dropEmpty<K extends string>(fields: Partial<Record<K, string | undefined>>): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {}
  for (const [k, v] of Object.entries(fields) as [K, string | undefined][]) if (v) out[k] = v
  return out
}

// ---------------------------------------------------------------------------------------
// The role form
// ---------------------------------------------------------------------------------------

export type FailbackPolicy = Failback['policy']

/** A role as the form holds it: text as typed, so a half-typed number is not lost. */
export interface RoleForm {
  name: string
  vip: string
  /** '' = let the backend take a VRID the scan found free. */
  vrid: string
  version: 2 | 3
  advertIntervalMs: string
  mode: VrrpMode
  /** VRRPv2 only; '' = no authentication. */
  password: string
  /** Node names, most preferred first. */
  preferredOwners: string[]
  failback: FailbackPolicy
  failbackStart: string
  failbackEnd: string
}

export type RoleField = 'roleName' | 'vip' | 'vrid' | 'advertIntervalMs' | 'password' | 'preferredOwners' | 'failback'

export function blankRoleForm(): RoleForm {
  return {
    name: 'vip1',
    vip: '',
    vrid: '',
    version: 3,
    advertIntervalMs: '1000',
    mode: 'unicast',
    password: '',
    preferredOwners: [],
    failback: 'never',
    failbackStart: '22',
    failbackEnd: '6'
  }
}

/** A role of the cluster, as the Configure Role dialog starts editing it (its password stays hidden). */
export function roleFormFromRole(role: {
  name: string
  vip: string
  vrid: number
  version: 2 | 3
  advertIntervalMs: number
  mode: VrrpMode
  preferredOwners: string[]
  failback: Failback
}): RoleForm {
  return {
    name: role.name,
    vip: role.vip,
    vrid: String(role.vrid),
    version: role.version,
    advertIntervalMs: String(role.advertIntervalMs),
    mode: role.mode,
    password: '',
    preferredOwners: [...role.preferredOwners],
    failback: role.failback.policy,
    failbackStart: role.failback.policy === 'window' ? String(role.failback.startHour) : '22',
    failbackEnd: role.failback.policy === 'window' ? String(role.failback.endHour) : '6'
  }
}

function failbackOf(form: RoleForm): Failback {
  if (form.failback === 'window') return { policy: 'window', startHour: Number(form.failbackStart), endHour: Number(form.failbackEnd) }
  return { policy: form.failback }
}

export interface RoleCheck {
  fields: Partial<Record<RoleField, string>>
  role: RoleInput | null
}

/** Where an issue of RoleSchema / RoleInputSchema lands on the form. */
function roleFieldOf(path: readonly (string | number)[]): RoleField {
  switch (path[0]) {
    case 'name':
      return 'roleName'
    case 'vip':
    case 'vrid':
    case 'advertIntervalMs':
    case 'preferredOwners':
    case 'failback':
      return path[0]
    case 'auth':
      return 'password'
    default:
      return 'vip'
  }
}

/**
 * Checks the role form with the contract's schemas: each field on its own, then the role as a
 * whole (RoleSchema's cross-field rules: a password needs VRRPv2, VRRPv2 adverts are whole
 * seconds). `keepPassword`: a role that has a password and the field left empty keeps it.
 */
export function checkRoleForm(form: RoleForm, nodeNames: readonly string[], keepPassword = false): RoleCheck {
  const vip = form.vip.trim()
  const vrid = form.vrid.trim()
  const interval = form.advertIntervalMs.trim()
  const usesPassword = form.version === 2 && form.password !== ''
  const fields = dropEmpty<RoleField>({
    roleName: firstIssue(RoleNameSchema.safeParse(form.name)),
    vip: vip === '' ? 'enter the VIP with its prefix length, e.g. 198.51.100.50/24' : firstIssue(VipCidrSchema.safeParse(vip)),
    vrid: vrid === '' ? undefined : firstIssue(VridSchema.safeParse(vrid)),
    advertIntervalMs:
      interval === '' ? 'enter the advert interval in milliseconds (1000 is the VRRP default)' : firstIssue(AdvertIntervalMsSchema.safeParse(interval)),
    password: usesPassword ? firstIssue(VrrpPasswordSchema.safeParse(form.password)) : undefined,
    preferredOwners: form.preferredOwners.find((o) => !nodeNames.includes(o))
      ? `preferred owner ${form.preferredOwners.find((o) => !nodeNames.includes(o))} is not a node of this cluster`
      : undefined
  })
  if (form.failback === 'window') {
    const hour = (s: string): boolean => /^\d{1,2}$/.test(s.trim()) && Number(s) <= 23
    if (!hour(form.failbackStart) || !hour(form.failbackEnd)) fields.failback = 'the failback window is two hours 0..23, e.g. 22 to 6'
  }
  if (Object.keys(fields).length > 0) return { fields, role: null }

  const role: RoleInput = {
    name: form.name.trim(),
    vip,
    ...(vrid ? { vrid: Number(vrid) } : {}),
    version: form.version,
    advertIntervalMs: Number(interval),
    mode: form.mode,
    ...(usesPassword ? { auth: { type: 'pass' as const, password: form.password } } : keepPassword ? {} : { auth: { type: 'none' as const } }),
    preferredOwners: [...form.preferredOwners],
    failback: failbackOf(form)
  }
  const input = RoleInputSchema.safeParse(role)
  if (!input.success) return { fields: issuesToFields(input.error.issues), role: null }
  // The whole role's rules (RoleSchema refines): a placeholder VRID stands in when the scan picks it.
  const whole = RoleSchema.safeParse({ ...input.data, vrid: input.data.vrid ?? 1 })
  if (!whole.success) return { fields: issuesToFields(whole.error.issues), role: null }
  return { fields: {}, role }
}

function issuesToFields(issues: readonly { path: (string | number)[]; message: string }[]): Partial<Record<RoleField, string>> {
  const out: Partial<Record<RoleField, string>> = {}
  for (const i of issues) {
    const f = roleFieldOf(i.path)
    out[f] ??= i.message
  }
  return out
}

/**
 * What Configure Role sends to change a role: only the fields that differ from the role now.
 * The password is sent only when the admin typed one (the API never shows the current one),
 * or as 'none' when the role leaves VRRPv2.
 */
export function roleChanges(
  before: { vip: string; vrid: number; version: 2 | 3; advertIntervalMs: number; mode: VrrpMode; auth: { type: 'none' | 'pass' }; preferredOwners: string[]; failback: Failback },
  after: RoleInput
): Record<string, unknown> {
  const changes: Record<string, unknown> = {}
  if (after.vip !== before.vip) changes.vip = after.vip
  if (after.vrid !== undefined && after.vrid !== before.vrid) changes.vrid = after.vrid
  if (after.version !== undefined && after.version !== before.version) changes.version = after.version
  if (after.advertIntervalMs !== undefined && Number(after.advertIntervalMs) !== before.advertIntervalMs) changes.advertIntervalMs = after.advertIntervalMs
  if (after.mode !== undefined && after.mode !== before.mode) changes.mode = after.mode
  if (after.auth?.type === 'pass') changes.auth = after.auth
  else if (before.auth.type === 'pass' && (after.version === 3 || after.auth?.type === 'none')) changes.auth = { type: 'none' }
  if (after.preferredOwners && after.preferredOwners.join() !== before.preferredOwners.join()) changes.preferredOwners = after.preferredOwners
  if (after.failback && JSON.stringify(after.failback) !== JSON.stringify(before.failback)) changes.failback = after.failback
  return changes
}

// ---------------------------------------------------------------------------------------
// Create Cluster
// ---------------------------------------------------------------------------------------

/** One chosen server as the Create Cluster pages know it. */
export interface CreateNode {
  connectionId: string
  /** What the tree calls it (label or hostname). */
  display: string
  connected: boolean
  facts: NodeFacts | null
  /** The interface chosen on the Access Point page, or '' to take the proposal. */
  interface: string
}

/** A node's name in the cluster: its short host name (what the backend would default to). */
export function clusterNodeName(n: Pick<CreateNode, 'facts' | 'display'>): string {
  return (n.facts?.hostname ?? n.display).split('.')[0] ?? ''
}

/** The interface a node will carry the VIP on: the chosen one, else the proposal from its facts. */
export function nodeInterface(n: CreateNode, vip: string): string | undefined {
  if (n.interface) return n.interface
  return n.facts ? proposeInterface(n.facts, vip)?.name : undefined
}

/** The node's own IPv4 address on that interface (the unicast source the agent will use). */
export function nodeAddressOn(n: CreateNode, iface: string | undefined): string | undefined {
  const i = n.facts?.interfaces.find((x) => x.name === iface)
  return i?.addresses.find((a) => a.family === 'inet')?.address
}

/** Select Servers: every chosen server connected, at least one, names that are valid and distinct. */
export function checkServers(nodes: readonly CreateNode[]): { error?: string; nodes: Record<string, string> } {
  const errors: Record<string, string> = {}
  const seen = new Map<string, string>()
  for (const n of nodes) {
    if (!n.connected) {
      errors[n.connectionId] = `${n.display} is not connected: connect it, or untick it`
      continue
    }
    if (!n.facts) continue // still reading its facts; checked again on the Access Point page
    const name = clusterNodeName(n)
    const bad = firstIssue(ClusterNodeNameSchema.safeParse(name))
    if (bad) errors[n.connectionId] = `its host name "${n.facts.hostname}" cannot name a cluster node: ${bad}`
    else if (seen.has(name.toLowerCase())) errors[n.connectionId] = `${n.display} has the same host name (${name}) as ${seen.get(name.toLowerCase())}: every node needs its own`
    else seen.set(name.toLowerCase(), n.display)
  }
  return { ...(nodes.length === 0 ? { error: 'choose at least one server for the cluster' } : {}), nodes: errors }
}

/** The Validation Warning page: run the validation (its finished run), or skip it with a reason. */
export interface GateForm {
  mode: 'run' | 'skip'
  reason: string
  /** The validation run made for this wizard, once it finished. */
  run: { runId: string; overall: 'Success' | 'Warning' | 'Failed'; cancelled: boolean; nodeIds: string[] } | null
}

export function blankGate(): GateForm {
  return { mode: 'run', reason: '', run: null }
}

/** The gate for the request, or why Next cannot go on yet. */
export function checkGate(gate: GateForm, chosenIds: readonly string[], names: Record<string, string> = {}): { error?: string; gate: ValidationGate | null } {
  if (gate.mode === 'skip') {
    const r = ValidationGateSchema.safeParse({ skipReason: gate.reason })
    return r.success ? { gate: r.data } : { error: firstIssue(r), gate: null }
  }
  const run = gate.run
  if (!run) return { error: 'run the validation (Run Validation...), or choose to skip it and say why', gate: null }
  if (run.cancelled) return { error: 'the validation was cancelled before it finished: run it again, or skip it and say why', gate: null }
  const missing = chosenIds.filter((id) => !run.nodeIds.includes(id))
  if (missing.length > 0) {
    return { error: `the validation did not cover ${missing.map((id) => names[id] ?? id).join(', ')}: run it again with every chosen server`, gate: null }
  }
  if (run.overall === 'Failed') return { error: 'the validation found Failed results: fix them and run it again (a cluster is not created on Failed results), or skip it and say why', gate: null }
  return { gate: { runId: run.runId } }
}

/** Settings the validation run saw, to start the Access Point page from (VIP, proposed VRID, interfaces, interval, mode). */
export function roleFromValidation(report: Pick<ValidationReport, 'settings' | 'proposedVrid'>, form: RoleForm): RoleForm {
  return {
    ...form,
    vip: form.vip || report.settings.vip,
    vrid: form.vrid || String(report.proposedVrid ?? report.settings.vrid ?? ''),
    advertIntervalMs: report.settings.advertIntervalMs ? String(report.settings.advertIntervalMs) : form.advertIntervalMs,
    mode: report.settings.mode
  }
}

export type CreateField = 'clusterName' | RoleField | 'nodes' | 'validation'

export interface CreateCheck {
  fields: Partial<Record<CreateField, string>>
  /** Errors per node (connection id). */
  nodes: Record<string, string>
  request: CreateClusterRequestInput | null
}

/** The Access Point page and everything before it, as the request clusters.create takes. */
export function checkCreate(clusterName: string, role: RoleForm, nodes: readonly CreateNode[], gate: ValidationGate | null): CreateCheck {
  const names = nodes.map(clusterNodeName)
  const roleCheck = checkRoleForm(role, names)
  const fields: CreateCheck['fields'] = { ...roleCheck.fields }
  const nameIssue = firstIssue(ClusterNameSchema.safeParse(clusterName))
  if (nameIssue) fields.clusterName = nameIssue
  if (!gate) fields.validation = 'go back to Validation Warning: run the validation or skip it with a reason'
  // Without a validation run there is no router id scan to take a free VRID from.
  if (gate && 'skipReason' in gate && role.vrid.trim() === '' && !fields.vrid) {
    fields.vrid = 'validation is skipped, so no router id scan proposes a free VRID: give the role one (1..255) no other VRRP router on this segment uses'
  }
  const servers = checkServers(nodes)
  if (servers.error) fields.nodes = servers.error
  const nodeErrors: Record<string, string> = { ...servers.nodes }
  const vip = role.vip.trim()
  const address = roleCheck.fields.vip ? null : vipAddress(vip)
  for (const n of nodes) {
    if (nodeErrors[n.connectionId]) continue
    if (!n.facts) {
      nodeErrors[n.connectionId] = `reading ${n.display}'s interfaces...`
      continue
    }
    const iface = nodeInterface(n, vip)
    const bad = iface === undefined ? 'no interface to propose: choose the one that carries the VIP' : firstIssue(InterfaceNameSchema.safeParse(iface))
    if (bad) {
      nodeErrors[n.connectionId] = bad
      continue
    }
    if (!nodeAddressOn(n, iface)) {
      nodeErrors[n.connectionId] = `${iface} has no IPv4 address on ${n.display}: choose the interface in the VIP's subnet`
      continue
    }
    const own = address && n.facts.interfaces.find((i) => i.addresses.some((a) => a.address === address))
    if (own) nodeErrors[n.connectionId] = `${address} is ${n.display}'s own address on ${own.name}: a VIP must be a free address`
  }
  if (Object.keys(fields).length > 0 || Object.keys(nodeErrors).length > 0 || !roleCheck.role || !gate) return { fields, nodes: nodeErrors, request: null }

  const request: CreateClusterRequestInput = {
    name: clusterName.trim(),
    nodes: nodes.map((n) => ({ connectionId: n.connectionId, name: clusterNodeName(n), interface: nodeInterface(n, vip)! })),
    role: roleCheck.role,
    validation: gate
  }
  // The whole request through the contract too, so nothing the backend would refuse is sent.
  const whole = CreateClusterRequestSchema.safeParse(request)
  if (!whole.success) {
    const placed = placeApiField(whole.error.issues[0]?.path.join('.') ?? '')
    const message = whole.error.issues[0]?.message ?? 'the request is not valid'
    if (placed.nodeIndex !== undefined) return { fields, nodes: { [nodes[placed.nodeIndex]!.connectionId]: message }, request: null }
    return { fields: { [placed.field ?? 'nodes']: message }, nodes: nodeErrors, request: null }
  }
  return { fields, nodes: nodeErrors, request }
}

/**
 * Where the backend's invalid-input error (its `field`, a path into the request) belongs on
 * the form: 'name' -> the cluster name, 'role.vip' or 'changes.vip' -> the VIP, 'nodes.2.interface'
 * -> the third node's row, 'validation.skipReason' -> the skip reason.
 */
export function placeApiField(path: string): { field?: CreateField | 'confirmName' | 'skipReason'; nodeIndex?: number } {
  const parts = path.split('.')
  const [head, second] = parts
  if (head === 'name') return { field: 'clusterName' }
  if (head === 'confirmName') return { field: 'confirmName' }
  if (head === 'validation') return { field: second === 'skipReason' ? 'skipReason' : 'validation' }
  if (head === 'nodes' || head === 'node') {
    const i = Number(second)
    return Number.isInteger(i) && second !== undefined && second !== '' ? { nodeIndex: i } : { field: 'nodes' }
  }
  if (head === 'role' && parts.length === 1) return { field: 'roleName' }
  if (head === 'role' || head === 'changes') return { field: roleFieldOf(parts.slice(1)) }
  return {}
}

// ---------------------------------------------------------------------------------------
// Words for the views
// ---------------------------------------------------------------------------------------

export function failbackText(f: Failback): string {
  switch (f.policy) {
    case 'never':
      return 'Prevent failback'
    case 'immediately':
      return 'Allow failback immediately'
    case 'window':
      return `Allow failback between ${f.startHour}:00 and ${f.endHour}:00`
  }
}

export function authText(auth: { type: 'none' | 'pass' }): string {
  return auth.type === 'pass' ? 'Password (VRRPv2)' : 'None'
}

export const REACH_TEXT: Record<ClusterNodeStatus['reach'], string> = {
  connected: 'Connected',
  'host-key-unknown': 'Host key not trusted yet',
  'host-key-changed': 'Host key changed',
  'needs-credentials': 'Needs credentials',
  unreachable: 'Unreachable'
}

/** A node the admin can bring in with the Connect dialog (trust a key, give a password, try again). */
export function needsAdmin(reach: ClusterNodeStatus['reach']): boolean {
  return reach !== 'connected'
}

/** The line under a cluster's name: how many nodes answered and whether any missed an update. */
export function clusterHealth(nodes: readonly Pick<ClusterNodeStatus, 'reach' | 'generationMismatch' | 'name'>[]): { tone: 'ok' | 'warn'; text: string } {
  const connected = nodes.filter((n) => n.reach === 'connected').length
  const mismatch = nodes.filter((n) => n.generationMismatch).map((n) => n.name)
  const parts = [`${connected} of ${nodes.length} nodes connected`]
  if (mismatch.length > 0) parts.push(`generation differs on ${mismatch.join(', ')}`)
  return { tone: connected === nodes.length && mismatch.length === 0 ? 'ok' : 'warn', text: parts.join('; ') }
}
