// The cluster screens' pure logic: the role form and the Create Cluster request checked with
// the contract's own messages, the validation gate, where a backend field error lands, and
// the step list of an operation fed by cluster.progress events.
import { describe, expect, it } from 'vitest'
import type { NodeFacts } from '../../../electron/api/model'
import { CreateClusterRequestSchema, type OperationStep } from '../../../electron/api/cluster'
import {
  blankGate,
  blankRoleForm,
  checkCreate,
  checkGate,
  checkRoleForm,
  checkServers,
  clusterHealth,
  clusterNodeName,
  failbackText,
  placeApiField,
  roleChanges,
  roleFormFromRole,
  roleFromValidation,
  type CreateNode,
  type RoleForm
} from '../../../renderer/src/stores/cluster-model'
import { applyStep, failedStepText, groupSteps, mergeSteps, outcomeText, stepCounts } from '../../../renderer/src/stores/operation-model'

function facts(hostname: string, v4: string, extra: { name: string; v4?: string }[] = []): NodeFacts {
  const iface = (name: string, cidr?: string) => ({
    name,
    mtu: 1500,
    state: 'UP',
    addresses: cidr ? [{ family: 'inet' as const, address: cidr.split('/')[0]!, prefix: Number(cidr.split('/')[1]) }] : []
  })
  return {
    hostname,
    os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian GNU/Linux 12' },
    kernel: '6.1.0',
    arch: 'x64',
    nodeVersion: 'v20.19.0',
    interfaces: [iface('lo', '127.0.0.1/8'), iface('eth0', v4), ...extra.map((e) => iface(e.name, e.v4))],
    defaultRoute: { gateway: null, dev: 'eth0' },
    platform: 'linux',
    collectedAt: '2026-12-01T00:00:00Z'
  }
}

function node(id: string, host: string, v4: string, extra: Partial<CreateNode> = {}): CreateNode {
  return { connectionId: id, display: host, connected: true, facts: facts(host, v4), interface: '', ...extra }
}

const three = [node('c1', 'n1', '198.51.100.11/24'), node('c2', 'n2', '198.51.100.12/24'), node('c3', 'n3', '198.51.100.13/24')]
const names = ['n1', 'n2', 'n3']

function role(extra: Partial<RoleForm> = {}): RoleForm {
  return { ...blankRoleForm(), vip: '198.51.100.210/24', ...extra }
}

