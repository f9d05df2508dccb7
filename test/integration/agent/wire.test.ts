/**
 * Every advert the agent sends decodes in tshark (Wireshark's independent VRRP dissector) as
 * valid VRRP: right version, VRID, priority, addresses, TTL 255, checksum good, nothing
 * malformed. Covers v3 multicast, v2 unicast with simple-password auth, and the priority-0
 * adverts of a clean stop.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killSpawned, nodeExec, nodeSpawn } from '../../lab/lab'
import { deployBundle, labState, sleep, startAgent, stopAll, stopClean, waitFor } from './lab-agents'

const state = labState()
const [n1, n2, n3] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0], typeof state.nodes[0]]
const VIP_A = state.vipPool[12]!
const VIP_B = state.vipPool[13]!
const PCAP = '/run/havip/wire-test.pcap'

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await stopAll([VIP_A, VIP_B])
  await nodeExec(n3, ['rm', '-f', PCAP])
})

describe('agent adverts on the wire', () => {
  it('tshark decodes every advert as valid VRRP (v3 multicast, v2 unicast+auth, priority 0 on stop)', async () => {
    // Capture on n3: it sees n1's multicast and n2's unicast adverts addressed to it.
    const cap = nodeSpawn(n3, ['tshark', '-i', 'eth0', '-n', '-q', '-a', 'duration:12', '-c', '500', '-f', 'ip proto 112', '-w', PCAP])
    try {
      await waitFor('tshark to start capturing', async () => (await nodeExec(n3, ['test', '-s', PCAP])).code === 0, 8000, 100)
      const a1 = await startAgent(n1, 'w1', { vrid: 91, version: 3, advertInt: 0.1, priority: 120, vips: [VIP_A] })
      const a2 = await startAgent(n2, 'w2', { vrid: 92, version: 2, advertInt: 1, priority: 110, vips: [VIP_B], src: n2.address, peers: [n3.address], authPass: 'wire123' })
      await sleep(5000) // ~40 v3 adverts, ~2 v2 adverts after master-down
      await stopClean(a1)
      await stopClean(a2)
      await sleep(500)
    } finally {
      await killSpawned(cap, 'SIGINT', 3000)
    }
    const fields = ['ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'vrrp.version', 'vrrp.type', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.ip_addr', 'vrrp.checksum.status', 'vrrp.auth_type', 'vrrp.auth_string', 'vrrp.adver_int', 'vrrp.short_adver_int', '_ws.malformed', '_ws.expert.severity']
    const r = await nodeExec(n3, ['tshark', '-r', PCAP, '-n', '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])], { timeoutMs: 30_000 })
    expect(r.code).toBe(0)
    const rows = r.stdout.trim().split('\n').filter(Boolean).map((l) => Object.fromEntries(l.split('|').map((v, i) => [fields[i], v])))
    const fromN1 = rows.filter((x) => x['ip.src'] === n1.address)
    const fromN2 = rows.filter((x) => x['ip.src'] === n2.address)
    expect(fromN1.length).toBeGreaterThan(20)
    expect(fromN2.length).toBeGreaterThanOrEqual(2)
    for (const x of [...fromN1, ...fromN2]) {
      expect(x['ip.ttl']).toBe('255')
      expect(x['ip.proto']).toBe('112')
      expect(x['vrrp.type']).toBe('1')
      expect(x['vrrp.checksum.status']).toBe('1') // 1 = good
      expect(x['_ws.malformed']).toBe('')
      expect(x['_ws.expert.severity'] ?? '').toBe('') // no warnings or errors from the dissector
    }
    for (const x of fromN1) {
      expect(x).toMatchObject({ 'ip.dst': '224.0.0.18', 'vrrp.version': '3', 'vrrp.virt_rtr_id': '91', 'vrrp.addr_count': '1', 'vrrp.ip_addr': VIP_A, 'vrrp.short_adver_int': '10' })
    }
    for (const x of fromN2) {
      expect(x).toMatchObject({ 'ip.dst': n3.address, 'vrrp.version': '2', 'vrrp.virt_rtr_id': '92', 'vrrp.ip_addr': VIP_B, 'vrrp.auth_type': '1', 'vrrp.auth_string': 'wire123', 'vrrp.adver_int': '1' })
    }
    expect(fromN1.filter((x) => x['vrrp.prio'] === '120').length).toBeGreaterThan(20)
    // The clean stop's last word: priority 0 (RFC 5798 §6.4.3, RFC 3768 §6.4.3).
    expect(fromN1.at(-1)!['vrrp.prio']).toBe('0')
    expect(fromN2.at(-1)!['vrrp.prio']).toBe('0')
  })
})
