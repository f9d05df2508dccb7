// The keepalived.conf export of each node must mean what the node's agent.json means: read back
// with the agent's keepalived reader it gives the same instances field by field, and Debian's
// keepalived itself takes it without a complaint (-t) and, started on it (-d dump), holds the
// same priorities, peers, VIPs and password, byte for byte, shell characters included.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseJsonConfig } from '../../../agent/config/json-config'
import { parseKeepalivedConf } from '../../../agent/config/keepalived-conf'
import type { InstanceConfig } from '../../../agent/config/model'
import { agentConfigJson } from '../../../electron/backend/clusters/agent-config'
import { advertIntSeconds, keepalivedConfFor } from '../../../electron/backend/clusters/keepalived-export'
import { definition, HOSTILE_PASSWORD, node, role, sampleDefinitions } from './fixtures'
import { canRunKeepalived, keepalivedTest, keepalivedTopology, parseTopology } from './keepalived-run'

const work = mkdtempSync(join(tmpdir(), 'havip-export-'))
chmodSync(work, 0o755)
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** What both formats carry; preempt aside (a failback window is nopreempt in keepalived). */
function comparable(i: InstanceConfig) {
  return {
    name: i.name, interface: i.interface, vrid: i.vrid, version: i.version, priority: i.priority, advertIntervalMs: i.advertIntervalMs,
    preemptDelayMs: i.preemptDelayMs, unicastSrcIp: i.unicastSrcIp, unicastPeers: i.unicastPeers, auth: i.auth, vips: i.vips,
    trackInterfaces: i.trackInterfaces, trackScripts: i.trackScripts, notify: i.notify, garp: i.garp, initialState: i.initialState
  }
}

describe('advertIntSeconds', () => {
  it('writes whole seconds plainly and centiseconds with decimals', () => {
    expect([1000, 2000, 250, 30, 10, 1230, 40950].map(advertIntSeconds)).toEqual(['1', '2', '0.25', '0.03', '0.01', '1.23', '40.95'])
  })
})

describe('keepalivedConfFor', () => {
  for (const [title, def] of Object.entries(sampleDefinitions())) {
    for (const n of def.nodes) {
      it(`${title}: ${n.name}'s export reads back with the agent's keepalived reader as its agent.json`, () => {
        const conf = keepalivedConfFor(def, n.name)
        const fromConf = parseKeepalivedConf(conf)
        expect(fromConf.issues).toEqual([])
        const fromJson = parseJsonConfig(agentConfigJson(def, n.name))
        const a = fromConf.config!.instances
        const b = fromJson.config!.instances
        expect(a.map(comparable)).toEqual(b.map(comparable))
        def.roles.forEach((r, k) => {
          // keepalived has no failback window: the export says nopreempt and why.
          expect(a[k]!.preempt).toBe(r.failback.policy === 'immediately')
          expect(b[k]!.preempt).toBe(r.failback.policy !== 'never')
        })
      })
    }
  }

  it('names the cluster, its generation and the node in a header comment', () => {
    const def = definition([node(1), node(2)], [role()], 7)
    expect(keepalivedConfFor(def, 'n2').split('\n')[0]).toBe('# keepalived.conf for node n2 of cluster web-vip (cl-0123456789abcdef), generation 7')
  })

  it('explains the failback window that keepalived cannot do', () => {
    const def = sampleDefinitions()['three nodes, unicast v3, preferred owners, failback window']
    const conf = keepalivedConfFor(def, 'n1')
    expect(conf).toContain('keepalived has no failback window')
    expect(conf).toMatch(/\n {4}nopreempt\n/)
  })

  it('keeps a hand-edited writtenBy from breaking out of the header comment', () => {
    const def = { ...definition([node(1), node(2)], [role()]), writtenBy: 'x\nvrrp_instance evil {' }
    const conf = keepalivedConfFor(def, 'n1')
    expect(conf).not.toContain('\nvrrp_instance evil')
    expect(parseKeepalivedConf(conf).config!.instances.map((i) => i.name)).toEqual(['vip1'])
  })
})