describe('the role form', () => {
  it('builds a role input with the defaults of the Access Point page: VRRPv3, 1 s, unicast, no password, no failback', () => {
    const r = checkRoleForm(role({ vrid: '42', preferredOwners: ['n2'] }), names)
    expect(r.fields).toEqual({})
    expect(r.role).toEqual({
      name: 'vip1',
      vip: '198.51.100.210/24',
      vrid: 42,
      version: 3,
      advertIntervalMs: 1000,
      mode: 'unicast',
      auth: { type: 'none' },
      preferredOwners: ['n2'],
      failback: { policy: 'never' }
    })
  })

  it('leaves the VRID out when empty, for the backend to take a free one from the scan', () => {
    expect(checkRoleForm(role(), names).role).not.toHaveProperty('vrid')
  })

  it('names each bad field with the contract\'s message', () => {
    const r = checkRoleForm(role({ name: 'vip 1', vip: '198.51.100.300/24', vrid: '300', advertIntervalMs: '15' }), names)
    expect(r.role).toBeNull()
    expect(r.fields.roleName).toMatch(/letters, digits and "-" only/)
    expect(r.fields.vip).toBe('not a VIP: write an IPv4 address with its prefix length 1..32, e.g. 198.51.100.50/24')
    expect(r.fields.vrid).toBe('vrid must be 1..255')
    expect(r.fields.advertIntervalMs).toBe('advertIntervalMs must be a multiple of 10 ms (VRRP carries centiseconds)')
  })

  it('refuses a password with shell or keepalived.conf metacharacters, and one longer than 8', () => {
    expect(checkRoleForm(role({ version: 2, password: 'a"b' }), names).fields.password).toMatch(/may not contain quotes/)
    expect(checkRoleForm(role({ version: 2, password: '123456789' }), names).fields.password).toMatch(/at most 8 characters/)
    const ok = checkRoleForm(role({ version: 2, password: 's3cr$t;' }), names)
    expect(ok.role?.auth).toEqual({ type: 'pass', password: 's3cr$t;' })
  })

  it('applies the whole role\'s rules: VRRPv2 adverts are whole seconds; a password is ignored under VRRPv3', () => {
    expect(checkRoleForm(role({ version: 2, advertIntervalMs: '500' }), names).fields.advertIntervalMs).toMatch(/whole seconds/)
    expect(checkRoleForm(role({ version: 3, password: 'secret' }), names).role?.auth).toEqual({ type: 'none' })
  })

  it('refuses a preferred owner that is not a node, and a failback window with bad hours', () => {
    expect(checkRoleForm(role({ preferredOwners: ['n9'] }), names).fields.preferredOwners).toBe('preferred owner n9 is not a node of this cluster')
    expect(checkRoleForm(role({ failback: 'window', failbackStart: '25' }), names).fields.failback).toMatch(/0..23/)
    expect(checkRoleForm(role({ failback: 'window', failbackStart: '7', failbackEnd: '7' }), names).fields.failback).toMatch(/differ/)
    expect(checkRoleForm(role({ failback: 'window', failbackStart: '22', failbackEnd: '6' }), names).role?.failback).toEqual({ policy: 'window', startHour: 22, endHour: 6 })
  })

  it('changes only what differs; the hidden password is kept unless a new one is typed', () => {
    const before = {
      name: 'vip1',
      vip: '198.51.100.210/24',
      vrid: 42,
      version: 2 as const,
      advertIntervalMs: 1000,
      mode: 'unicast' as const,
      auth: { type: 'pass' as const },
      preferredOwners: ['n1'],
      failback: { policy: 'never' as const }
    }
    const form = roleFormFromRole(before)
    expect(form.password).toBe('')
    const same = checkRoleForm(form, names, true)
    expect(same.role).not.toHaveProperty('auth')
    expect(roleChanges(before, same.role!)).toEqual({})
    const moved = checkRoleForm({ ...form, preferredOwners: ['n2', 'n1'], failback: 'immediately' }, names, true)
    expect(roleChanges(before, moved.role!)).toEqual({ preferredOwners: ['n2', 'n1'], failback: { policy: 'immediately' } })
    const v3 = checkRoleForm({ ...form, version: 3 }, names, true)
    expect(roleChanges(before, v3.role!)).toEqual({ version: 3, auth: { type: 'none' } })
    const newPass = checkRoleForm({ ...form, password: 'newpass' }, names, true)
    expect(roleChanges(before, newPass.role!)).toEqual({ auth: { type: 'pass', password: 'newpass' } })
  })

  it('says the failback policy in FCM\'s words', () => {
    expect(failbackText({ policy: 'never' })).toBe('Prevent failback')
    expect(failbackText({ policy: 'window', startHour: 22, endHour: 6 })).toBe('Allow failback between 22:00 and 6:00')
  })
})

