/**
 * The raw VRRP socket's options per OS (agent/net/raw-socket-options.ts). The Linux list is
 * what the lab's real kernel runs; the Windows list is checked here against Windows' header
 * values and struct layouts only (no Windows to run it on).
 */
import { describe, expect, it } from 'vitest'
import { acceptsDestination, ipMreq, ipMreqn, rawVrrpOptions } from '../../../agent/net/raw-socket-options'

const spec = { interface: 'eth0', ifIndex: 3, ifAddress: '198.51.100.21', multicastGroup: '224.0.0.18' }

describe('raw VRRP socket options', () => {
  it('keeps Linux as it was: bound to the device, IP_HDRINCL, ip_mreqn membership, no loopback', () => {
    const o = rawVrrpOptions('linux', spec)
    expect(o.map((x) => [x.level, x.option])).toEqual([[1, 25], [0, 3], [0, 35], [0, 32], [0, 34]])
    expect(o[0]!.value).toEqual(Buffer.from('eth0\0'))
    expect(o[1]!.value).toBe(1)
    expect(o[2]!.value).toEqual(Buffer.from([224, 0, 0, 18, 0, 0, 0, 0, 3, 0, 0, 0]))
    expect(o[4]!.value).toEqual(Buffer.from([0]))
    expect(rawVrrpOptions('linux', { ...spec, multicastGroup: undefined }).map((x) => x.what)).toEqual(['SO_BINDTODEVICE eth0', 'IP_HDRINCL'])
  })

  it('uses Windows\' numbers and structs: IP_HDRINCL 2, ip_mreq by interface address, IP_MULTICAST_IF by address, DWORD loop off', () => {
    const o = rawVrrpOptions('win32', { ...spec, interface: 'Ethernet 2', ifIndex: undefined })
    expect(o.map((x) => [x.level, x.option])).toEqual([[0, 2], [0, 12], [0, 9], [0, 11]])
    expect(o[0]!.value).toBe(1)
    expect(o[1]!.value).toEqual(Buffer.from([224, 0, 0, 18, 198, 51, 100, 21]))
    expect(o[2]!.value).toEqual(Buffer.from([198, 51, 100, 21]))
    expect(o[3]!.value).toEqual(Buffer.from([0, 0, 0, 0]))
    expect(o.some((x) => /BINDTODEVICE/.test(x.what))).toBe(false)
    expect(rawVrrpOptions('win32', { ...spec, multicastGroup: undefined }).map((x) => x.what)).toEqual(['IP_HDRINCL'])
  })

  it('builds the membership structs byte for byte', () => {
    expect(ipMreqn('224.0.0.18', 258)).toEqual(Buffer.from([224, 0, 0, 18, 0, 0, 0, 0, 2, 1, 0, 0]))
    expect(ipMreq('224.0.0.18', '192.0.2.1')).toEqual(Buffer.from([224, 0, 0, 18, 192, 0, 2, 1]))
  })

  it('refuses to join on Linux without the interface index', () => {
    expect(() => rawVrrpOptions('linux', { ...spec, ifIndex: undefined })).toThrow(/interface index of eth0/)
  })

  it('filters received adverts by destination on Windows only (no SO_BINDTODEVICE there)', () => {
    expect(acceptsDestination('linux', '203.0.113.9', '198.51.100.21', undefined)).toBe(true)
    expect(acceptsDestination('win32', '198.51.100.21', '198.51.100.21', undefined)).toBe(true)
    expect(acceptsDestination('win32', '203.0.113.9', '198.51.100.21', undefined)).toBe(false)
    expect(acceptsDestination('win32', '224.0.0.18', '198.51.100.21', '224.0.0.18')).toBe(true)
    expect(acceptsDestination('win32', '224.0.0.18', '198.51.100.21', undefined)).toBe(false)
  })
})
