// The VRRP and VIP group's judging, on scan reports shaped as `havip-agent scan --json` prints
// them: router id scan, protocol 112 pairs, heartbeat source, VIP per NIC, and the bundle and
// probe helpers that need no node.
import { describe, expect, it } from 'vitest'
import type { NetInterface, NodeFacts } from '../../../electron/api/model'
import { ValidationTestSchema } from '../../../electron/api/validation'
import { vrrpTests } from '../../../electron/backend/validation/groups/vrrp'
import { bundleFiles, findAgentBundleDir, NODE_RUNTIME_NOTE, runThenRemove, whyAgentCannotRun } from '../../../electron/backend/validation/groups/vrrp-bundle'
import { cloudOf, judgeHeartbeatSource, judgeVipPerNic } from '../../../electron/backend/validation/groups/vrrp-judge-node'
import { judgeProtocol112 } from '../../../electron/backend/validation/groups/vrrp-judge-paths'
import { judgeScan, proposeVrid } from '../../../electron/backend/validation/groups/vrrp-judge-scan'
import { parseScanOutput, scanArgv, scanWindowMs, sharedProbe, type NodeProbe, type ProbeResult } from '../../../electron/backend/validation/groups/vrrp-probe'
import type { ScanReport } from '../../../electron/backend/validation/groups/vrrp-scan-schema'
import type { ClusterContext, NodeContext } from '../../../electron/backend/validation/test-module'

const A = { n1: '198.51.100.11', n2: '198.51.100.12', n3: '198.51.100.13' } as const
const nodes = [{ nodeId: 'id1', label: 'n1' }, { nodeId: 'id2', label: 'n2' }, { nodeId: 'id3', label: 'n3' }]
const settings = { vip: '198.51.100.210', prefix: 24, advertIntervalMs: 1000, mode: 'unicast' as const }

type Router = ScanReport['routers'][number]
const sender = (address: string, o: Partial<Router['senders'][number]> = {}) =>
  ({ address, priority: 150, version: 3 as const, advertIntervalMs: 1000, addresses: ['198.51.100.219'], count: 3, multicast: true, ...o })

/** A node's scan: routers heard, and the test adverts it got (from, multicast) x3 and sent to peers. */
function report(self: string, routers: Router[] = [], got: [string, boolean][] = [], peers: string[] = []): NodeProbe {
  return {
    kind: 'ok',
    address: self,
    report: {
      format: 1, interface: 'eth0', source: self, durationMs: 3500, routers: [...routers], foreignTestAdverts: 0, bad: {},
      test: {
        token: 'a1b2c3d4', vrid: 255,
        sent: [...peers.map((to) => ({ to, sent: 3, errors: [] })), { to: '224.0.0.18', sent: 3, errors: [] }],
        received: got.map(([from, multicast]) => ({ from, multicast, count: 3, vrid: 255 }))
      }
    }
  }
}

const probeOf = (m: Record<string, NodeProbe>): ProbeResult => ({ windowMs: 3500, nodes: new Map(Object.entries(m)), cleanup: [] })

/** Everyone hears everyone both ways, unicast and multicast. */
function fullMesh(routers: Router[] = [], except: (from: string, to: string, multicast: boolean) => boolean = () => false): ProbeResult {
  const addrs = Object.values(A)
  const m: Record<string, NodeProbe> = {}
  addrs.forEach((self, i) => {
    const got = addrs.filter((a) => a !== self).flatMap((from) => ([false, true] as const).filter((mc) => !except(from, self, mc)).map((mc) => [from, mc] as [string, boolean]))
    m[`id${i + 1}`] = report(self, routers, got, addrs.filter((a) => a !== self))
  })
  return probeOf(m)
}

describe('catalogue entries', () => {
  it('are valid catalogue entries with unique vrrp.* ids', () => {
    for (const t of vrrpTests) expect(ValidationTestSchema.parse(t.meta)).toEqual(t.meta)
    expect(vrrpTests.map((t) => t.meta.id)).toEqual(['vrrp.router-id-scan', 'vrrp.protocol-112', 'vrrp.heartbeat-source', 'vrrp.vip-per-nic'])
  })
})

