/**
 * The gratuitous ARP frame the agent writes on a packet socket: byte for byte as keepalived's
 * (vrrp_arp.c), and decoded by Wireshark's ARP dissector (an independent oracle) as a gratuitous
 * ARP request for the VIP from our MAC.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { garpFrame, GARP_FRAME_LENGTH, parseIpv4, parseMac } from '../../../agent/os/arp-frame'

const TSHARK = '/usr/bin/tshark'

describe('garpFrame', () => {
  it('is keepalived\'s gratuitous ARP, byte for byte', () => {
    const f = garpFrame('02:00:5E:10:20:3a', '198.51.100.200')
    expect(f.length).toBe(GARP_FRAME_LENGTH)
    const expected = [
      'ffffffffffff', // Ethernet destination: broadcast
      '02005e10203a', // Ethernet source: our MAC
      '0806', // EtherType ARP
      '0001', // hardware type Ethernet
      '0800', // protocol type IPv4
      '06', '04', // address lengths
      '0001', // op: request
      '02005e10203a', 'c63364c8', // sender: our MAC, the VIP
      'ffffffffffff', 'c63364c8' // target: all ones, the VIP
    ].join('')
    expect(f.toString('hex')).toBe(expected)
  })

  it('refuses what is not a MAC or an IPv4 address, naming it', () => {
    expect(() => garpFrame('02:00:5e:10:20', '192.0.2.1')).toThrow(/"02:00:5e:10:20" is not an Ethernet/)
    expect(() => garpFrame('00:11:22:33:44:55:66:77', '192.0.2.1')).toThrow(/not an Ethernet/)
    expect(() => garpFrame('02:00:5e:10:20:3a', '192.0.2.256')).toThrow(/"192.0.2.256" is not an IPv4 address/)
    expect(() => garpFrame('02:00:5e:10:20:3a', '192.0.2')).toThrow(/not an IPv4/)
    expect(parseMac(' 0a:0B:0c:0d:0e:0f\n').toString('hex')).toBe('0a0b0c0d0e0f')
    expect(parseIpv4('203.0.113.9').toString('hex')).toBe('cb007109')
  })
})

describe.runIf(existsSync(TSHARK))('garpFrame decoded by tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havip-garp-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is a gratuitous ARP request for the VIP from our MAC', () => {
    const frame = garpFrame('02:00:5e:10:20:3a', '203.0.113.7')
    const header = Buffer.alloc(24)
    header.writeUInt32LE(0xa1b2c3d4, 0)
    header.writeUInt16LE(2, 4)
    header.writeUInt16LE(4, 6)
    header.writeUInt32LE(65535, 16)
    header.writeUInt32LE(1, 20) // LINKTYPE_ETHERNET
    const rec = Buffer.alloc(16)
    rec.writeUInt32LE(1_700_000_000, 0)
    rec.writeUInt32LE(frame.length, 8)
    rec.writeUInt32LE(frame.length, 12)
    const file = join(dir, 'garp.pcap')
    writeFileSync(file, Buffer.concat([header, rec, frame]))
    const fields = ['eth.dst', 'eth.src', 'arp.opcode', 'arp.isgratuitous', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4', '_ws.expert']
    const out = execFileSync(TSHARK, ['-r', file, '-n', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', timeout: 30_000 })
    const [ethDst, ethSrc, op, gratuitous, sha, spa, tha, tpa, expert] = out.trim().split('|')
    expect({ ethDst, ethSrc, op, gratuitous, sha, spa, tha, tpa }).toEqual({
      ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:5e:10:20:3a', op: '1', gratuitous: '1',
      sha: '02:00:5e:10:20:3a', spa: '203.0.113.7', tha: 'ff:ff:ff:ff:ff:ff', tpa: '203.0.113.7'
    })
    expect(expert ?? '').toBe('')
  })
})
