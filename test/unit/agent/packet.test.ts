import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../support/seeded-random'
import {
  decodeAdvert,
  decodeIpv4,
  decodeVrrpDatagram,
  encodeAdvert,
  encodeIpv4,
  VrrpDecodeError,
  type VrrpAdvert,
  type VrrpDecodeErrorCode
} from '../../../agent/vrrp/packet'
import { internetChecksum } from '../../../agent/vrrp/ipv4'

interface CaptureFile {
  cases: Record<string, string[]>
}
const captures = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'keepalived-2.2.7.json'), 'utf8')) as CaptureFile
const hex = (s: string): Buffer => Buffer.from(s, 'hex')
const KA_SRC = '198.51.100.201'
const KA_VIPS = ['192.0.2.10', '192.0.2.11']

function decodeError(fn: () => unknown): VrrpDecodeErrorCode {
  try {
    fn()
  } catch (err) {
    if (err instanceof VrrpDecodeError) return err.code
    throw err
  }
  throw new Error('expected a VrrpDecodeError, but decoding succeeded')
}

/** What each capture case must decode to (keepalived conf: VRID 51, priority 150). */
const expected: Record<string, { dst: string; advert: Omit<VrrpAdvert, 'priority'> }> = {
  'v2-multicast': { dst: '224.0.0.18', advert: { version: 2, vrid: 51, advertInterval: 1, addresses: KA_VIPS, authType: 0 } },
  'v2-pass': { dst: '224.0.0.18', advert: { version: 2, vrid: 51, advertInterval: 1, addresses: KA_VIPS, authType: 1, authData: 's3cret' } },
  // auth_pass pässwort1: keepalived sends the first 8 bytes of its UTF-8 text (authData is wire bytes, latin1)
  'v2-pass-utf8': { dst: '224.0.0.18', advert: { version: 2, vrid: 51, advertInterval: 1, addresses: KA_VIPS, authType: 1, authData: 'p\xc3\xa4sswor' } },
  'v2-unicast': { dst: '198.51.100.202', advert: { version: 2, vrid: 51, advertInterval: 1, addresses: KA_VIPS, authType: 0 } },
  'v3-multicast': { dst: '224.0.0.18', advert: { version: 3, vrid: 51, advertInterval: 100, addresses: KA_VIPS } },
  'v3-100ms': { dst: '224.0.0.18', advert: { version: 3, vrid: 51, advertInterval: 10, addresses: KA_VIPS } },
  'v3-unicast': { dst: '198.51.100.202', advert: { version: 3, vrid: 51, advertInterval: 100, addresses: KA_VIPS } }
}

describe('keepalived 2.2.7 captures', () => {
  it('has every case captured', () => {
    expect(Object.keys(captures.cases).sort()).toEqual(Object.keys(expected).sort())
  })

  for (const [name, datagrams] of Object.entries(captures.cases)) {
    const want = expected[name]
    if (!want) continue
    it(`${name}: decodes adverts, the last one being the priority 0 sent on stop`, () => {
      datagrams.forEach((d, i) => {
        const { ip, advert } = decodeVrrpDatagram(hex(d))
        expect(ip).toMatchObject({ src: KA_SRC, dst: want.dst, ttl: 255, protocol: 112 })
        const priority = i === datagrams.length - 1 ? 0 : 150
        expect(advert).toEqual({ ...want.advert, priority })
      })
    })

    it(`${name}: encodes to the same bytes keepalived sent`, () => {
      datagrams.forEach((d, i) => {
        const original = hex(d)
        const priority = i === datagrams.length - 1 ? 0 : 150
        const payload = encodeAdvert({ ...want.advert, priority }, { src: KA_SRC, dst: want.dst })
        const datagram = encodeIpv4({ src: KA_SRC, dst: want.dst, ttl: 255, protocol: 112, id: original.readUInt16BE(4), payload })
        expect(datagram.toString('hex')).toBe(d)
      })
    })
  }
})

