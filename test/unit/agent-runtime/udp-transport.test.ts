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
    try {
      await new Promise<void>((res, rej) => s.send(Buffer.from([0x31, 1, 2]), port, '127.0.0.2', (e) => (e ? rej(e) : res())))
      await waitFor('the bad datagram to be counted', () => Object.keys(b.counters().bad).length > 0, 2000, 10)
      expect(b.counters().bad).toEqual({ 'too-short': 1 })
      expect(b.counters().received).toBe(0)
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
