/**
 * An independent oracle for the encoder: Wireshark's VRRP dissector (tshark) must decode what
 * we encode as valid VRRP, with a correct checksum (v3 with the IPv4 pseudo-header), the
 * fields we put in, and the IP TTL 255.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeAdvert, encodeIpv4, type VrrpAdvert } from '../../../agent/vrrp/packet'

const TSHARK = '/usr/bin/tshark'
/** LINKTYPE_IPV4: each record is a bare IPv4 datagram. */
const LINKTYPE_IPV4 = 228

function pcap(datagrams: Buffer[]): Buffer {
  const header = Buffer.alloc(24)
  header.writeUInt32LE(0xa1b2c3d4, 0)
  header.writeUInt16LE(2, 4)
  header.writeUInt16LE(4, 6)
  header.writeUInt32LE(65535, 16)
  header.writeUInt32LE(LINKTYPE_IPV4, 20)
  const records = datagrams.map((d, i) => {
    const r = Buffer.alloc(16)
    r.writeUInt32LE(1_700_000_000 + i, 0)
    r.writeUInt32LE(d.length, 8)
    r.writeUInt32LE(d.length, 12)
    return Buffer.concat([r, d])
  })
  return Buffer.concat([header, ...records])
}

const cases: { advert: VrrpAdvert; src: string; dst: string }[] = [
  { advert: { version: 2, vrid: 51, priority: 150, advertInterval: 1, addresses: ['198.51.100.100'], authType: 0 }, src: '198.51.100.11', dst: '224.0.0.18' },
  { advert: { version: 2, vrid: 7, priority: 0, advertInterval: 3, addresses: ['192.0.2.1', '192.0.2.2'], authType: 1, authData: 'pw' }, src: '198.51.100.11', dst: '198.51.100.12' },
  { advert: { version: 3, vrid: 200, priority: 254, advertInterval: 10, addresses: ['203.0.113.7'] }, src: '198.51.100.11', dst: '224.0.0.18' },
  { advert: { version: 3, vrid: 1, priority: 255, advertInterval: 4095, addresses: ['198.51.100.100', '198.51.100.101', '198.51.100.102'] }, src: '198.51.100.13', dst: '198.51.100.12' }
]

describe.skipIf(!existsSync(TSHARK))('tshark decodes our adverts as valid VRRP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havip-core-tshark-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('checksums good, fields as encoded, TTL 255', () => {
    const datagrams = cases.map(({ advert, src, dst }, i) =>
      encodeIpv4({ src, dst, ttl: 255, protocol: 112, id: i + 1, payload: encodeAdvert(advert, { src, dst }) })
    )
    // A control: the last v3 packet again with one VRRP byte flipped must show a bad checksum,
    // proving tshark really checks (and checks the v3 pseudo-header form we use).
    const corrupt = Buffer.from(datagrams[datagrams.length - 1] as Buffer)
    corrupt[22] = (corrupt[22] as number) ^ 0x01
    const file = join(dir, 'ours.pcap')
    writeFileSync(file, pcap([...datagrams, corrupt]))
    const fields = ['ip.ttl', 'ip.checksum.status', 'vrrp.version', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.checksum.status', 'vrrp.auth_type', 'vrrp.adver_int', 'vrrp.short_adver_int', 'vrrp.ip_addr', 'vrrp.auth_string']
    const out = execFileSync(TSHARK, ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore']
    })
    const rows = out.trim().split('\n').map((l) => Object.fromEntries(l.split('|').map((v, i) => [fields[i], v])))
    expect(rows).toHaveLength(cases.length + 1)
    // Wireshark checksum status: 0 bad, 1 good, 2 unverified
    expect(rows.pop()?.['vrrp.checksum.status']).toBe('0')
    rows.forEach((row, i) => {
      const { advert } = cases[i] as (typeof cases)[number]
      const what = JSON.stringify(row)
      expect(row['ip.ttl'], what).toBe('255')
      expect(row['ip.checksum.status'], what).toBe('1')
      expect(row['vrrp.checksum.status'], what).toBe('1')
      expect(row['vrrp.version'], what).toBe(String(advert.version))
      expect(row['vrrp.virt_rtr_id'], what).toBe(String(advert.vrid))
      expect(row['vrrp.prio'], what).toBe(String(advert.priority))
      expect(row['vrrp.addr_count'], what).toBe(String(advert.addresses.length))
      expect(row['vrrp.ip_addr']?.split(','), what).toEqual(advert.addresses)
      if (advert.version === 2) {
        expect(row['vrrp.adver_int'], what).toBe(String(advert.advertInterval))
        expect(row['vrrp.auth_type'], what).toBe(String(advert.authType))
        if (advert.authData) expect(row['vrrp.auth_string'], what).toBe(advert.authData)
      } else {
        expect(row['vrrp.short_adver_int'], what).toBe(String(advert.advertInterval))
      }
    })
  })
})
