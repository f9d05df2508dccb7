import { describe, expect, it } from 'vitest'
import { ClusterViewDefinitionSchema, RoleInputSchema, VrrpPasswordSchema } from '../../../electron/api/cluster'
import { ApiException } from '../../../electron/api/errors'
import {
  buildDefinition,
  effectivePriority,
  newClusterId,
  nextGeneration,
  parseDefinitionFile,
  redactDefinition,
  roleFromInput
} from '../../../electron/backend/clusters/definition'
import { definition, HOSTILE_PASSWORD, node, NOW, role } from './fixtures'

function apiErrorOf(fn: () => unknown) {
  try {
    fn()
  } catch (e) {
    if (e instanceof ApiException) return e.error
    throw e
  }
  throw new Error('expected an ApiException')
}

describe('newClusterId', () => {
  it('is cl- and 16 hex digits, different each time', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newClusterId()))
    expect(ids.size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^cl-[0-9a-f]{16}$/)
  })
})

describe('roleFromInput', () => {
  it('fills the defaults and takes the proposed VRID when the admin gave none', () => {
    const r = roleFromInput(RoleInputSchema.parse({ vip: '198.51.100.100/24' }), 77)
    expect(r).toEqual({
      name: 'vip1', vip: '198.51.100.100/24', vrid: 77, version: 3, advertIntervalMs: 1000, mode: 'unicast',
      auth: { type: 'none' }, preferredOwners: [], failback: { policy: 'never' }
    })
  })

  it("keeps the admin's own VRID over the proposed one", () => {
    expect(roleFromInput(RoleInputSchema.parse({ vip: '198.51.100.100/24', vrid: 9 }), 77).vrid).toBe(9)
  })

  it('refuses a password with VRRPv3, naming role.auth', () => {
    const e = apiErrorOf(() => roleFromInput(RoleInputSchema.parse({ vip: '198.51.100.100/24', auth: { type: 'pass', password: 'secret' } }), 5))
    expect(e.kind).toBe('invalid-input')
    expect(e.field).toBe('role.auth')
    expect(e.message).toContain('a VRRP password needs VRRP version 2')
    expect(e.message).not.toContain('secret')
  })
})

describe('buildDefinition', () => {
  it('builds schema 1 with writtenBy and updatedAt', () => {
    const d = definition([node(1), node(2)], [role()])
    expect(d).toMatchObject({ schema: 1, id: 'cl-0123456789abcdef', name: 'web-vip', generation: 1, writtenBy: '0.1.0', updatedAt: NOW.toISOString() })
  })

  for (const bad of ['web;rm -rf /', 'web vip', '$(id)', 'a`b`', 'x|y', "it's"]) {
    it(`refuses the cluster name ${JSON.stringify(bad)} with the schema's message`, () => {
      const e = apiErrorOf(() => buildDefinition({ id: 'cl-0123456789abcdef', name: bad, generation: 1, appVersion: '0.1.0', now: NOW, nodes: [node(1)], roles: [] }))
      expect(e.kind).toBe('invalid-input')
      expect(e.field).toBe('name')
      expect(e.message).toContain('a cluster name may use letters, digits and "-" only')
    })
  }

  it('names the node entry that is wrong', () => {
    const e = apiErrorOf(() => definition([node(1), node(2, { address: '198.51.100.300' })], [role()]))
    expect(e.field).toBe('nodes.1.address')
    expect(e.message).toContain('node n2: address: not an IPv4 address')
  })

  it('refuses a role name with shell characters and a preferred owner that is not a node', () => {
    expect(apiErrorOf(() => definition([node(1)], [role({ name: 'vip;reboot' })])).message).toContain('a role name may use letters, digits and "-" only')
    const e = apiErrorOf(() => definition([node(1)], [role({ preferredOwners: ['n9'] })]))
    expect(e.message).toContain('preferred owner n9 is not a node of this cluster')
    expect(e.field).toBe('roles.0.preferredOwners.0')
  })

  it('refuses two roles with one VRID', () => {
    const e = apiErrorOf(() => definition([node(1)], [role(), role({ name: 'vip2', vip: '198.51.100.101/24' })]))
    expect(e.message).toContain('VRID 51 appears twice')
  })
})

describe('the VRRP password', () => {
  it('accepts shell metacharacters (they are data)', () => {
    for (const pw of [HOSTILE_PASSWORD, '$(id)', 'a;b|c`d', '&&<>*?~']) expect(VrrpPasswordSchema.safeParse(pw).success, pw).toBe(true)
  })
  it('refuses what keepalived.conf would read differently: quotes, backslash, comments, ${NAME}', () => {
    for (const pw of ['a"b', "a'b", 'a\\b', 'a#b', 'a!b', '${_HASH}', 'x${a}']) expect(VrrpPasswordSchema.safeParse(pw).success, pw).toBe(false)
    expect(VrrpPasswordSchema.safeParse('${_PWD}').error?.issues[0]?.message).toContain('"${"')
  })
})

