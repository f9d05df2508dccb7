// The pure part of the Validate a Configuration wizard: the interface proposal from a node's
// facts, the check of the form against the API's own schemas (never restated here), the
// request, the catalogue tree and the live progress grid. No Vue, no API: unit-tested as is.
import type { NodeFacts } from '@api/model'
import { interfaceNameProblem } from '@api/interface-name'
import {
  AdvertIntervalMsSchema,
  InterfaceNameSchema,
  VALIDATION_GROUP_TITLES,
  ValidationGroupSchema,
  ValidationRequestSchema,
  VipCidrSchema,
  VridSchema,
  type ValidationGroup,
  type ValidationProgress,
  type ValidationReportNode,
  type ValidationRequestInput,
  type ValidationStatus,
  type ValidationTest,
  type VrrpMode
} from '@api/validation'

// ---------------------------------------------------------------------------------------
// IPv4 arithmetic (the VIP is already checked by VipCidrSchema where it matters)
// ---------------------------------------------------------------------------------------

function ipv4ToInt(s: string): number | null {
  const parts = s.split('.')
  if (parts.length !== 4) return null
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null
    n = n * 256 + Number(p)
  }
  return n
}

/** The VIP's address part ('198.51.100.50/24' -> '198.51.100.50'), or null if it does not parse. */
export function vipAddress(vip: string): string | null {
  const v = VipCidrSchema.safeParse(vip)
  return v.success ? (v.data.split('/')[0] ?? null) : null
}

/** True when `address` lies in the subnet of `net`/`prefix`. */
export function inSubnet(address: string, net: string, prefix: number): boolean {
  const a = ipv4ToInt(address)
  const b = ipv4ToInt(net)
  if (a === null || b === null || prefix < 0 || prefix > 32) return false
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  return ((a & mask) >>> 0) === ((b & mask) >>> 0)
}

// ---------------------------------------------------------------------------------------
// Interfaces
// ---------------------------------------------------------------------------------------

export interface InterfaceProposal {
  name: string
  /** Why this one, for the hint under the choice. */
  reason: string
  /** False when no interface's subnet holds the VIP (the validation will fail it; said early). */
  containsVip: boolean
}

/**
 * The interface the VIP would go on: the one whose IPv4 subnet contains the VIP; without one,
 * the default route's interface (as the backend defaults), flagged so the page can say so.
 */
export function proposeInterface(facts: NodeFacts, vip: string): InterfaceProposal | null {
  const address = vipAddress(vip)
  if (address) {
    for (const i of facts.interfaces) {
      const hit = i.addresses.find((a) => a.family === 'inet' && inSubnet(address, a.address, a.prefix))
      if (hit) return { name: i.name, reason: `${hit.address}/${hit.prefix} contains the VIP`, containsVip: true }
    }
  }
  const dev = facts.defaultRoute?.dev
  if (dev) {
    return {
      name: dev,
      reason: address ? 'no interface has a subnet that contains the VIP; the default route\'s interface' : 'the default route\'s interface',
      containsVip: false
    }
  }
  return null
}

