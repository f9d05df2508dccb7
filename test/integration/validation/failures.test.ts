// Every failing case the lab can produce for the backend's test groups, through the API: the
// result is Failed on the node it concerns (and only there), with details and what to do.
// Shapes come from test/lab/shapes.ts and are undone after each case, also when it fails.
import * as fs from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startKeepalived, stopAll } from '../agent/lab-agents'
import { nodeExec } from '../../lab/lab'
import { dropVrrpWithNft, hideNodeJs, holdAddressOnClient, revokeSudo, type Undo } from '../../lab/shapes'
import { waitFor } from '../../support/wait-for'
import { describeResults, makeValidationEnv, nodeIdOf, resultOf, type ValidationEnv } from './helpers'

let env: ValidationEnv
const undos: Undo[] = []

beforeAll(async () => {
  env = await makeValidationEnv()
})

afterEach(async () => {
  while (undos.length) await undos.pop()!()
})

afterAll(async () => {
  await env?.dispose()
})

const targets = (...names: string[]) => names.map((n) => ({ target: env.rootTarget(n) }))
const vip = (i: number): string => `${env.lab.vipPool[i]}/24`

describe('validation failures with their remediation', () => {
  it('the VIP already answering on the segment (held by the client) fails network.vip-free on every node', async () => {
    const address = env.lab.vipPool[3]!
    undos.push(await holdAddressOnClient(address))
    const { report } = await env.validate({ nodes: targets('n1', 'n2'), vip: vip(3), tests: ['network.vip-free', 'network.vip-in-subnet'] })
    for (const n of ['n1', 'n2']) {
      const r = resultOf(report, 'network.vip-free', nodeIdOf(report, env.node(n).address))
      expect(r.status, describeResults(report)).toBe('Failed')
      expect(r.details).toContain(`${address} is already in use on the segment`)
      expect(r.remediation).toMatch(/Choose a free address/)
      expect(resultOf(report, 'network.vip-in-subnet', r.nodeId).status).toBe('Success')
    }
    expect(report.summary.overall).toBe('Failed')
  })

  it('the VIP answering from this cluster\'s own node (its current owner) is not a conflict', async () => {
    const address = env.lab.vipPool[13]!
    const add = await nodeExec('n1', ['ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0'])
    expect(add.code, add.stderr).toBe(0)
    undos.push(async () => {
      await nodeExec('n1', ['ip', 'addr', 'del', `${address}/24`, 'dev', 'eth0'])
    })
    const { report } = await env.validate({ nodes: targets('n1', 'n2'), vip: `${address}/24`, tests: ['network.vip-free', 'network.vip-in-subnet'] })
    const n1 = nodeIdOf(report, env.node('n1').address)
    const n2 = nodeIdOf(report, env.node('n2').address)
    expect(resultOf(report, 'network.vip-free', n2), describeResults(report)).toMatchObject({ status: 'Success' })
    expect(resultOf(report, 'network.vip-free', n2).details).toMatch(/answers from root@198\.51\.100\.11, a node of this cluster/)
    expect(resultOf(report, 'network.vip-free', n1).details).toContain('holds')
    expect(resultOf(report, 'network.vip-in-subnet', n1).status).toBe('Success')
    expect(resultOf(report, 'network.vip-in-subnet', n1).details).toContain('current owner')
  })

  it('a missing interface fails network.interface and names the node\'s interfaces', async () => {
    const { report } = await env.validate({
      nodes: [{ target: env.rootTarget('n1'), interface: 'eth9' }, { target: env.rootTarget('n2') }],
      vip: vip(4),
      tests: ['network.interface', 'network.same-subnet']
    })
    const n1 = resultOf(report, 'network.interface', nodeIdOf(report, env.node('n1').address))
    expect(n1.status).toBe('Failed')
    expect(n1.details).toMatch(/has no interface "eth9"\. It has: .*eth0/)
    expect(n1.remediation).toBeTruthy()
    expect(resultOf(report, 'network.interface', nodeIdOf(report, env.node('n2').address)).status).toBe('Success')
  })

  it('protocol 112 dropped by an nft rule in n2\'s namespace fails system.firewall-vrrp on n2 only', async () => {
    undos.push(await dropVrrpWithNft('n2'))
    const { report } = await env.validate({ nodes: targets('n1', 'n2'), vip: vip(5), tests: ['system.firewall-vrrp'] })
    const n2 = resultOf(report, 'system.firewall-vrrp', nodeIdOf(report, env.node('n2').address))
    expect(n2.status, describeResults(report)).toBe('Failed')
    expect(n2.details).toContain('drops protocol 112')
    expect(n2.details).toContain('havip_shape_fw')
    expect(n2.remediation).toMatch(/protocol 112/)
    expect(resultOf(report, 'system.firewall-vrrp', nodeIdOf(report, env.node('n1').address)).status).toBe('Success')
  })

  it('a user with no root and no sudo fails system.root-or-sudo (saved connection, as the wizard passes it)', async () => {
    undos.push(await revokeSudo('n3'))
    const password = fs.readFileSync(env.lab.sudoPasswordPath, 'utf8').trim()
    const n3 = env.node('n3')
    const c = await env.call('connections.connect', { host: n3.address, port: n3.sshPort, username: env.lab.sudoUser, auth: { kind: 'password', password } })
    if (c.status !== 'connected') throw new Error(`connect: ${c.status}`)
    const { report } = await env.validate({ nodes: [{ connectionId: c.connection.id }], vip: vip(6), tests: ['system.root-or-sudo', 'system.firewall-vrrp', 'network.interface'] })
    const sudo = resultOf(report, 'system.root-or-sudo', c.connection.id)
    expect(sudo.status, describeResults(report)).toBe('Failed')
    expect(sudo.details + (sudo.remediation ?? '')).toMatch(/sudo/i)
    expect(sudo.remediation).toBeTruthy()
    // Tests that need root fail for the same reason; those that do not still run.
    expect(resultOf(report, 'system.firewall-vrrp', c.connection.id).status).toBe('Failed')
    expect(resultOf(report, 'network.interface', c.connection.id).status).toBe('Success')
  })

  it('a node without Node.js gets the bundled runtime verdict from its glibc (Warning with the reason)', async () => {
    undos.push(await hideNodeJs('n2'))
    const { report } = await env.validate({ nodes: targets('n2'), vip: vip(7), tests: ['inventory.node-runtime'] })
    const r = resultOf(report, 'inventory.node-runtime', report.nodes[0]!.id)
    expect(report.nodes[0]!.facts?.nodeVersion).toBeNull()
    expect(r.status, describeResults(report)).toBe('Warning')
    expect(r.details).toMatch(/Node\.js is not installed; its glibc 2\.\d+ runs the Node runtime HAVIP bundles/)
    expect(r.remediation).toBeTruthy()
  })

  it('an unreachable node fails all its tests with the reason and does not hold up the others', async () => {
    const gone = { host: '198.51.100.98', port: 22, username: 'root', auth: { kind: 'key' as const, privateKeyPath: env.lab.rootKeyPath } }
    const { report } = await env.validate({ nodes: [...targets('n1'), { target: gone }], vip: vip(8), tests: ['inventory.os-kernel', 'network.interface'] })
    const goneNode = report.nodes.find((n) => n.host === gone.host)!
    expect(goneNode.facts).toBeNull()
    expect(goneNode.error?.kind).toMatch(/unreachable|timeout/)
    for (const t of ['inventory.os-kernel', 'network.interface']) {
      const r = resultOf(report, t, goneNode.id)
      expect(r.status).toBe('Failed')
      expect(r.details).toContain('could not be reached')
      expect(r.remediation).toBeTruthy()
      expect(resultOf(report, t, nodeIdOf(report, env.node('n1').address)).status).toBe('Success')
    }
  })

  it('a changed host key is refused: the node\'s tests fail with host-key-changed', async () => {
    const n3 = env.node('n3')
    const wrong = 'SHA256:AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIIIjjjjKKK'
    // Replacing a pin is an explicit act (issue 9 item 14): say so, naming the pin replaced.
    await env.call('hostKeys.trust', { host: n3.address, port: n3.sshPort, keyType: 'ssh-ed25519', fingerprint: wrong, replace: true, previousFingerprint: n3.hostKeyFingerprint })
    try {
      const { report } = await env.validate({ nodes: targets('n1', 'n3'), vip: vip(9), tests: ['inventory.os-kernel'] })
      const bad = report.nodes.find((n) => n.host === n3.address)!
      expect(bad.error?.kind).toBe('host-key-changed')
      const r = resultOf(report, 'inventory.os-kernel', bad.id)
      expect(r.status).toBe('Failed')
      expect(r.details).toMatch(/CHANGED/)
      expect(r.remediation).toMatch(/Find out why the key changed/)
      expect(resultOf(report, 'inventory.os-kernel', nodeIdOf(report, env.node('n1').address)).status).toBe('Success')
    } finally {
      await env.call('hostKeys.trust', { host: n3.address, port: n3.sshPort, keyType: n3.hostKeyPublic.split(' ')[0]!, fingerprint: n3.hostKeyFingerprint, replace: true, previousFingerprint: wrong })
    }
  })

  it('keepalived already serving the VIP on n1 fails system.other-vrrp-daemon there (read from its config), not on n2', async () => {
    const address = env.lab.vipPool[11]!
    try {
      await startKeepalived(env.node('n1'), 'valid', { vrid: 211, priority: 100, vips: [address], src: env.node('n1').address, peers: [env.node('n3').address] })
      const same = await env.validate({ nodes: targets('n1', 'n2'), vip: `${address}/24`, vrid: 211, tests: ['system.other-vrrp-daemon'] })
      const n1 = resultOf(same.report, 'system.other-vrrp-daemon', nodeIdOf(same.report, env.node('n1').address))
      expect(n1.status, describeResults(same.report)).toBe('Failed')
      expect(n1.details).toContain(`already serves the VIP ${address}`)
      expect(n1.details).toContain('uses VRID 211 on eth0')
      expect(n1.remediation).toMatch(/Stop that keepalived instance/)
      // keepalived runs in n1's network namespace only: n2 (same host, other namespace) has none.
      expect(resultOf(same.report, 'system.other-vrrp-daemon', nodeIdOf(same.report, env.node('n2').address)).status).toBe('Success')

      const other = await env.validate({ nodes: targets('n1'), vip: vip(12), vrid: 212, tests: ['system.other-vrrp-daemon'] })
      const w = resultOf(other.report, 'system.other-vrrp-daemon', other.report.nodes[0]!.id)
      expect(w.status).toBe('Warning')
      expect(w.details).toMatch(/VRID 211 on eth0/)
      expect(w.remediation).toBeTruthy()
    } finally {
      await stopAll([address])
    }
  })

  it('cancel stops the run: unfinished tests are NotRun and the report says cancelled', async () => {
    const { runId } = await env.call('validation.start', { nodes: targets('n1', 'n2', 'n3'), vip: vip(10) })
    await env.call('validation.cancel', { runId })
    const report = await waitFor(
      'the cancelled run to finish',
      async () => {
        const r = await env.call('validation.report', { runId })
        return r.finishedAt ? r : undefined
      },
      30_000,
      100
    )
    expect(report.cancelled).toBe(true)
    expect(report.summary.notRun).toBeGreaterThan(0)
    expect(report.summary.failed).toBe(0)
    expect(report.results.find((r) => r.status === 'NotRun')!.details).toMatch(/cancelled/)
  })
})