describe('hand-built fixtures', () => {
  // VRRPv2, VRID 7, priority 100, 1 address, no auth, interval 3 s. Checksum worked out by hand:
  // words 2107+6401+0003+c000+0205 (+ zeros) = 0x14710 -> fold 0x4711 -> ~ 0xb8ee
  const v2 = '210764010003b8eec00002050000000000000000'
  it('v2 encodes and decodes both ways', () => {
    const advert: VrrpAdvert = { version: 2, vrid: 7, priority: 100, advertInterval: 3, addresses: ['192.0.2.5'], authType: 0 }
    const ip = { src: '198.51.100.1', dst: '224.0.0.18' }
    expect(encodeAdvert(advert, ip).toString('hex')).toBe(v2)
    expect(decodeAdvert(hex(v2), ip)).toEqual(advert)
  })

  it('v2 password is zero padded to 8 bytes and truncated at the first zero on decode', () => {
    const ip = { src: '198.51.100.1', dst: '224.0.0.18' }
    const buf = encodeAdvert({ version: 2, vrid: 7, priority: 100, advertInterval: 1, addresses: ['192.0.2.5'], authData: 'pw' }, ip)
    expect(buf[4]).toBe(1)
    expect(buf.subarray(12).toString('hex')).toBe('7077000000000000')
    expect(decodeAdvert(buf, ip)).toMatchObject({ authType: 1, authData: 'pw' })
    expect(() => encodeAdvert({ version: 2, vrid: 7, priority: 100, advertInterval: 1, addresses: [], authData: '123456789' }, ip)).toThrow(RangeError)
  })

  it('v3 checksum covers the pseudo-header: the same payload fails with another destination', () => {
    const ip = { src: '198.51.100.1', dst: '198.51.100.2' }
    const buf = encodeAdvert({ version: 3, vrid: 9, priority: 200, advertInterval: 4095, addresses: ['203.0.113.9'] }, ip)
    expect(buf.readUInt16BE(4)).toBe(0x0fff) // 4 reserved bits zero, 12-bit interval
    expect(decodeAdvert(buf, ip)).toEqual({ version: 3, vrid: 9, priority: 200, advertInterval: 4095, addresses: ['203.0.113.9'] })
    expect(decodeError(() => decodeAdvert(buf, { src: ip.src, dst: '198.51.100.3' }))).toBe('bad-checksum')
  })

  it('v3 ignores the 4 reserved bits on receive (RFC 5798 §5.2.6)', () => {
    const ip = { src: '198.51.100.1', dst: '224.0.0.18' }
    const buf = Buffer.from(encodeAdvert({ version: 3, vrid: 9, priority: 200, advertInterval: 100, addresses: [] }, ip))
    buf[4] = (buf[4] as number) | 0xf0
    buf.writeUInt16BE(0, 6)
    // recompute the v3 checksum over the pseudo-header (src 198.51.100.1, dst 224.0.0.18, proto 112, len 8)
    const pseudo = Buffer.from('c6336401e00000120070' + '0008', 'hex')
    buf.writeUInt16BE(internetChecksum(pseudo, buf), 6)
    expect(decodeAdvert(buf, ip).advertInterval).toBe(100)
  })

  it('encode rejects values that do not fit the wire', () => {
    const ip = { src: '198.51.100.1', dst: '224.0.0.18' }
    const base: VrrpAdvert = { version: 3, vrid: 1, priority: 100, advertInterval: 100, addresses: [] }
    expect(() => encodeAdvert({ ...base, vrid: 0 }, ip)).toThrow(/vrid 0 is out of range 1..255/)
    expect(() => encodeAdvert({ ...base, priority: 256 }, ip)).toThrow(RangeError)
    expect(() => encodeAdvert({ ...base, advertInterval: 4096 }, ip)).toThrow(RangeError)
    expect(() => encodeAdvert({ ...base, version: 2, advertInterval: 256 }, ip)).toThrow(RangeError)
    expect(() => encodeAdvert({ ...base, addresses: ['192.0.2.256'] }, ip)).toThrow(RangeError)
  })
})