/** The interfaces to offer: those with an IPv4 address first (a VIP needs one), loopback last. */
export function interfaceChoices(facts: NodeFacts): { name: string; text: string }[] {
  const rank = (name: string, hasV4: boolean): number => (name === 'lo' ? 2 : hasV4 ? 0 : 1)
  return facts.interfaces
    .map((i) => {
      const v4 = i.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefix}`)
      return { name: i.name, text: `${i.name}${v4.length ? ` (${v4.join(', ')})` : ''}${i.state === 'UP' ? '' : ` [${i.state}]`}`, r: rank(i.name, v4.length > 0) }
    })
    .sort((a, b) => a.r - b.r || a.name.localeCompare(b.name, undefined, { numeric: true }))
    .map(({ name, text }) => ({ name, text }))
}

/**
 * How the report names a node: the label the admin chose, else its hostname (as the tree does:
 * "n1" reads better than the default label "root@198.51.100.11", which the address column shows).
 */
export function reportNodeName(n: ValidationReportNode): string {
  const defaultLabel = `${n.username}@${n.host}`
  if (n.label && n.label !== defaultLabel) return n.label
  return n.facts?.hostname || n.label || n.host
}

// ---------------------------------------------------------------------------------------
// The Select Servers form
// ---------------------------------------------------------------------------------------

export interface SettingsForm {
  vip: string
  /** '' = let the router id scan propose one. */
  vrid: string
  advertIntervalMs: string
  mode: VrrpMode
}

export function blankSettings(): SettingsForm {
  return { vip: '', vrid: '', advertIntervalMs: '1000', mode: 'unicast' }
}

/** One chosen server as the page knows it. */
export interface ChosenNode {
  connectionId: string
  name: string
  connected: boolean
  facts: NodeFacts | null
  /** The interface chosen on the page, or '' to take the proposal. */
  interface: string
}

export interface InputCheck {
  /** Errors per field of the settings ('vip', 'vrid', 'advertIntervalMs') and 'nodes'. */
  fields: Partial<Record<'vip' | 'vrid' | 'advertIntervalMs' | 'nodes', string>>
  /** Errors per node (connection id): not connected, bad interface, the VIP is its own address. */
  nodes: Record<string, string>
  /** The request to send, when there is no error. */
  request: ValidationRequestInput | null
}

function firstIssue(r: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined {
  return r.success ? undefined : r.error?.issues[0]?.message
}

/** The interface a node will be validated on: the chosen one, else the proposal, else none. */
export function effectiveInterface(n: ChosenNode, vip: string): string | undefined {
  if (n.interface) return n.interface
  return n.facts ? proposeInterface(n.facts, vip)?.name : undefined
}

/**
 * Checks the page with the contract's schemas (VipCidrSchema, VridSchema, ...) and the few
 * things only the page knows (a chosen node that is not connected; the VIP being a node's own
 * address, which would take that node's address away). Returns the request when all is well.
 */
export function checkInputs(
  form: SettingsForm,
  nodes: ChosenNode[],
  tests: string[] | undefined
): InputCheck {
  const fields: InputCheck['fields'] = {}
  const nodeErrors: Record<string, string> = {}
  const vip = form.vip.trim()
  fields.vip = vip === '' ? 'enter the VIP with its prefix length, e.g. 198.51.100.50/24' : firstIssue(VipCidrSchema.safeParse(vip))
  if (form.vrid.trim() !== '') fields.vrid = firstIssue(VridSchema.safeParse(form.vrid.trim()))
  fields.advertIntervalMs =
    form.advertIntervalMs.trim() === ''
      ? 'enter the advert interval in milliseconds (1000 is the VRRP default)'
      : firstIssue(AdvertIntervalMsSchema.safeParse(form.advertIntervalMs.trim()))
  if (nodes.length === 0) fields.nodes = 'choose at least one server to validate'

  const address = fields.vip ? null : vipAddress(vip)
  for (const n of nodes) {
    if (!n.connected) {
      nodeErrors[n.connectionId] = `${n.name} is not connected: connect it, or untick it`
      continue
    }
    if (n.interface) {
      // By the node's own rule once its platform is known ("Ethernet 2" is a Windows name, never a Linux one).
      const bad = n.facts ? interfaceNameProblem(n.facts.platform, n.interface) : firstIssue(InterfaceNameSchema.safeParse(n.interface))
      if (bad) {
        nodeErrors[n.connectionId] = bad
        continue
      }
    }
    const own = address && n.facts?.interfaces.find((i) => i.addresses.some((a) => a.address === address))
    if (own) nodeErrors[n.connectionId] = `${address} is ${n.name}'s own address on ${own.name}: a VIP must be a free address`
  }

  for (const k of Object.keys(fields) as (keyof InputCheck['fields'])[]) if (!fields[k]) delete fields[k]
  if (Object.keys(fields).length > 0 || Object.keys(nodeErrors).length > 0) return { fields, nodes: nodeErrors, request: null }

  const request: ValidationRequestInput = {
    nodes: nodes.map((n) => {
      const iface = effectiveInterface(n, vip)
      return { connectionId: n.connectionId, ...(iface ? { interface: iface } : {}) }
    }),
    vip,
    ...(form.vrid.trim() ? { vrid: Number(form.vrid.trim()) } : {}),
    advertIntervalMs: Number(form.advertIntervalMs.trim()),
    mode: form.mode,
    ...(tests ? { tests } : {})
  }
  // The whole request through the contract too, so nothing the backend would refuse gets sent.
  const whole = ValidationRequestSchema.safeParse(request)
  if (!whole.success) {
    return { fields: { nodes: whole.error.issues.map((i) => i.message).join('; ') }, nodes: nodeErrors, request: null }
  }
  return { fields, nodes: nodeErrors, request }
}