describe('router id scan', () => {
  it('chosen VRID free: Success on every node, the routers heard as evidence, nothing proposed', () => {
    const r = judgeScan(nodes, { ...settings, vrid: 77 }, fullMesh([{ vrid: 51, senders: [sender('198.51.100.31')] }]))
    expect(Object.values(r.outcomes).map((o) => o.status)).toEqual(['Success', 'Success', 'Success'])
    expect(r.outcomes.id1!.details).toMatch(/^VRID 77 is free: no adverts on it\. Heard on eth0 in 3\.5 s \(3 advert intervals of 1000 ms\): VRID 51 from 198\.51\.100\.31\./)
    expect(r.outcomes.id1!.evidence).toEqual([{ label: 'VRID 51', value: '198.51.100.31 (priority 150, VRRPv3, every 1 s, multicast, VIPs 198.51.100.219)' }])
    expect(r.proposedVrid).toBeUndefined()
  })

  it('shows undecodable datagrams and other runs\' test adverts as evidence', () => {
    const probe = fullMesh()
    const n1 = probe.nodes.get('id1') as Extract<NodeProbe, { kind: 'ok' }>
    n1.report.bad = { 'bad-ttl': 4 }
    n1.report.foreignTestAdverts = 2
    expect(judgeScan(nodes, { ...settings, vrid: 77 }, probe).outcomes.id1!.evidence).toEqual([
      { label: 'protocol 112 datagrams dropped', value: 'bad-ttl: 4' },
      { label: 'test adverts of another validation run', value: '2' }
    ])
  })

  it('chosen VRID taken by a router heard by one node only: Failed on every node, with who heard it and a free VRID', () => {
    const probe = fullMesh()
    const heard = { vrid: 210, senders: [sender('198.51.100.31', { multicast: false, priority: 100, advertIntervalMs: 250 })] }
    ;(probe.nodes.get('id2') as Extract<NodeProbe, { kind: 'ok' }>).report.routers.push(heard)
    const r = judgeScan(nodes, { ...settings, vrid: 210 }, probe)
    expect(Object.values(r.outcomes).map((o) => o.status)).toEqual(['Failed', 'Failed', 'Failed'])
    expect(r.outcomes.id1!.details).toMatch(/^VRID 210 is already in use on this segment by 198\.51\.100\.31 \(priority 100, VRRPv3, every 250 ms, unicast, VIPs 198\.51\.100\.219\), heard by n2\. One router id per VRID domain/)
    // The VIP's last octet is taken, so the next free one is proposed.
    expect(r.proposedVrid).toBe(211)
    expect(r.outcomes.id3!.remediation).toBe('Choose another VRID: 211 was heard on no node. Or, if 198.51.100.31 should not run VRRP, stop it there.')
  })

  it('chosen VRID sent only by the cluster\'s own nodes: Warning (a running cluster validated again, or a stray daemon)', () => {
    const r = judgeScan(nodes, { ...settings, vrid: 60 }, fullMesh([{ vrid: 60, senders: [sender(A.n2)] }]))
    expect(r.outcomes.id1!.status).toBe('Warning')
    expect(r.outcomes.id1!.details).toMatch(/^VRID 60 is sent by this cluster's own nodes: 198\.51\.100\.12 /)
    expect(r.proposedVrid).toBeUndefined()
  })

  it('no VRID chosen: proposes one; two VIP sets on one VRID is a warning', () => {
    const clash = { vrid: 9, senders: [sender('198.51.100.31'), sender('198.51.100.41', { addresses: ['198.51.100.99'] })] }
    const r = judgeScan(nodes, settings, fullMesh([clash]))
    expect(r.proposedVrid).toBe(210)
    expect(r.outcomes.id2!.status).toBe('Warning')
    expect(r.outcomes.id2!.details).toMatch(/VRID 9 is used by senders advertising different VIPs/)
    expect(r.outcomes.id2!.details).toMatch(/Unicast VRRP between other hosts .* cannot be heard here/)
  })

  it('a node that could not scan keeps its own reason; nothing is proposed when no node scanned', () => {
    const probe = probeOf({ id1: { kind: 'not-run', details: `Not run: n1 has no Node.js: this test ${NODE_RUNTIME_NOTE}.` }, id2: { kind: 'failed', details: 'scan failed', remediation: 'fix' } })
    const r = judgeScan(nodes.slice(0, 2), { ...settings, vrid: 5 }, probe)
    expect(r.outcomes.id1).toEqual({ status: 'NotRun', details: 'Not run: n1 has no Node.js: this test needs Node.js 18+ on the node; Create Cluster uploads a runtime.' })
    expect(r.outcomes.id2).toEqual({ status: 'Failed', details: 'scan failed', remediation: 'fix' })
    expect(r.proposedVrid).toBeUndefined()
  })

  it('proposals wrap past 255 and skip every VRID heard', () => {
    const heard = [255, 1, 2].map((vrid) => ({ vrid, senders: [sender('198.51.100.31')] }))
    expect(proposeVrid('198.51.100.255', fullMesh(heard))).toBe(3)
    expect(proposeVrid('198.51.100.0', fullMesh())).toBe(1)
  })
})

describe('protocol 112', () => {
  it('unicast, all pairs pass: Success naming the peers', () => {
    const out = judgeProtocol112(nodes, 'unicast', fullMesh())
    expect(out.id1).toMatchObject({ status: 'Success', details: 'Unicast VRRP (protocol 112) passes both ways between n1 and n2, n3. Multicast passes too (not used).' })
    expect(out.id1!.evidence).toHaveLength(8)
  })

  it('nothing arrives at n3: every node Failed, each naming its pairs, the fix names n3 as receiver', () => {
    const out = judgeProtocol112(nodes, 'unicast', fullMesh([], (_from, to) => to === A.n3))
    expect(out.id1!.details).toBe('Unicast VRRP (protocol 112) is blocked: n1 → n3: 0 of 3 test adverts arrived.')
    expect(out.id3!.details).toBe('Unicast VRRP (protocol 112) is blocked: n1 → n3: 0 of 3 test adverts arrived; n2 → n3: 0 of 3 test adverts arrived.')
    expect(out.id3!.remediation).toMatch(/^Allow IP protocol 112 \(VRRP\) into n3 from n1, n2/)
  })

  it('multicast mode: multicast missing but unicast passing is a Warning to use unicast; both missing is Failed', () => {
    const noMc = judgeProtocol112(nodes, 'multicast', fullMesh([], (_f, _t, mc) => mc))
    expect(noMc.id2).toMatchObject({ status: 'Warning', remediation: expect.stringMatching(/^Use unicast mode/) })
    const none = judgeProtocol112(nodes, 'multicast', fullMesh([], (from) => from === A.n1))
    expect(none.id1!.status).toBe('Failed')
    expect(none.id1!.details).toMatch(/^VRRP \(protocol 112\) is blocked: multicast n1 → n2: 0 of 3 .*; unicast too: n1 → n2: 0 of 3/)
    expect(judgeProtocol112(nodes, 'multicast', fullMesh()).id3!.status).toBe('Success')
  })

  it('a send error is named', () => {
    const probe = fullMesh([], (from, to, mc) => from === A.n1 && to === A.n2 && !mc)
    const n1 = probe.nodes.get('id1') as Extract<NodeProbe, { kind: 'ok' }>
    n1.report.test!.sent[0] = { to: A.n2, sent: 0, errors: ['EPERM'] }
    expect(judgeProtocol112(nodes, 'unicast', probe).id2!.details).toBe('Unicast VRRP (protocol 112) is blocked: n1 → n2: 0 of 3 test adverts arrived (sending failed: EPERM).')
  })

  it('one node alone, or the only peer without a scan: NotRun with the reason; a partly tested node says with whom it was not', () => {
    expect(judgeProtocol112(nodes.slice(0, 1), 'unicast', probeOf({ id1: report(A.n1) })).id1).toMatchObject({ status: 'NotRun', details: 'Not run: a single node has no peer to exchange VRRP adverts with.' })
    const lonely = judgeProtocol112(nodes.slice(0, 2), 'unicast', probeOf({ id1: report(A.n1), id2: { kind: 'not-run', details: 'Not run: no Node.js.' } }))
    expect(lonely.id1!.details).toBe('Not run: no other node could take part in the test (n2 did not scan; see their results).')
    const partial = fullMesh()
    partial.nodes.set('id3', { kind: 'not-run', details: 'Not run: no Node.js.' })
    expect(judgeProtocol112(nodes, 'unicast', partial).id1!.details).toMatch(/ Not tested with n3 \(no scan there; see their results\)\.$/)
  })
})

const eth0 = (...inet: string[]): NetInterface => ({ name: 'eth0', mtu: 1500, state: 'UP', addresses: inet.map((a) => ({ family: 'inet' as const, address: a, prefix: 24 })) })

describe('heartbeat source', () => {
  it('own address: Success, with the peers that saw it as the source', () => {
    const o = judgeHeartbeatSource({ ...nodes[0]!, iface: eth0(A.n1, settings.vip) }, nodes, settings, fullMesh())
    expect(o).toMatchObject({ status: 'Success', details: `VRRP adverts leave from ${A.n1}, eth0's own address, not from the VIP ${settings.vip}. n2, n3 received this node's test adverts from ${A.n1}.` })
  })
  it('the VIP as the only address: Failed; the VIP as primary: Warning; no interface: NotRun', () => {
    expect(judgeHeartbeatSource({ ...nodes[0]!, iface: eth0(settings.vip) }, nodes, settings, undefined)).toMatchObject({ status: 'Failed', details: expect.stringMatching(/^The only IPv4 address on eth0 is the VIP 198\.51\.100\.210/) })
    expect(judgeHeartbeatSource({ ...nodes[0]!, iface: eth0(settings.vip, A.n1) }, nodes, settings, undefined)).toMatchObject({ status: 'Warning', remediation: expect.stringMatching(/^Make 198\.51\.100\.11 the primary address of eth0/) })
    expect(judgeHeartbeatSource({ ...nodes[0]!, iface: eth0() }, nodes, settings, undefined).details).toBe('eth0 has no IPv4 address: VRRP adverts need the node\'s own address as their source.')
    expect(judgeHeartbeatSource(nodes[0]!, nodes, settings, undefined).status).toBe('NotRun')
  })
})

describe('VIP per NIC', () => {
  it('recognises clouds from DMI strings', () => {
    expect(cloudOf('Amazon EC2\nm5.large\n')).toBe('AWS')
    expect(cloudOf('Alibaba Cloud\nAlibaba Cloud ECS\n')).toBe('Alibaba Cloud')
    expect(cloudOf('Google\nGoogle Compute Engine\n')).toBe('Google Cloud')
    expect(cloudOf('Microsoft Corporation\nVirtual Machine\n7783-7084-3265-9085-8269-3286-77\n')).toBe('Azure')
    expect(cloudOf('Microsoft Corporation\nVirtual Machine\n')).toBeUndefined() // Hyper-V on premises
    expect(cloudOf('QEMU\nStandard PC\n')).toBeUndefined()
  })
  it('counts secondary addresses; a cloud or more than a handful is a Warning', () => {
    expect(judgeVipPerNic({ ...nodes[0]!, iface: eth0(A.n1) }, settings, '')).toMatchObject({ status: 'Success', details: 'eth0 carries 0 secondary IPv4 addresses; with the VIP, 1. No cloud was recognised, so no per-NIC cap applies beyond your network\'s own.' })
    expect(judgeVipPerNic({ ...nodes[0]!, iface: eth0(A.n1, settings.vip) }, settings, '').details).toMatch(/^eth0 carries 1 secondary IPv4 address \(the VIP among them\); with the VIP, 1\./)
    expect(judgeVipPerNic({ ...nodes[0]!, iface: eth0(A.n1) }, settings, 'Amazon EC2\n')).toMatchObject({ status: 'Warning', details: expect.stringMatching(/^n1 runs in AWS\./) })
    const many = eth0(A.n1, ...[1, 2, 3, 4, 5].map((i) => `198.51.100.${150 + i}`))
    expect(judgeVipPerNic({ ...nodes[0]!, iface: many }, settings, '').status).toBe('Warning')
  })
})

const facts = (o: Partial<NodeFacts>): NodeFacts => ({
  hostname: 'n1', os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian 12' }, kernel: '6.1', arch: 'x86_64',
  nodeVersion: 'v20.11.0', interfaces: [], defaultRoute: null, platform: 'linux', collectedAt: '2026-12-01T00:00:00Z', ...o
})

describe('agent bundle on the node', () => {
  it('needs Node.js 18+ and a supported CPU, and says so', () => {
    expect(whyAgentCannotRun(facts({}))).toBeUndefined()
    expect(whyAgentCannotRun(facts({ nodeVersion: null }))).toBe('n1 has no Node.js: this test needs Node.js 18+ on the node; Create Cluster uploads a runtime')
    expect(whyAgentCannotRun(facts({ nodeVersion: 'v16.20.2' }))).toBe('n1 has Node.js v16.20.2: this test needs Node.js 18+ on the node; Create Cluster uploads a runtime')
    expect(whyAgentCannotRun(facts({ arch: 'riscv64' }))).toMatch(/no raw-socket build for CPU architecture riscv64/)
  })
  it('uploads the bundle and only the prebuild the node\'s Node.js loads (all of its CPU for an unknown Node.js)', () => {
    const dir = findAgentBundleDir()
    if (!dir) throw new Error('resources/agent is missing: run npm run build:agent first')
    expect(bundleFiles(dir, facts({})).map((f) => f.remote)).toEqual(['havip-agent.cjs', 'prebuilds/linux-x64/@neuralegion+raw-socket.abi115.glibc.node'])
    expect(bundleFiles(dir, facts({ arch: 'aarch64', nodeVersion: 'v18.19.0' })).map((f) => f.remote)).toEqual(['havip-agent.cjs', 'prebuilds/linux-arm64/@neuralegion+raw-socket.abi108.armv8.node'])
    expect(bundleFiles(dir, facts({ nodeVersion: 'v24.1.0' })).length).toBe(6)
  })
  it('runs from and removes only a validation temp dir', () => {
    const u = { dir: '/run/havip/havip-validate-a1b2c3d4.Ab12Cd', agent: '/run/havip/havip-validate-a1b2c3d4.Ab12Cd/havip-agent.cjs' }
    expect(runThenRemove(u, ['node', u.agent, 'scan']).slice(3)).toEqual(['sh', u.dir, 'node', u.agent, 'scan'])
    expect(() => runThenRemove({ ...u, dir: '/' }, ['true'])).toThrow(/not a validation temp dir/)
    expect(() => runThenRemove({ ...u, dir: '/run/havip/havip-validate-a1b2c3d4.Ab12Cd/../..' }, ['true'])).toThrow()
  })
})

describe('probe', () => {
  it('listens at least three advert intervals (and never less than 1.5 s)', () => {
    expect(scanWindowMs(1000)).toBe(3500)
    expect(scanWindowMs(100)).toBe(1500)
    expect(scanWindowMs(255_000)).toBe(765_500)
  })
  it('builds the scan argv with the test, the peers and the VRID to avoid', () => {
    expect(scanArgv({ node: '/usr/bin/node', agent: '/run/x/havip-agent.cjs', iface: 'eth0', source: A.n1, windowMs: 3500, advertIntervalMs: 1000, token: 'a1b2c3d4', peers: [A.n2], vrid: 51 })).toEqual([
      '/usr/bin/node', '/run/x/havip-agent.cjs', 'scan', '--interface', 'eth0', '--duration-ms', '3500', '--source', A.n1, '--json',
      '--advert-interval-ms', '1000', '--test-token', 'a1b2c3d4', '--count', '3', '--multicast', '--peer', A.n2, '--avoid-vrid', '51'
    ])
  })
  it('reads the last line of the agent\'s output and refuses what is not a scan report', () => {
    const r = (report(A.n1) as Extract<NodeProbe, { kind: 'ok' }>).report
    expect(parseScanOutput(`warning: something\n${JSON.stringify(r)}\n`)).toEqual(r)
    expect(parseScanOutput('')).toEqual({ error: 'the agent printed no JSON (nothing)' })
    expect(parseScanOutput(JSON.stringify({ ...r, format: 2 }))).toMatchObject({ error: expect.stringMatching(/unexpected shape/) })
  })
  it('is one per run: tests of one run share it, another run (or the same settings with other nodes) gets its own', async () => {
    // Nodes without an interface: the probe decides NotRun without touching a session.
    const node = (id: string): NodeContext => ({ nodeId: id, label: id, host: id, facts: facts({}), session: undefined as never, platform: undefined as never })
    const ns = [node('a'), node('b')]
    const ctx = (s: ClusterContext['settings'], n = ns): ClusterContext => ({ nodes: n, settings: s, signal: new AbortController().signal, progress: () => undefined })
    const s1 = { ...settings }
    const first = sharedProbe(ctx(s1))
    expect(sharedProbe(ctx(s1))).toBe(first)
    expect(sharedProbe(ctx({ ...settings }))).not.toBe(first)
    expect(sharedProbe(ctx(s1, [node('a'), node('b')]))).not.toBe(first)
    expect((await first).nodes.get('a')).toEqual({ kind: 'not-run', address: undefined, details: 'Not run: no interface for the VIP was found on a (see the Network tests).' })
  })
})
