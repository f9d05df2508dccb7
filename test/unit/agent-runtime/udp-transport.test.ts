import { afterEach, describe, expect, it } from 'vitest'
import type { ReceivedAdvert } from '../../../agent/net/transport'
import { UdpVrrpTransport } from '../../../agent/net/udp-transport'
import type { VrrpAdvert } from '../../../agent/vrrp/packet'
import { waitFor } from '../../support/wait-for'

const open: UdpVrrpTransport[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()))
})

async function pair(port: number): Promise<[UdpVrrpTransport, UdpVrrpTransport]> {
  const a = new UdpVrrpTransport({ interface: 'lo', sourceAddress: '127.0.0.1', peers: ['127.0.0.2'], port })
  const b = new UdpVrrpTransport({ interface: 'lo', sourceAddress: '127.0.0.2', peers: ['127.0.0.1'], port })
  open.push(a, b)
  await a.start()
  await b.start()
  return [a, b]
}

function nextAdvert(t: UdpVrrpTransport, timeoutMs = 2000): Promise<ReceivedAdvert> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no advert received')), timeoutMs)
    t.onAdvert((r) => {
      clearTimeout(timer)
      resolve(r)
    })
  })
}

describe('UdpVrrpTransport', () => {
  it('carries v3 and v2 adverts between two unicast peers and counts them', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const [a, b] = await pair(port)
    const v3: VrrpAdvert = { version: 3, vrid: 42, priority: 150, advertInterval: 100, addresses: ['198.51.100.200'] }
    const got = nextAdvert(b)
    await a.send(v3)
    const r = await got
    expect(r.src).toBe('127.0.0.1')
    expect(r.advert).toMatchObject({ version: 3, vrid: 42, priority: 150, advertInterval: 100, addresses: ['198.51.100.200'] })
    expect(a.counters().sent).toBe(1)
    expect(b.counters().received).toBe(1)
    expect(a.interoperable).toBe(false)
    expect(a.note).toMatch(/not interoperable with keepalived/)
  })

  it('counts undecodable datagrams by error code instead of delivering them', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const [, b] = await pair(port)
    const dgram = await import('node:dgram')
    const s = dgram.createSocket('udp4')
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
    s.setTTL(255) // on the link: past the TTL check, so the decoder judges it
    try {
      await new Promise<void>((res, rej) => s.send(Buffer.from([0x31, 1, 2]), port, '127.0.0.2', (e) => (e ? rej(e) : res())))
      await waitFor('the bad datagram to be counted', () => Object.keys(b.counters().bad).length > 0, 2000, 10)
      expect(b.counters().bad).toEqual({ 'too-short': 1 })
      expect(b.counters().received).toBe(0)
    } finally {
      s.close()
    }
  })

  it('drops adverts whose TTL is not 255, like the raw transport (RFC 5798 §5.1.1.3, §7.1)', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const [, b] = await pair(port)
    expect(b.note).not.toMatch(/TTL of received adverts is not checked/) // the test runs as root: the TTL tap is open
    const dgram = await import('node:dgram')
    const { encodeAdvert } = await import('../../../agent/vrrp/packet')
    const payload = encodeAdvert({ version: 3, vrid: 42, priority: 250, advertInterval: 100, addresses: ['198.51.100.200'] }, { src: '127.0.0.1', dst: '127.0.0.2' })
    const s = dgram.createSocket('udp4')
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
    const sendWithTtl = async (ttl: number): Promise<void> => {
      s.setTTL(ttl)
      await new Promise<void>((res, rej) => s.send(payload, port, '127.0.0.2', (e) => (e ? rej(e) : res())))
    }
    try {
      await sendWithTtl(64) // one router away: a forger off the link
      await waitFor('the TTL-64 advert to be counted bad', () => (b.counters().bad['bad-ttl'] ?? 0) === 1, 2000, 10)
      expect(b.counters().received).toBe(0)
      await sendWithTtl(255)
      await waitFor('the TTL-255 advert to be received', () => b.counters().received === 1, 2000, 10)
      expect(b.counters().bad).toEqual({ 'bad-ttl': 1 })
    } finally {
      s.close()
    }
  })

  it('explains a port clash', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const dgram = await import('node:dgram')
    const s = dgram.createSocket('udp4')
    await new Promise<void>((r) => s.bind(port, '127.0.0.3', () => r()))
    try {
      const t = new UdpVrrpTransport({ interface: 'lo', sourceAddress: '127.0.0.3', peers: ['127.0.0.4'], port })
      await expect(t.start()).rejects.toThrow(/cannot bind UDP port 127.0.0.3:\d+ .*choose another "udpPort"/)
    } finally {
      s.close()
    }
  })
})
