/**
 * auth_pass is encoded and compared as the same bytes on both sides (issue 9, item 4; RFC 3768
 * §5.3.10: up to 8 octets). The config readers turn the text into its wire bytes once, so the
 * encoder and the comparison of received adverts (Instance.onAdvert compares the decoded
 * authData with the configured password) use one value; the bytes are keepalived's, checked
 * against a real keepalived 2.2.7 advert (fixtures/keepalived-2.2.7.json, case v2-pass-utf8).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseJsonConfig } from '../../../agent/config/json-config'
import { parseKeepalivedConf } from '../../../agent/config/keepalived-conf'
import { validateConfig } from '../../../agent/config/validate'
import { decodeAdvert, decodeIpv4, encodeAdvert } from '../../../agent/vrrp/packet'

const captures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'keepalived-2.2.7.json'), 'utf8')) as { cases: Record<string, string[]> }
const IP = { src: '198.51.100.11', dst: '224.0.0.18' }

function conf(pass: string): string {
  return `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  authentication {
    auth_type PASS
    auth_pass ${pass}
  }
  virtual_ipaddress {
    198.51.100.100/24
  }
}
`
}

/** What Instance.onAdvert does with a received advert: decoded authData against the configured password. */
function accepts(configured: string, sent: string): boolean {
  const wire = encodeAdvert({ version: 2, vrid: 51, priority: 100, advertInterval: 1, addresses: ['198.51.100.100'], authType: 1, authData: sent }, IP)
  const got = decodeAdvert(wire, IP)
  return (got.authData ?? '') === configured.slice(0, 8)
}

describe('auth_pass bytes', () => {
  it('a non-ASCII password of at most 8 bytes round-trips: what the agent sends, it accepts', () => {
    const r = parseKeepalivedConf(conf('pässw'))
    const pw = r.config?.instances[0]?.auth?.password as string
    expect(pw).toBe(Buffer.from('pässw', 'utf8').toString('latin1'))
    expect(accepts(pw, pw)).toBe(true)
    expect(r.issues).toContainEqual(expect.objectContaining({ severity: 'warning', line: 6, message: expect.stringContaining('auth_pass contains characters outside printable ASCII; they are sent as their UTF-8 bytes, as keepalived') }))
  })

  it('a longer one is cut at 8 bytes as keepalived cuts it, and matches a real keepalived advert byte for byte', () => {
    const r = parseKeepalivedConf(conf('pässwort1'))
    const pw = r.config?.instances[0]?.auth?.password as string
    expect(Buffer.from(pw, 'latin1')).toEqual(Buffer.from('pässwort1', 'utf8').subarray(0, 8))
    expect(r.issues).toContainEqual(expect.objectContaining({ severity: 'warning', line: 6, message: 'vrrp_instance VI_1: auth_pass is 10 bytes; only the first 8 are used on the wire, as keepalived does' }))
    // keepalived 2.2.7 with "auth_pass pässwort1": its advert is accepted, and ours carries the same 8 bytes
    const ka = decodeIpv4(Buffer.from(captures.cases['v2-pass-utf8']?.[0] as string, 'hex'))
    const kaAdvert = decodeAdvert(ka.payload, { src: ka.src, dst: ka.dst })
    expect(kaAdvert.authData).toBe(pw)
    const ours = encodeAdvert({ version: 2, vrid: 51, priority: 150, advertInterval: 1, addresses: ['192.0.2.10', '192.0.2.11'], authType: 1, authData: pw }, { src: ka.src, dst: ka.dst })
    expect(ours.subarray(-8)).toEqual(ka.payload.subarray(-8))
  })

  it('a cut inside a multi-byte character is said so, and still agrees with keepalived', () => {
    const r = parseKeepalivedConf(conf('abcdefgö'))
    const pw = r.config?.instances[0]?.auth?.password as string
    expect(Buffer.from(pw, 'latin1')).toEqual(Buffer.from([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0xc3]))
    expect(r.issues).toContainEqual(expect.objectContaining({ message: expect.stringContaining('the cut falls inside a multi-byte character') }))
    expect(accepts(pw, pw)).toBe(true)
  })

  it('the JSON config gives the same bytes', () => {
    const j = parseJsonConfig(JSON.stringify({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 51, vips: ['198.51.100.100'], auth: { password: 'pässwort1' } }] }))
    const k = parseKeepalivedConf(conf('pässwort1'))
    expect(j.config?.instances[0]?.auth).toEqual(k.config?.instances[0]?.auth)
  })

  it('validation refuses a model password that is not wire bytes', () => {
    const j = parseJsonConfig(JSON.stringify({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 51, vips: ['198.51.100.100'], auth: { password: 'ok' } }] }))
    const cfg = j.config!
    ;(cfg.instances[0]!.auth as { password: string }).password = '密码'
    expect(validateConfig(cfg)).toContainEqual(expect.objectContaining({ severity: 'error', message: 'instances[0].auth.password: is not 1-8 wire bytes; set a password of 1-8 ASCII characters' }))
    expect(() => encodeAdvert({ version: 2, vrid: 51, priority: 100, advertInterval: 1, addresses: [], authType: 1, authData: '密码' }, IP)).toThrow(RangeError)
  })
})