describe('receive checks', () => {
  const good = hex(captures.cases['v3-multicast']?.[0] ?? '')
  const goodV2 = hex(captures.cases['v2-pass']?.[0] ?? '')
  /** Rewrite one byte of an IP datagram and repair the IP header checksum so only the VRRP check can fail. */
  function patchIp(datagram: Buffer, offset: number, value: number): Buffer {
    const copy = Buffer.from(datagram)
    copy[offset] = value
    copy.writeUInt16BE(0, 10)
    copy.writeUInt16BE(internetChecksum(copy.subarray(0, 20)), 10)
    return copy
  }

  it('rejects TTL other than 255 (RFC 5798 §7.1)', () => {
    expect(decodeError(() => decodeVrrpDatagram(patchIp(good, 8, 254)))).toBe('bad-ttl')
    expect(decodeError(() => decodeVrrpDatagram(patchIp(good, 8, 1)))).toBe('bad-ttl')
  })
  it('rejects a protocol other than 112', () => {
    expect(decodeError(() => decodeVrrpDatagram(patchIp(good, 9, 17)))).toBe('bad-protocol')
  })
  it('rejects a bad IP header checksum', () => {
    const copy = Buffer.from(good)
    copy[11] = (copy[11] as number) ^ 0xff
    expect(decodeError(() => decodeIpv4(copy))).toBe('bad-ip-header')
  })
  it('rejects a bad VRRP checksum, v2 and v3', () => {
    for (const d of [good, goodV2]) {
      const copy = Buffer.from(d)
      copy[22] = (copy[22] as number) ^ 0x01 // priority byte
      expect(decodeError(() => decodeVrrpDatagram(copy))).toBe('bad-checksum')
    }
  })
  it('names every malformed field', () => {
    const ip = { src: KA_SRC, dst: '224.0.0.18' }
    const payload = good.subarray(20)
    expect(decodeError(() => decodeAdvert(payload.subarray(0, 7), ip))).toBe('too-short')
    expect(decodeError(() => decodeAdvert(Buffer.concat([Buffer.from([0x41]), payload.subarray(1)]), ip))).toBe('bad-version')
    expect(decodeError(() => decodeAdvert(Buffer.concat([Buffer.from([0x32]), payload.subarray(1)]), ip))).toBe('bad-type')
    expect(decodeError(() => decodeAdvert(payload.subarray(0, 12), ip))).toBe('bad-address-count')
    expect(decodeError(() => decodeAdvert(Buffer.concat([payload, Buffer.alloc(4)]), ip))).toBe('bad-length')
    const rechecksummed = (mutate: (b: Buffer) => void, version: 2 | 3): Buffer => {
      const b = Buffer.from(version === 3 ? payload : goodV2.subarray(20))
      mutate(b)
      b.writeUInt16BE(0, 6)
      const pseudo = Buffer.from(`c63364c9e00000120070${b.length.toString(16).padStart(4, '0')}`, 'hex')
      b.writeUInt16BE(version === 3 ? internetChecksum(pseudo, b) : internetChecksum(b), 6)
      return b
    }
    expect(decodeError(() => decodeAdvert(rechecksummed((b) => (b[1] = 0), 3), ip))).toBe('bad-vrid')
    expect(decodeError(() => decodeAdvert(rechecksummed((b) => b.writeUInt16BE(0xf000, 4), 3), ip))).toBe('bad-interval')
    expect(decodeError(() => decodeAdvert(rechecksummed((b) => (b[5] = 0), 2), ip))).toBe('bad-interval')
    expect(decodeError(() => decodeAdvert(rechecksummed((b) => (b[4] = 2), 2), ip))).toBe('bad-auth')
    // sanity: the helper itself yields a valid packet when nothing is changed
    expect(decodeAdvert(rechecksummed(() => undefined, 3), ip).vrid).toBe(51)
  })
  it('rejects fragments and truncated datagrams', () => {
    expect(decodeError(() => decodeIpv4(good.subarray(0, 19)))).toBe('bad-ip-header')
    expect(decodeError(() => decodeIpv4(good.subarray(0, 30)))).toBe('bad-ip-header')
    expect(decodeError(() => decodeIpv4(patchIp(good, 6, 0x20)))).toBe('bad-ip-header')
  })
})

describe('fuzz: decode returns a value or throws VrrpDecodeError, nothing else', () => {
  const seeds = Object.values(captures.cases).flat().map(hex)
  const ITERATIONS = 20_000

  function mutate(rand: () => number, input: Buffer): Buffer {
    const pick = Math.floor(rand() * 5)
    const b = Buffer.from(input)
    switch (pick) {
      case 0: {
        const flips = 1 + Math.floor(rand() * 4)
        for (let i = 0; i < flips; i++) {
          const pos = Math.floor(rand() * b.length)
          b[pos] = (b[pos] as number) ^ (1 << Math.floor(rand() * 8))
        }
        return b
      }
      case 1:
        return b.subarray(0, Math.floor(rand() * b.length))
      case 2: {
        const extra = Buffer.alloc(1 + Math.floor(rand() * 40))
        for (let i = 0; i < extra.length; i++) extra[i] = Math.floor(rand() * 256)
        return Buffer.concat([b, extra])
      }
      case 3: {
        const pos = Math.floor(rand() * b.length)
        b[pos] = Math.floor(rand() * 256)
        return b
      }
      default: {
        const junk = Buffer.alloc(Math.floor(rand() * 80))
        for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256)
        return junk
      }
    }
  }

  it(`${ITERATIONS} mutations of real packets`, () => {
    const rand = seededRandom(0x5eed)
    const seen = new Map<string, number>()
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = seeds[i % seeds.length] as Buffer
      const input = mutate(rand, seed)
      let outcome: string
      try {
        const both = rand() < 0.5
        if (both) {
          decodeVrrpDatagram(input)
        } else {
          decodeAdvert(input.subarray(Math.min(20, input.length)), { src: KA_SRC, dst: '224.0.0.18' })
        }
        outcome = 'ok'
      } catch (err) {
        if (!(err instanceof VrrpDecodeError)) {
          throw new Error(`iteration ${i} (input ${input.toString('hex')}) threw ${String(err)}`)
        }
        expect(err.message.length).toBeGreaterThan(0)
        outcome = err.code
      }
      seen.set(outcome, (seen.get(outcome) ?? 0) + 1)
    }
    // The mutations must actually reach the interesting checks, or this test proves little.
    for (const code of ['ok', 'too-short', 'bad-checksum', 'bad-ip-header', 'bad-length', 'bad-address-count']) {
      expect(seen.get(code) ?? 0, `outcome ${code} never happened: ${JSON.stringify([...seen])}`).toBeGreaterThan(0)
    }
  })
})