describe('Create Cluster', () => {
  const gate = { runId: 'run-1' }

  it('builds the request the contract accepts: each node named by its short host name on its proposed interface', () => {
    const c = checkCreate('web-vip', role({ vrid: '42' }), three, gate)
    expect(c.fields).toEqual({})
    expect(c.nodes).toEqual({})
    expect(c.request?.nodes).toEqual([
      { connectionId: 'c1', name: 'n1', interface: 'eth0' },
      { connectionId: 'c2', name: 'n2', interface: 'eth0' },
      { connectionId: 'c3', name: 'n3', interface: 'eth0' }
    ])
    expect(CreateClusterRequestSchema.safeParse(c.request).success).toBe(true)
  })

  it('takes the interface whose subnet holds the VIP, and refuses one without an IPv4 address', () => {
    const two = { ...node('c1', 'n1.example.org', '203.0.113.5/24'), facts: facts('n1.example.org', '203.0.113.5/24', [{ name: 'eth1', v4: '198.51.100.11/24' }, { name: 'eth2' }]) }
    expect(checkCreate('web-vip', role(), [two], gate).request?.nodes).toEqual([{ connectionId: 'c1', name: 'n1', interface: 'eth1' }])
    const bad = checkCreate('web-vip', role(), [{ ...two, interface: 'eth2' }], gate)
    expect(bad.nodes.c1).toBe('eth2 has no IPv4 address on n1.example.org: choose the interface in the VIP\'s subnet')
  })

  it('refuses a cluster name with shell characters, a VIP that is a node\'s own address, and a missing gate', () => {
    const c = checkCreate('web;rm -rf', role({ vip: '198.51.100.12/24' }), three, null)
    expect(c.request).toBeNull()
    expect(c.fields.clusterName).toMatch(/no spaces, quotes or shell characters/)
    expect(c.fields.validation).toMatch(/Validation Warning/)
    expect(c.nodes.c2).toBe('198.51.100.12 is n2\'s own address on eth0: a VIP must be a free address')
  })

  it('asks for a VRID when validation is skipped (no scan proposes one)', () => {
    expect(checkCreate('web-vip', role(), three, { skipReason: 'validated yesterday' }).fields.vrid).toMatch(/^validation is skipped, so no router id scan/)
    expect(checkCreate('web-vip', role({ vrid: '42' }), three, { skipReason: 'validated yesterday' }).request?.role.vrid).toBe(42)
    expect(checkCreate('web-vip', role(), three, gate).fields.vrid).toBeUndefined()
  })

  it('Select Servers: a disconnected server, two servers with one host name, a host name that cannot name a node', () => {
    const r = checkServers([node('c1', 'n1', '198.51.100.11/24'), node('c2', 'n1', '198.51.100.12/24'), node('c3', 'n3', '198.51.100.13/24', { connected: false }), node('c4', 'web_01', '198.51.100.14/24')])
    expect(r.nodes.c2).toMatch(/same host name \(n1\)/)
    expect(r.nodes.c3).toBe('n3 is not connected: connect it, or untick it')
    expect(r.nodes.c4).toMatch(/cannot name a cluster node/)
    expect(checkServers([]).error).toBe('choose at least one server for the cluster')
    expect(clusterNodeName({ facts: facts('web-01.example.org', '198.51.100.1/24'), display: 'x' })).toBe('web-01')
  })

  it('the validation gate: a finished run that covers every server and has no Failed result, or a reason to skip', () => {
    const run = { runId: 'r1', overall: 'Warning' as const, cancelled: false, nodeIds: ['c1', 'c2', 'c3'] }
    expect(checkGate({ ...blankGate(), run }, ['c1', 'c2', 'c3'])).toEqual({ gate: { runId: 'r1' } })
    expect(checkGate(blankGate(), ['c1']).error).toMatch(/run the validation/)
    expect(checkGate({ ...blankGate(), run: { ...run, nodeIds: ['c1'] } }, ['c1', 'c2'], { c2: 'n2' }).error).toBe('the validation did not cover n2: run it again with every chosen server')
    expect(checkGate({ ...blankGate(), run: { ...run, overall: 'Failed' } }, ['c1']).error).toMatch(/Failed results/)
    expect(checkGate({ ...blankGate(), run: { ...run, cancelled: true } }, ['c1']).error).toMatch(/cancelled/)
    expect(checkGate({ mode: 'skip', reason: 'x', run: null }, ['c1']).error).toBe('say in a few words why validation is skipped')
    expect(checkGate({ mode: 'skip', reason: '  lab nodes, validated yesterday ', run: null }, ['c1']).gate).toEqual({ skipReason: 'lab nodes, validated yesterday' })
  })

  it('starts the Access Point page from the validation: its VIP, the VRID the scan proposed, its interval and mode', () => {
    const f = roleFromValidation({ settings: { vip: '198.51.100.210/24', advertIntervalMs: 100, mode: 'unicast' }, proposedVrid: 17 }, blankRoleForm())
    expect(f).toMatchObject({ vip: '198.51.100.210/24', vrid: '17', advertIntervalMs: '100', mode: 'unicast' })
    // What the admin already typed stays.
    expect(roleFromValidation({ settings: { vip: '198.51.100.210/24', advertIntervalMs: 1000, mode: 'unicast' }, proposedVrid: 17 }, role({ vip: '198.51.100.211/24', vrid: '9' }))).toMatchObject({ vip: '198.51.100.211/24', vrid: '9' })
  })

  it('places the backend\'s invalid-input field on the form', () => {
    expect(placeApiField('name')).toEqual({ field: 'clusterName' })
    expect(placeApiField('role.vip')).toEqual({ field: 'vip' })
    expect(placeApiField('role.auth.password')).toEqual({ field: 'password' })
    expect(placeApiField('changes.vrid')).toEqual({ field: 'vrid' })
    expect(placeApiField('nodes.2.interface')).toEqual({ nodeIndex: 2 })
    expect(placeApiField('nodes')).toEqual({ field: 'nodes' })
    expect(placeApiField('validation.skipReason')).toEqual({ field: 'skipReason' })
    expect(placeApiField('confirmName')).toEqual({ field: 'confirmName' })
  })

  it('sums up a cluster\'s nodes: connected count and generation mismatches', () => {
    expect(clusterHealth([{ name: 'n1', reach: 'connected', generationMismatch: false }])).toEqual({ tone: 'ok', text: '1 of 1 nodes connected' })
    expect(
      clusterHealth([
        { name: 'n1', reach: 'connected', generationMismatch: false },
        { name: 'n2', reach: 'host-key-unknown', generationMismatch: true }
      ])
    ).toEqual({ tone: 'warn', text: '1 of 2 nodes connected; generation differs on n2' })
  })
})

