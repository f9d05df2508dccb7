// Parsers for node facts, on output captured from real systems (a lab node with iproute2
// 6.1 / Debian 12, and older text formats).
import { describe, expect, it } from 'vitest'
import {
  parseDefaultRouteJson,
  parseDefaultRouteText,
  parseIpAddrJson,
  parseIpAddrText,
  parseNodeVersion,
  parseOsRelease
} from '../../../electron/backend/platform/linux-facts'

// `ip -j addr show` on lab node n1, plus a secondary labelled address added for the test.
const IP_J_ADDR = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{"ifindex":2,"link_index":3,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"46:77:d3:16:6d:05","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0,"addr_info":[{"family":"inet","local":"198.51.100.11","prefixlen":24,"scope":"global","label":"eth0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"198.51.100.200","prefixlen":32,"scope":"global","label":"eth0:vip","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"fe80::4477:d3ff:fe16:6d05","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`

const IP_ADDR_TEXT = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever
2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000
    link/ether 46:77:d3:16:6d:05 brd ff:ff:ff:ff:ff:ff link-netns havip-lan
    inet 198.51.100.11/24 scope global eth0
       valid_lft forever preferred_lft forever
    inet 198.51.100.200/32 scope global eth0:vip
       valid_lft forever preferred_lft forever
    inet6 fe80::4477:d3ff:fe16:6d05/64 scope link 
       valid_lft forever preferred_lft forever
3: ens4: <BROADCAST,MULTICAST> mtu 9000 qdisc noop state DOWN group default qlen 1000
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
`

const EXPECTED = [
  {
    name: 'lo',
    mtu: 65536,
    state: 'UNKNOWN',
    addresses: [
      { family: 'inet', address: '127.0.0.1', prefix: 8 },
      { family: 'inet6', address: '::1', prefix: 128 }
    ]
  },
  {
    name: 'eth0',
    mac: '46:77:d3:16:6d:05',
    mtu: 1500,
    state: 'UP',
    addresses: [
      { family: 'inet', address: '198.51.100.11', prefix: 24 },
      { family: 'inet', address: '198.51.100.200', prefix: 32, label: 'eth0:vip' },
      { family: 'inet6', address: 'fe80::4477:d3ff:fe16:6d05', prefix: 64 }
    ]
  }
]

describe('ip addr parsers', () => {
  it('parses ip -j addr', () => {
    expect(parseIpAddrJson(IP_J_ADDR)).toEqual(EXPECTED)
  })

  it('parses the text form the same way', () => {
    const parsed = parseIpAddrText(IP_ADDR_TEXT)
    expect(parsed.slice(0, 2)).toEqual(EXPECTED)
    expect(parsed[2]).toEqual({ name: 'ens4', mac: '52:54:00:12:34:56', mtu: 9000, state: 'DOWN', addresses: [] })
  })

  it('is defensive about junk', () => {
    expect(parseIpAddrJson('Object "addr" is unknown, try "ip help".')).toBeUndefined()
    expect(parseIpAddrJson('{}')).toBeUndefined()
    expect(parseIpAddrJson('[null, 3, {"ifname": 5}, {"ifname":"x","addr_info":[{"family":"inet"}, "bad"]}]')).toEqual([
      { name: 'x', mtu: 0, state: 'UNKNOWN', addresses: [] }
    ])
    expect(parseIpAddrText('')).toEqual([])
    expect(parseIpAddrText('garbage\n  inet 1.2.3.4/8')).toEqual([])
  })
})

describe('default route parsers', () => {
  it('reads gateway and device, or null without a default route', () => {
    expect(parseDefaultRouteJson('[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","protocol":"dhcp","flags":[]}]')).toEqual({
      gateway: '192.0.2.1',
      dev: 'eth0'
    })
    expect(parseDefaultRouteJson('[{"dst":"default","dev":"wg0","scope":"link","flags":[]}]')).toEqual({ gateway: null, dev: 'wg0' })
    expect(parseDefaultRouteJson('[]')).toBeNull()
    expect(parseDefaultRouteJson('')).toBeUndefined()
    expect(parseDefaultRouteText('default via 192.0.2.1 dev eth0 proto dhcp metric 100\n')).toEqual({ gateway: '192.0.2.1', dev: 'eth0' })
    expect(parseDefaultRouteText('')).toBeNull()
  })
})

describe('os-release and node version', () => {
  it('parses quoted and unquoted values; the first file wins', () => {
    const text = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
# comment
HOME_URL='https://www.debian.org/'
ESCAPED="say \\"hi\\" for \\$5"
ID=ubuntu
`
    const r = parseOsRelease(text)
    expect(r).toMatchObject({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      NAME: 'Debian GNU/Linux',
      VERSION_ID: '12',
      ID: 'debian',
      HOME_URL: 'https://www.debian.org/',
      ESCAPED: 'say "hi" for $5'
    })
  })

  it('accepts only a real node --version', () => {
    expect(parseNodeVersion(0, 'v20.20.2\n')).toBe('v20.20.2')
    expect(parseNodeVersion(127, '')).toBeNull()
    expect(parseNodeVersion(0, 'sh: node: not found')).toBeNull()
  })
})
