// The pure readers behind the Inventory, Network and System tests: what they make of real
// command output (nft, iptables-save, keepalived.conf, arping, ip neigh, df, glibc), and the
// sysctl judgement, including the cases that must fail.
import { describe, expect, it } from 'vitest'
import { judgeFirewall, parseIptablesSave, parseNftRuleset } from '../../../electron/backend/validation/groups/firewall-rules'
import { parseDfAvailable, parseGlibcVersion } from '../../../electron/backend/validation/groups/inventory'
import { keepalivedConfPath, parseKeepalivedConf } from '../../../electron/backend/validation/groups/keepalived-conf'
import { parseArpingReplies, parseNeighMacs } from '../../../electron/backend/validation/groups/network'
import { judgeSysctls, parseGrepValues } from '../../../electron/backend/validation/groups/sysctls'
import { escapeHtml } from '../../../electron/backend/validation/report-html'
import { ipv4InSubnet, networkOf } from '../../../electron/backend/validation/ipv4'

describe('firewall rules and VRRP', () => {
  it('an nft rule that drops ip protocol vrrp blocks it', () => {
    const nft = `table inet havip_shape {
\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\tip protocol vrrp counter packets 3 bytes 120 drop
\t}
}`
    const j = judgeFirewall(parseNftRuleset(nft))
    expect(j.verdict).toBe('blocked')
    expect(j.reasons[0]).toContain('inet havip_shape input')
  })

  it('a drop of every protocol but VRRP, or of tcp only, does not block it', () => {
    const nft = `table inet f {
\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\tip protocol != vrrp drop
\t\ttcp dport 23 drop
\t}
}`
    expect(judgeFirewall(parseNftRuleset(nft)).verdict).toBe('open')
  })

  it('policy drop with no accept for 112 blocks; an explicit accept opens it', () => {
    const closed = `table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\ttcp dport 22 accept
\t}
}`
    expect(judgeFirewall(parseNftRuleset(closed)).verdict).toBe('blocked')
    const open = closed.replace('tcp dport 22 accept', 'tcp dport 22 accept\n\t\tmeta l4proto { tcp, vrrp } accept')
    expect(judgeFirewall(parseNftRuleset(open)).verdict).toBe('open')
    const maybe = closed.replace('tcp dport 22 accept', 'ip saddr 198.51.100.0/24 accept')
    expect(judgeFirewall(parseNftRuleset(maybe)).verdict).toBe('maybe')
  })

  it('iptables-save: -p vrrp -j DROP blocks, INPUT DROP without an accept blocks, -p 112 -j ACCEPT opens', () => {
    expect(judgeFirewall(parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p vrrp -j DROP\nCOMMIT\n')).verdict).toBe('blocked')
    expect(judgeFirewall(parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n')).verdict).toBe('blocked')
    expect(judgeFirewall(parseIptablesSave('*filter\n:INPUT DROP [0:0]\n-A INPUT -p 112 -j ACCEPT\nCOMMIT\n')).verdict).toBe('open')
    expect(judgeFirewall(parseIptablesSave('*nat\n:PREROUTING DROP [0:0]\nCOMMIT\n')).verdict).toBe('open')
  })
})

describe('keepalived configuration', () => {
  const conf = `! Configuration File for keepalived
global_defs { router_id LVS_A }
include /etc/keepalived/conf.d/*.conf
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    authentication {
        auth_type PASS
        auth_pass secret
    }
    unicast_peer {
        198.51.100.12
    }
    virtual_ipaddress {
        198.51.100.250/24 dev eth0
        198.51.100.251
    }
}`
  it('lists each instance with interface, VRID, state, priority and addresses, and names includes', () => {
    const p = parseKeepalivedConf(conf)
    expect(p.instances).toEqual([{ name: 'VI_1', state: 'MASTER', interface: 'eth0', vrid: 51, priority: 150, addresses: ['198.51.100.250/24', '198.51.100.251'] }])
    expect(p.includes).toEqual(['/etc/keepalived/conf.d/*.conf'])
  })
  it('finds the config file on the command line', () => {
    expect(keepalivedConfPath(['-n', '-f', '/run/k/a.conf'])).toBe('/run/k/a.conf')
    expect(keepalivedConfPath(['--use-file=/x.conf'])).toBe('/x.conf')
    expect(keepalivedConfPath(['--dont-fork'])).toBe('/etc/keepalived/keepalived.conf')
  })
})

describe('command output readers', () => {
  it('arping replies and neighbour entries give the answering MACs', () => {
    expect(parseArpingReplies('ARPING 198.51.100.13 from 0.0.0.0 eth0\nUnicast reply from 198.51.100.13 [C2:52:4B:77:CE:97]  0.599ms\n')).toEqual(['c2:52:4b:77:ce:97'])
    expect(parseNeighMacs('[{"dst":"198.51.100.200","dev":"eth0","lladdr":"AA:bb:cc:dd:ee:ff","state":["REACHABLE"]}]')).toEqual(['aa:bb:cc:dd:ee:ff'])
    expect(parseNeighMacs('[{"dst":"198.51.100.200","dev":"eth0","state":["FAILED"]}]')).toEqual([])
  })
  it('df and glibc versions', () => {
    expect(parseDfAvailable('Filesystem 1024-blocks Used Available Capacity Mounted on\ntmpfs 65536 0 65536 0% /opt/havip\n')).toEqual({ availKb: 65536, mount: '/opt/havip' })
    expect(parseGlibcVersion('glibc 2.36')).toEqual([2, 36])
    expect(parseGlibcVersion('ldd (Debian GLIBC 2.28-10+deb10u2) 2.28')).toEqual([2, 28])
    expect(parseGlibcVersion('musl libc (x86_64)\nVersion 1.2.4')).toBeUndefined()
  })
  it('subnet arithmetic', () => {
    expect(networkOf('198.51.100.11', 24)).toBe('198.51.100.0/24')
    expect(ipv4InSubnet('198.51.100.200', '198.51.100.11', 24)).toBe(true)
    expect(ipv4InSubnet('203.0.113.5', '198.51.100.11', 24)).toBe(false)
  })
})

describe('sysctls', () => {
  it('reads grep -H output and fails arp_ignore=8, warns rp_filter=1 on a multi-homed node', () => {
    const v = parseGrepValues('/proc/sys/net/ipv4/conf/all/arp_ignore:8\n/proc/sys/net/ipv4/conf/eth0/rp_filter:1\n')
    expect(v.get('/proc/sys/net/ipv4/conf/all/arp_ignore')).toBe(8)
    expect(judgeSysctls({ ipNonlocalBind: 0, arpIgnore: 8, arpAnnounce: 0, rpFilter: 0 }, 'eth0', false).status).toBe('Failed')
    const w = judgeSysctls({ ipNonlocalBind: 0, arpIgnore: 0, arpAnnounce: 2, rpFilter: 1 }, 'eth0', true)
    expect(w.status).toBe('Warning')
    expect(w.remediation).toContain('rp_filter=2')
    const s = judgeSysctls({ ipNonlocalBind: 0, arpIgnore: 0, arpAnnounce: 0, rpFilter: 0 }, 'eth0', false)
    expect(s.status).toBe('Success')
    expect(s.details).toContain('ip_nonlocal_bind=0')
  })
})

describe('report HTML', () => {
  it('escapes markup that came from a node', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;')
  })
})
