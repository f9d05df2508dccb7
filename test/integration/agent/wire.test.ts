/**
 * Every advert the agent sends decodes in tshark (Wireshark's independent VRRP dissector) as
 * valid VRRP: right version, VRID, priority, addresses, TTL 255, checksum good, nothing
 * malformed. Covers v3 multicast, v2 unicast with simple-password auth, and the priority-0
 * adverts of a clean stop.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killSpawned, nodeExec, nodeSpawn } from '../../lab/lab'
import { deployBundle, holdsVip, labState, sleep, startAgent, startKeepalived, stopAll, stopClean, waitFor } from './lab-agents'

const state = labState()
const [n1, n2, n3] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0], typeof state.nodes[0]]
const VIP_A = state.vipPool[12]!
const VIP_B = state.vipPool[13]!
const PCAP = '/run/havip/wire-test.pcap'
const ARP_PCAP = '/run/havip/garp-test.pcap'

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await stopAll([VIP_A, VIP_B])
  await nodeExec(n3, ['rm', '-f', PCAP, ARP_PCAP])
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

describe('gratuitous ARP on the wire', () => {
  // garp_master_repeat 3 at once, the same again after garp_master_delay 1 s, then
  // garp_master_refresh_repeat 2 every garp_master_refresh 2 s: keepalived's schedule.
  const GARP_EXTRA = ['garp_master_delay 1', 'garp_master_repeat 3', 'garp_master_refresh 2', 'garp_master_refresh_repeat 2']

  /** Gratuitous ARPs seen on n3 (sender = target address), read from the capture once. */
  async function capturedGarps(): Promise<{ epoch: number; vip: string; ethDst: string }[]> {
    const r = await nodeExec(n3, ['tshark', '-r', ARP_PCAP, '-n', '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_epoch', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4', '-e', 'eth.dst'], { timeoutMs: 30_000 })
    expect(r.code, r.stderr).toBe(0)
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('|'))
      .filter(([, src, dst]) => src === dst)
      .map(([epoch, src, , ethDst]) => ({ epoch: Number(epoch), vip: src!, ethDst: ethDst! }))
  }

  /** Times (s, relative to the first) of the gratuitous ARPs for `vip`. */
  function garpTimes(garps: { epoch: number; vip: string; ethDst: string }[], vip: string): number[] {
    const mine = garps.filter((g) => g.vip === vip)
    for (const g of mine) expect(g.ethDst).toBe('ff:ff:ff:ff:ff:ff') // broadcast, so every neighbour updates
    return mine.map((g) => Math.round((g.epoch - mine[0]!.epoch) * 1000) / 1000)
  }

  it('follows garp_master_delay, _repeat, _refresh and _refresh_repeat as keepalived does, and stops when the master stops', async () => {
    await nodeExec(n3, ['rm', '-f', ARP_PCAP])
    const cap = nodeSpawn(n3, ['tshark', '-i', 'eth0', '-n', '-q', '-a', 'duration:20', '-c', '200', '-f', 'arp', '-w', ARP_PCAP])
    try {
      await waitFor('tshark to start capturing', async () => (await nodeExec(n3, ['test', '-s', ARP_PCAP])).code === 0, 8000, 100)
      // The agent on n1 and, under the same settings, keepalived on n2: both alone in their VRID.
      const a1 = await startAgent(n1, 'g1', { vrid: 93, version: 3, advertInt: 0.2, priority: 120, vips: [VIP_A], extra: GARP_EXTRA })
      const k2 = await startKeepalived(n2, 'g2', { vrid: 94, version: 3, advertInt: 0.2, priority: 120, vips: [VIP_B], extra: GARP_EXTRA })
      await waitFor('n1 and n2 to become master', async () => (await holdsVip(n1, VIP_A)) && (await holdsVip(n2, VIP_B)), 10_000)
      await sleep(5600) // the bursts at 0 s and 1 s, refreshes at 2 s and 4 s
      await Promise.all([stopClean(a1), stopClean(k2)])
      await sleep(2500) // no refresh at 6 s: a stopped master sends none
    } finally {
      await killSpawned(cap, 'SIGINT', 3000)
    }
    const garps = await capturedGarps()
    for (const [who, vip] of [['agent', VIP_A], ['keepalived', VIP_B]] as const) {
      const t = garpTimes(garps, vip)
      const what = `${who} GARP times ${t.join(', ')}`
      const within = (from: number, to: number): number => t.filter((x) => x >= from && x < to).length
      expect(within(0, 0.5), what).toBe(3)
      expect(within(0.8, 1.5), what).toBe(3)
      expect(within(1.8, 2.5), what).toBe(2)
      expect(within(3.8, 4.5), what).toBe(2)
      expect(t.length, what).toBe(10)
    }
  })
})