describe('parseTopology (keepalived -d dump reader)', () => {
  it('reads an instance, its peers and VIPs, skipping the parent process lines that interleave', () => {
    const log = [
      'Tue Dec  1 21:16:33 2026: ------< VRRP Topology >------',
      'Tue Dec  1 21:16:33 2026:  VRRP Instance = web',
      'Tue Dec  1 21:16:33 2026:    VRRP Version = 2',
      'Tue Dec  1 21:16:33 2026:    Priority = 250',
      'Tue Dec  1 21:16:33 2026:    Advert interval = 2 sec',
      'Tue Dec  1 21:16:33 2026:    Password = a: b',
      'Tue Dec  1 21:16:33 2026:    Virtual IP (1):',
      'Tue Dec  1 21:16:33 2026:      198.51.100.100/24 dev ens3 scope global',
      'Tue Dec  1 21:16:33 2026:    Unicast Peer :',
      'Tue Dec  1 21:16:33 2026:      198.51.100.12 min_ttl 0 max_ttl 255',
      // The parent process's own line landing mid-dump (seen in a CI run of keepalived 2.2.7).
      'Tue Dec  1 21:16:33 2026: Startup complete',
      'Tue Dec  1 21:16:33 2026:      198.51.100.13 min_ttl 0 max_ttl 255',
      'Tue Dec  1 21:16:33 2026: ------< Interfaces >------'
    ].join('\n')
    expect(parseTopology(log)).toEqual([
      expect.objectContaining({ name: 'web', version: 2, priority: 250, advertIntervalMs: 2000, password: 'a: b', vips: ['198.51.100.100/24'], peers: ['198.51.100.12', '198.51.100.13'] })
    ])
  })
})

describe.skipIf(!canRunKeepalived).concurrent('Debian keepalived on the exports', () => {
  const defs = {
    ...sampleDefinitions(),
    'shell characters in the password': definition([node(1), node(2)], [role({ version: 2, auth: { type: 'pass', password: '$(id)`|;' } }), role({ name: 'b', vrid: 60, vip: '198.51.100.60/24', version: 2, auth: { type: 'pass', password: HOSTILE_PASSWORD } })])
  }
  let k = 0
  for (const [title, def] of Object.entries(defs)) {
    for (const n of def.nodes) {
      const tag = `e${k++}`
      it(`${title}: ${n.name}: keepalived -t is silent, and keepalived runs what the agent runs`, async ({ expect }) => {
        const file = join(work, `${tag}.conf`)
        writeFileSync(file, keepalivedConfFor(def, n.name), { mode: 0o600 })
        const cidr = `${n.address}/24`
        const t = await keepalivedTest(file, cidr, n.interface, work, tag)
        expect(t, `keepalived -t on the export of ${n.name}`).toEqual({ code: 0, lines: [] })

        const { instances, log } = await keepalivedTopology(file, cidr, n.interface, work, tag)
        const agent = parseJsonConfig(agentConfigJson(def, n.name)).config!.instances
        expect(instances.map((i) => i.name), log).toEqual(agent.map((i) => i.name))
        agent.forEach((a, j) => {
          const r = def.roles[j]!
          const ka = instances[j]!
          expect({
            version: ka.version, interface: ka.interface, srcIp: ka.srcIp, vrid: ka.vrid, priority: ka.priority, advertIntervalMs: ka.advertIntervalMs,
            password: ka.password, multicast: ka.multicast, peers: ka.peers, vips: ka.vips.map((v) => (v.includes('/') ? v : `${v}/32`))
          }, log).toEqual({
            version: a.version, interface: a.interface, srcIp: a.unicastSrcIp, vrid: a.vrid, priority: a.priority, advertIntervalMs: a.advertIntervalMs,
            password: a.auth?.password, multicast: a.unicastPeers.length === 0, peers: a.unicastPeers, vips: a.vips.map((v) => `${v.address}/${v.prefix}`)
          })
          expect(ka.preempt).toBe(r.failback.policy === 'immediately')
        })
      }, 90_000)
    }
  }
})