describe('operation steps', () => {
  const step = (s: string, node: string | undefined, state: OperationStep['state'], message?: string): OperationStep => ({
    step: s,
    title: s,
    ...(node ? { node } : {}),
    state,
    ...(message ? { message } : {})
  })

  it('updates a step in place and never takes a final state back', () => {
    let steps = applyStep([], step('upload', 'n1', 'running'))
    steps = applyStep(steps, step('upload', 'n2', 'running'))
    steps = applyStep(steps, step('upload', 'n1', 'done', '40 MB'))
    steps = applyStep(steps, step('upload', 'n1', 'running'))
    expect(steps.map((s) => `${s.node}:${s.state}`)).toEqual(['n1:done', 'n2:running'])
    expect(steps[0]!.message).toBe('40 MB')
  })

  it('groups the cluster\'s steps first, then each node\'s, with a state per group', () => {
    const steps = [step('preflight', 'n1', 'done'), step('preflight', 'n2', 'failed', 'disk full'), step('wait-master', undefined, 'pending')]
    const groups = groupSteps(steps)
    expect(groups.map((g) => [g.node, g.state])).toEqual([
      [null, 'pending'],
      ['n1', 'done'],
      ['n2', 'failed']
    ])
    // In the cluster's order when given (nodes report in parallel, in any order).
    expect(groupSteps(steps, ['n2', 'n1']).map((g) => g.node)).toEqual([null, 'n2', 'n1'])
    expect(stepCounts(steps)).toEqual({ total: 3, done: 1, failed: 1, running: 0 })
    expect(failedStepText(steps)).toBe('on n2: preflight: disk full')
  })

  it('merges the report\'s record with steps seen only live', () => {
    const merged = mergeSteps([step('a', 'n1', 'running'), step('b', 'n1', 'running')], [step('a', 'n1', 'done')])
    expect(merged.map((s) => `${s.step}:${s.state}`)).toEqual(['a:done', 'b:running'])
  })

  it('says how an operation ended', () => {
    const base = { clusterName: 'web-vip', fromGeneration: 3, toGeneration: 3 }
    expect(outcomeText({ ...base, kind: 'add-node', outcome: 'failed' })).toBe('Add Node failed on web-vip; the cluster\'s definition was not changed (generation 3).')
    expect(outcomeText({ ...base, kind: 'destroy', outcome: 'failed' })).toBe('Destroy Cluster could not clean every node of web-vip: it stays on this desktop\'s list, marked "Destroy incomplete", until the clean-up is retried.')
    expect(outcomeText({ ...base, kind: 'create', outcome: 'succeeded', fromGeneration: 0, toGeneration: 1 })).toBe('The cluster web-vip was created (generation 1).')
    expect(outcomeText({ ...base, kind: 'rollback', outcome: 'succeeded', toGeneration: 2 })).toBe('Roll Back finished on web-vip: every node is back on generation 2.')
    expect(outcomeText({ ...base, kind: 'rollback', outcome: 'succeeded', fromGeneration: 1, toGeneration: 0 })).toMatch(/was removed\.$/)
    // Removing everything a failed create left says so, whatever generation numbers its report carries.
    expect(outcomeText({ ...base, kind: 'rollback', outcome: 'succeeded', fromGeneration: 1, toGeneration: 1 }, 'remove-everything')).toMatch(/was removed\.$/)
  })
})
