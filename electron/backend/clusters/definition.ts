// The cluster definition as a value: made, changed (a new generation), checked, redacted for
// the renderer and read back from a node's /etc/havip/cluster.json. Pure: no I/O, so the
// cluster operations (create, add node, roles, ...) and the read side share one set of rules.
import { randomBytes } from 'node:crypto'
import type { z } from 'zod'
import {
  ClusterDefinitionSchema,
  RoleSchema,
  type ClusterDefinition,
  type ClusterNode,
  type ClusterViewDefinition,
  type Role,
  type RoleInputSchema
} from '../../api/cluster'
import { apiError, ApiException } from '../../api/errors'

/** Format of cluster.json written by this version (ClusterDefinitionSchema's `schema`). */
export const DEFINITION_SCHEMA = 1 as const

/** 'cl-' and 16 hex digits from the system's CSPRNG. */
export function newClusterId(): string {
  return `cl-${randomBytes(8).toString('hex')}`
}

/** A role request after RoleInputSchema filled its defaults. */
export type ParsedRoleInput = z.output<typeof RoleInputSchema>

/**
 * The role an admin asked for, with the VRID settled: the admin's own `input.vrid` when given,
 * else `vrid` (the free one the scan proposed). Checked with RoleSchema (e.g. a password with
 * VRRPv3 is refused); the error's field is `role.<path>`.
 */
export function roleFromInput(input: ParsedRoleInput, vrid: number): Role {
  const candidate = {
    name: input.name,
    vip: input.vip,
    vrid: input.vrid ?? vrid,
    version: input.version,
    advertIntervalMs: input.advertIntervalMs,
    mode: input.mode,
    auth: input.auth,
    preferredOwners: [...input.preferredOwners],
    failback: input.failback
  }
  const r = RoleSchema.safeParse(candidate)
  if (!r.success) throw invalid(`The role ${input.name}`, r.error.issues, 'role', candidate)
  return r.data
}

export interface DefinitionParts {
  id: string
  name: string
  generation: number
  /** The app version writing it (`writtenBy`). */
  appVersion: string
  now: Date
  nodes: ClusterNode[]
  roles: Role[]
}

/** A complete, checked definition; throws ApiException('invalid-input') naming the field. */
export function buildDefinition(parts: DefinitionParts): ClusterDefinition {
  const candidate = {
    schema: DEFINITION_SCHEMA,
    id: parts.id,
    name: parts.name,
    generation: parts.generation,
    writtenBy: parts.appVersion,
    updatedAt: parts.now.toISOString(),
    nodes: parts.nodes,
    roles: parts.roles
  }
  const r = ClusterDefinitionSchema.safeParse(candidate)
  if (!r.success) throw invalid(`The cluster definition of ${String(parts.name)}`, r.error.issues, '', candidate)
  return r.data
}

/**
 * The next generation: `change` gets a deep copy (it may mutate it or return a new value), the
 * generation is bumped by one, writtenBy/updatedAt are set, and the result is checked again.
 * `def` itself is never changed.
 */
export function nextGeneration(
  def: ClusterDefinition,
  change: (d: ClusterDefinition) => ClusterDefinition,
  appVersion: string,
  now: Date
): ClusterDefinition {
  const changed = change(structuredClone(def))
  return buildDefinition({
    id: def.id,
    name: changed.name,
    generation: def.generation + 1,
    appVersion,
    now,
    nodes: changed.nodes,
    roles: changed.roles
  })
}

/** Priority of the first preferred owner; each next one is PREFERRED_STEP lower. 255 is reserved (address owner, RFC 5798). */
export const PREFERRED_TOP = 250
export const PREFERRED_STEP = 10
/** Preferred owners always stay above this, the default base priority of the other nodes. */
export const DEFAULT_NODE_PRIORITY = 100

/**
 * The VRRP priority of `nodeName` in role `roleName`:
 * - the preferred owners, in order, get 250, 240, 230, ... (the step shrinks when there are more
 *   than 15 of them, so the last still stays above 100 and no two tie);
 * - every other node gets its own `priority` (100 unless the admin chose one), but never as
 *   much as the lowest preferred owner, so "the first preferred owner present holds the role"
 *   holds whatever base priorities were chosen.
 * Other nodes may tie with each other: VRRP then elects the one with the higher primary
 * address (RFC 5798 §6.4.3), as keepalived and havip-agent both do, so the election is still
 * deterministic and no per-node offset is added.
 */
