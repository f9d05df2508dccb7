import { describe, expect, it } from 'vitest'
import { parseIpJson, parseIpOneline } from '../../../agent/os/linux'

describe('ip address output parsing', () => {
  it('reads `ip -j -4 addr show` (iproute2 >= 4.13)', () => {
    const out = JSON.stringify([
      { ifindex: 2, ifname: 'eth0', addr_info: [
        { family: 'inet', local: '198.51.100.11', prefixlen: 24, label: 'eth0' },
        { family: 'inet', local: '198.51.100.220', prefixlen: 24, label: 'eth0:vip', secondary: true }
      ] }
    ])
    expect(parseIpJson(out)).toEqual([
      { address: '198.51.100.11', prefix: 24, dev: 'eth0', label: 'eth0' },
      { address: '198.51.100.220', prefix: 24, dev: 'eth0', label: 'eth0:vip' }
    ])
    expect(parseIpJson('')).toEqual([])
  })

  it('reads the one-line text form (older iproute2), labels and veth names included', () => {
    const out = [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 198.51.100.11/24 brd 198.51.100.255 scope global eth0\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 198.51.100.220/24 scope global secondary eth0:vip\\       valid_lft forever preferred_lft forever',
      '5: veth1@if4    inet 192.0.2.1/32 scope global veth1\\       valid_lft forever preferred_lft forever',
      'garbage line'
    ].join('\n')
    expect(parseIpOneline(out)).toEqual([
      { address: '127.0.0.1', prefix: 8, dev: 'lo', label: 'lo' },
      { address: '198.51.100.11', prefix: 24, dev: 'eth0', label: 'eth0' },
      { address: '198.51.100.220', prefix: 24, dev: 'eth0', label: 'eth0:vip' },
      { address: '192.0.2.1', prefix: 32, dev: 'veth1', label: 'veth1' }
    ])
  })
})