describe('nextGeneration', () => {
  it('bumps the generation, re-stamps, and leaves the old definition alone', () => {
    const d1 = definition([node(1), node(2)], [role()])
    const later = new Date('2026-12-01T22:00:00.000Z')
    const d2 = nextGeneration(d1, (d) => ({ ...d, nodes: [...d.nodes, node(3)] }), '0.2.0', later)
    expect(d2.generation).toBe(2)
    expect(d2.writtenBy).toBe('0.2.0')
    expect(d2.updatedAt).toBe(later.toISOString())
    expect(d2.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3'])
    expect(d1.nodes).toHaveLength(2)
    expect(d1.generation).toBe(1)
  })

  it('a change that mutates its copy does not touch the original', () => {
    const d1 = definition([node(1), node(2)], [role()])
    nextGeneration(d1, (d) => { d.roles[0]!.vrid = 60; return d }, '0.1.0', NOW)
    expect(d1.roles[0]!.vrid).toBe(51)
  })

  it('refuses a change that breaks the definition', () => {
    const d1 = definition([node(1), node(2)], [role({ preferredOwners: ['n2'] })])
    const e = apiErrorOf(() => nextGeneration(d1, (d) => ({ ...d, nodes: d.nodes.filter((n) => n.name !== 'n2') }), '0.1.0', NOW))
    expect(e.message).toContain('preferred owner n2 is not a node of this cluster')
  })
})

describe('effectivePriority', () => {
  const d = definition([node(1), node(2), node(3), node(4, { priority: 245 })], [role({ preferredOwners: ['n3', 'n1'] }), role({ name: 'free', vip: '198.51.100.101/24', vrid: 52 })])

  it('gives the preferred owners 250, 240 in order, and the others their base priority', () => {
    expect(effectivePriority(d, 'vip1', 'n3')).toBe(250)
    expect(effectivePriority(d, 'vip1', 'n1')).toBe(240)
    expect(effectivePriority(d, 'vip1', 'n2')).toBe(100)
  })

  it('keeps a high base priority below the lowest preferred owner', () => {
    expect(effectivePriority(d, 'vip1', 'n4')).toBe(239)
  })

  it('uses the base priority as is in a role without preferred owners', () => {
    expect(effectivePriority(d, 'free', 'n4')).toBe(245)
    expect(effectivePriority(d, 'free', 'n1')).toBe(100)
  })

  it('keeps 32 preferred owners strictly ordered and above 100', () => {
    const nodes = Array.from({ length: 32 }, (_, i) => node(i + 1, { host: `h${i + 1}`, address: `198.51.100.${i + 1}` }))
    const big = definition(nodes, [role({ vip: '198.51.100.200/24', preferredOwners: nodes.map((n) => n.name) })])
    const ps = nodes.map((n) => effectivePriority(big, 'vip1', n.name))
    expect(ps[0]).toBe(250)
    for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeLessThan(ps[i - 1]!)
    expect(Math.min(...ps)).toBeGreaterThan(100)
  })

  it('says which role or node does not exist', () => {
    expect(apiErrorOf(() => effectivePriority(d, 'nope', 'n1')).message).toBe('cluster web-vip has no role nope')
    expect(apiErrorOf(() => effectivePriority(d, 'vip1', 'n9')).message).toBe('cluster web-vip has no node n9')
  })
})

describe('redactDefinition', () => {
  it('hides every password and fits the view schema, leaving the definition alone', () => {
    const d = definition([node(1), node(2)], [role({ version: 2, auth: { type: 'pass', password: HOSTILE_PASSWORD } }), role({ name: 'b', vrid: 9, vip: '198.51.100.9/24' })])
    const v = redactDefinition(d)
    expect(v.roles[0]!.auth).toEqual({ type: 'pass', password: '(hidden)' })
    expect(v.roles[1]!.auth).toEqual({ type: 'none' })
    expect(JSON.stringify(v)).not.toContain(HOSTILE_PASSWORD)
    expect(ClusterViewDefinitionSchema.safeParse(v).success).toBe(true)
    expect(d.roles[0]!.auth).toEqual({ type: 'pass', password: HOSTILE_PASSWORD })
  })
})

describe('parseDefinitionFile', () => {
  const where = '/etc/havip/cluster.json on n1 (198.51.100.11)'
  const good = definition([node(1), node(2)], [role({ version: 2, auth: { type: 'pass', password: 'zz$9;' } })])

  it('reads back what the app writes', () => {
    expect(parseDefinitionFile(JSON.stringify(good, null, 2), where)).toEqual(good)
  })

  it('says where a file is not JSON, without quoting it (it holds the password)', () => {
    const text = JSON.stringify(good, null, 2).replace('"zz$9;"', 'zz$9;')
    const e = apiErrorOf(() => parseDefinitionFile(text, where))
    expect(e.kind).toBe('invalid-input')
    expect(e.message).toBe('/etc/havip/cluster.json on n1 (198.51.100.11) is not valid JSON (unexpected character); the file is damaged')
    expect(e.message).not.toContain('zz$9')
    expect(e.hint).toContain('another node')
  })

  it('names the node entry that is damaged and what is wrong', () => {
    const raw = JSON.parse(JSON.stringify(good)) as Record<string, any>
    raw.nodes[1].address = 'not-an-ip'
    delete raw.nodes[0].port
    const e = apiErrorOf(() => parseDefinitionFile(JSON.stringify(raw), where))
    expect(e.message).toContain(where)
    expect(e.message).toContain('node n1: port: Required')
    expect(e.message).toContain('node n2: address: not an IPv4 address')
  })

  it('names a truncated file (with the line where it stops) and an empty one', () => {
    const cut = JSON.stringify(good, null, 2).split('\n').slice(0, 5).join('\n')
    expect(apiErrorOf(() => parseDefinitionFile(cut, where)).message).toMatch(/is not valid JSON \(.* at line 5 column \d+\)/)
    expect(apiErrorOf(() => parseDefinitionFile('', where)).message).toContain('is not valid JSON')
    expect(apiErrorOf(() => parseDefinitionFile('[]', where)).message).toContain('is not valid')
  })
})