// ---------------------------------------------------------------------------------------
// The catalogue as a tree by group, with tri-state group checkboxes
// ---------------------------------------------------------------------------------------

export interface CatalogueGroup {
  group: ValidationGroup
  title: string
  tests: ValidationTest[]
}

/** Groups in the contract's order (Inventory, Network, System Configuration, VRRP and VIP). */
export function groupCatalogue(tests: readonly ValidationTest[]): CatalogueGroup[] {
  return ValidationGroupSchema.options
    .map((group) => ({ group, title: VALIDATION_GROUP_TITLES[group], tests: tests.filter((t) => t.group === group) }))
    .filter((g) => g.tests.length > 0)
}

export type Tristate = 'all' | 'some' | 'none'

export function groupState(g: CatalogueGroup, chosen: ReadonlySet<string>): Tristate {
  const n = g.tests.filter((t) => chosen.has(t.id)).length
  return n === 0 ? 'none' : n === g.tests.length ? 'all' : 'some'
}

/** Ticking a group chooses all its tests unless all were chosen (then none), as FCM's tree does. */
export function toggleGroup(g: CatalogueGroup, chosen: ReadonlySet<string>): Set<string> {
  const next = new Set(chosen)
  const all = groupState(g, chosen) === 'all'
  for (const t of g.tests) {
    if (all) next.delete(t.id)
    else next.add(t.id)
  }
  return next
}

// ---------------------------------------------------------------------------------------
// Live progress: one cell per test and node
// ---------------------------------------------------------------------------------------

export type CellStatus = 'Pending' | 'Running' | ValidationStatus

export interface Cell {
  status: CellStatus
  message?: string
}

/** testId -> nodeId -> cell. */
export type ProgressGrid = Record<string, Record<string, Cell>>

export function emptyGrid(testIds: readonly string[], nodeIds: readonly string[]): ProgressGrid {
  const grid: ProgressGrid = {}
  for (const t of testIds) grid[t] = Object.fromEntries(nodeIds.map((n) => [n, { status: 'Pending' as CellStatus }]))
  return grid
}

/** Applies one progress event; a final status is never taken back by a late 'Running'. */
export function applyProgress(grid: ProgressGrid, ev: ValidationProgress): ProgressGrid {
  const row = grid[ev.testId] ?? {}
  const before = row[ev.nodeId]
  if (ev.status === 'Running' && before && before.status !== 'Pending' && before.status !== 'Running') return grid
  return { ...grid, [ev.testId]: { ...row, [ev.nodeId]: { status: ev.status, ...(ev.message ? { message: ev.message } : {}) } } }
}

export interface ProgressCounts {
  total: number
  done: number
  running: number
  Success: number
  Warning: number
  Failed: number
  NotRun: number
}

export function progressCounts(grid: ProgressGrid): ProgressCounts {
  const c: ProgressCounts = { total: 0, done: 0, running: 0, Success: 0, Warning: 0, Failed: 0, NotRun: 0 }
  for (const row of Object.values(grid)) {
    for (const cell of Object.values(row)) {
      c.total += 1
      if (cell.status === 'Running') c.running += 1
      else if (cell.status !== 'Pending') {
        c.done += 1
        c[cell.status] += 1
      }
    }
  }
  return c
}

/** Marks every unfinished cell NotRun (the run was cancelled or ended without a word on them). */
export function closeGrid(grid: ProgressGrid): ProgressGrid {
  const out: ProgressGrid = {}
  for (const [t, row] of Object.entries(grid)) {
    out[t] = Object.fromEntries(
      Object.entries(row).map(([n, cell]) => [n, cell.status === 'Pending' || cell.status === 'Running' ? { status: 'NotRun' as CellStatus } : cell])
    )
  }
  return out
}