export function effectivePriority(def: ClusterDefinition, roleName: string, nodeName: string): number {
  const role = def.roles.find((r) => r.name === roleName)
  if (!role) throw new ApiException(apiError('not-found', `cluster ${def.name} has no role ${roleName}`, { field: 'role' }))
  const node = def.nodes.find((n) => n.name === nodeName)
  if (!node) throw new ApiException(apiError('not-found', `cluster ${def.name} has no node ${nodeName}`, { field: 'node' }))
  const owners = role.preferredOwners.filter((o) => def.nodes.some((n) => n.name === o))
  const step = owners.length <= 1 ? PREFERRED_STEP : Math.min(PREFERRED_STEP, Math.floor((PREFERRED_TOP - DEFAULT_NODE_PRIORITY - 1) / (owners.length - 1)))
  const at = owners.indexOf(nodeName)
  if (at >= 0) return PREFERRED_TOP - at * step
  if (owners.length === 0) return node.priority
  const lowestPreferred = PREFERRED_TOP - (owners.length - 1) * step
  return Math.min(node.priority, lowestPreferred - 1)
}

export const HIDDEN_PASSWORD = '(hidden)' as const

/** The definition as the renderer may see it: every VRRP password replaced by '(hidden)'. */
export function redactDefinition(def: ClusterDefinition): ClusterViewDefinition {
  return {
    ...def,
    nodes: def.nodes.map((n) => ({ ...n })),
    roles: def.roles.map((r) => ({
      ...r,
      preferredOwners: [...r.preferredOwners],
      auth: r.auth.type === 'pass' ? { type: 'pass' as const, password: HIDDEN_PASSWORD } : { type: 'none' as const }
    }))
  }
}

/**
 * Reads a cluster.json's text (from a node, or an export). `where` names it in messages
 * ("/etc/havip/cluster.json on n1 (198.51.100.11)"). A damaged file is an ApiException
 * ('invalid-input', field = the path in the file) saying which node or role entry is wrong and
 * what; its text is never quoted back (it holds the VRRP password).
 */
export function parseDefinitionFile(text: string, where: string): ClusterDefinition {
  let raw: unknown
  try {
    raw = JSON.parse(text.replace(/^\ufeff/, ''))
  } catch (err) {
    throw new ApiException(
      apiError('invalid-input', `${where} is not valid JSON (${jsonWhere(err as Error, text)}); the file is damaged`, {
        hint: 'Restore it from another node of the cluster (every node holds the same file), or connect to the cluster through another node.'
      })
    )
  }
  const r = ClusterDefinitionSchema.safeParse(raw)
  if (r.success) return r.data
  const e = invalid(where, r.error.issues, '', raw)
  throw new ApiException({
    ...e.error,
    hint: 'The file was changed outside HAVIP Manager or written by another version. Restore it from another node of the cluster, or connect to the cluster through another node.'
  })
}

// ---------------------------------------------------------------------------

/** JSON.parse's complaint with the line and column, never the excerpt it may quote (a password). */
function jsonWhere(err: Error, text: string): string {
  const what = err.message.replace(/,\s*(\.\.\.)?".*$/s, '').replace(/\s*in JSON at position \d+.*$/s, '').replace(/^Unexpected token .*$/s, 'unexpected character')
  const pos = /position (\d+)/.exec(err.message)
  if (!pos) return what
  const before = text.slice(0, Number(pos[1]))
  return `${what} at line ${before.split('\n').length} column ${before.length - before.lastIndexOf('\n')}`
}

/**
 * Names the entry an issue path points into, in the admin's words: `nodes.1.address` of a
 * definition whose second node is n2 becomes "node n2: address"; `roles.0.auth` "role vip1: auth".
 */
function describePath(path: readonly (string | number)[], value: unknown): string {
  const v = (value ?? {}) as Record<string, unknown>
  const [top, index, ...rest] = path
  if ((top === 'nodes' || top === 'roles') && typeof index === 'number') {
    const list = Array.isArray(v[top]) ? (v[top] as unknown[]) : []
    const entry = (list[index] ?? {}) as Record<string, unknown>
    const name = typeof entry['name'] === 'string' && /^[A-Za-z0-9-]{1,63}$/.test(entry['name']) ? entry['name'] : `#${index + 1}`
    const what = top === 'nodes' ? 'node' : 'role'
    return rest.length ? `${what} ${name}: ${rest.join('.')}` : `${what} ${name}`
  }
  return path.join('.')
}

function invalid(what: string, issues: readonly z.ZodIssue[], fieldPrefix: string, value: unknown): ApiException {
  const parts = issues.slice(0, 4).map((i) => {
    // Never echo a password value: zod messages here do not, and the path is only a name.
    const p = describePath(i.path, value)
    return p ? `${p}: ${i.message}` : i.message
  })
  const more = issues.length > 4 ? ` (and ${issues.length - 4} more)` : ''
  const first = issues[0]
  const field = [fieldPrefix, ...(first?.path ?? [])].filter((s) => s !== '').join('.')
  return new ApiException(
    apiError('invalid-input', `${what} is not valid: ${parts.join('; ')}${more}`, {
      hint: 'Correct the named field and try again.',
      ...(field ? { field } : {})
    })
  )
}
