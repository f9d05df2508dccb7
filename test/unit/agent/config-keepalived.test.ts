import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { splitCommandLine } from '../../../agent/config/argv'
import { parseKeepalivedConf } from '../../../agent/config/keepalived-conf'
import { parseStatements } from '../../../agent/config/keepalived-tokens'
import { formatIssues, loadConfig } from '../../../agent/config/load'
import type { ConfigIssue } from '../../../agent/config/model'

const FIXTURE = join(__dirname, 'fixtures', 'cloud-havip-keepalived.conf')
const errors = (issues: ConfigIssue[]) => issues.filter((i) => i.severity === 'error')
const warnings = (issues: ConfigIssue[]) => issues.filter((i) => i.severity === 'warning')

/** A small valid instance body to build variants from. */
function conf(instanceBody: string, extra = ''): string {
  return `${extra}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    198.51.100.100/24
  }
${instanceBody}
}
`
}

describe('splitCommandLine', () => {
  it('splits like a shell would, without being one', () => {
    expect(splitCommandLine('/usr/bin/killall -0 nginx')).toEqual({ argv: ['/usr/bin/killall', '-0', 'nginx'] })
    expect(splitCommandLine(`/bin/sh -c 'pidof nginx || exit 1'`)).toEqual({ argv: ['/bin/sh', '-c', 'pidof nginx || exit 1'] })
    expect(splitCommandLine('"/opt/my app/check" "a \\"b\\"" c\\ d')).toEqual({ argv: ['/opt/my app/check', 'a "b"', 'c d'] })
    // shell metacharacters stay literal arguments
    expect(splitCommandLine('/bin/echo $(reboot); rm -rf /')).toEqual({ argv: ['/bin/echo', '$(reboot);', 'rm', '-rf', '/'] })
  })
  it('reports broken quoting', () => {
    expect(splitCommandLine(`/bin/x 'open`)).toEqual({ error: expect.stringContaining('unterminated single quote') })
    expect(splitCommandLine('/bin/x "open')).toEqual({ error: expect.stringContaining('unterminated double quote') })
    expect(splitCommandLine('   ')).toEqual({ error: 'empty command' })
  })
})

describe('keepalived.conf tokenizer', () => {
  it('handles braces on the next line, one-line blocks, comments and quotes', () => {
    const { statements, issues } = parseStatements(
      [
        'vrrp_instance VI_1   # comment',
        '{',
        '  unicast_peer { 198.51.100.12 198.51.100.13 }',
        '  ! a bang comment',
        '  notify "/bin/n arg" root',
        '  auth_pass ab#c',
        '}'
      ].join('\n')
    )
    expect(issues).toEqual([])
    expect(statements).toHaveLength(1)
    const inst = statements[0]
    expect(inst).toMatchObject({ keyword: 'vrrp_instance', line: 1, args: [{ text: 'VI_1' }] })
    expect(inst?.block?.map((s) => s.keyword)).toEqual(['unicast_peer', 'notify', 'auth_pass'])
    expect(inst?.block?.[0]?.block).toEqual([{ keyword: '198.51.100.12', args: [{ text: '198.51.100.13', quoted: false, line: 3 }], line: 3 }])
    expect(inst?.block?.[1]?.args).toEqual([{ text: '/bin/n arg', quoted: true, line: 5 }, { text: 'root', quoted: false, line: 5 }])
    expect(inst?.block?.[2]?.args[0]?.text).toBe('ab#c')
  })
  it('reports unclosed blocks, stray braces and unterminated quotes with their line', () => {
    expect(parseStatements('a {\n b 1\n').issues).toEqual([
      { line: 1, severity: 'warning', message: 'the block "a" opened here is never closed, so it runs to the end of the file, as keepalived reads it; add a "}"' }
    ])
    expect(parseStatements('a 1\n}\n').issues).toEqual([{ line: 2, severity: 'warning', message: 'a "}" without a matching "{" is ignored, as keepalived does; remove it' }])
    expect(parseStatements('a "open\nb 2').issues).toEqual([{ line: 1, message: 'unterminated double quote; close the string on the same line' }])
    expect(parseStatements('{ a }').issues[0]?.message).toMatch(/without a keyword/)
  })
})

describe('parseKeepalivedConf', () => {
  it('reads a realistic cloud HAVIP keepalived.conf (unicast peers, track_script, notify)', () => {
    const r = parseKeepalivedConf(readFileSync(FIXTURE, 'utf8'))
    expect(errors(r.issues)).toEqual([])
    expect(r.config).toEqual({
      instances: [
        {
          name: 'VI_1',
          interface: 'eth0',
          vrid: 51,
          version: 2,
          priority: 100,
          advertIntervalMs: 1000,
          preempt: false,
          preemptDelayMs: 0,
          unicastSrcIp: '198.51.100.11',
          unicastPeers: ['198.51.100.12'],
          auth: { type: 'PASS', password: '1111' },
          vips: [{ address: '198.51.100.100', prefix: 24, dev: 'eth0', label: 'eth0:vip' }],
          trackInterfaces: [],
          trackScripts: [{ name: 'chk_nginx' }],
          notify: {
            master: ['/etc/keepalived/notify.sh', 'master'],
            backup: ['/etc/keepalived/notify.sh', 'backup'],
            fault: ['/etc/keepalived/notify.sh', 'fault'],
            // global_defs script_user root applies to every hook and script
            users: { master: { user: 'root' }, backup: { user: 'root' }, fault: { user: 'root' } }
          },
          garp: { masterDelayMs: 1000, masterRepeat: 5, masterRefreshMs: 60000, masterRefreshRepeat: 1, intervalMs: 0 },
          initialState: 'BACKUP'
        }
      ],
      scripts: [{ name: 'chk_nginx', argv: ['/usr/bin/killall', '-0', 'nginx'], intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3, weight: -20, user: { user: 'root' } }],
      transport: 'raw',
      udpPort: 11112,
      controlSocket: '/run/havip/agent.sock'
    })
    // nothing silently dropped: each ignored part is named with its line
    expect(warnings(r.issues).map((i) => [i.line, i.message.split(' is ')[0]])).toEqual([
      [10, 'global_defs: block "notification_email { ... }"'],
      [52, 'block "virtual_server { ... }"']
    ])
  })

  it.skipIf(!existsSync('/usr/sbin/keepalived'))('the fixture is a config Debian keepalived itself accepts', () => {
    // keepalived -t only parses the file and exits; it touches no interface.
    const out = execFileSync('/usr/sbin/keepalived', ['-t', '-l', '-n', '-f', FIXTURE], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] })
    expect(typeof out).toBe('string')
  })

  it('applies global_defs vrrp_version and vrrp_garp_* defaults; instance keywords override them', () => {
    const r = parseKeepalivedConf(
      conf(
        `  advert_int 0.1
  preempt_delay 2.5
  garp_master_repeat 3
  garp_master_refresh_repeat 2`,
        `global_defs {
  vrrp_garp_interval 0.001
  vrrp_version 3
  vrrp_garp_master_delay 2
  vrrp_garp_master_repeat 1
  vrrp_garp_master_refresh 30
  router_id n1
  enable_script_security
}`
      )
    )
    expect(r.issues).toEqual([])
    expect(r.config?.instances[0]).toMatchObject({
      version: 3,
      advertIntervalMs: 100,
      preemptDelayMs: 2500,
      garp: { masterDelayMs: 2000, masterRepeat: 3, masterRefreshMs: 30000, masterRefreshRepeat: 2, intervalMs: 1 }
    })
  })

  it('reads tracking with weights and notify commands with quoting', () => {
    const r = parseKeepalivedConf(
      conf(
        `  track_interface {
    eth1
    eth2 weight -30
  }
  track_script {
    chk_a
    chk_b weight 10
  }
  notify "/usr/local/bin/notify 'two words'"
  notify_stop /usr/local/bin/stopped`,
        `vrrp_script chk_a {
  script "/bin/sh -c 'pgrep -x nginx'"
}
vrrp_script chk_b {
  script /usr/bin/true
  interval 0.5
  weight 5
}`
      )
    )
    expect(r.issues).toEqual([])
    expect(r.config?.instances[0]).toMatchObject({
      trackInterfaces: [{ name: 'eth1' }, { name: 'eth2', weight: -30 }],
      trackScripts: [{ name: 'chk_a' }, { name: 'chk_b', weight: 10 }],
      notify: { generic: ['/usr/local/bin/notify', 'two words'], stop: ['/usr/local/bin/stopped'] }
    })
    expect(r.config?.scripts).toEqual([
      { name: 'chk_a', argv: ['/bin/sh', '-c', 'pgrep -x nginx'], intervalMs: 1000, timeoutMs: 1000, rise: 1, fall: 1, weight: 0 },
      { name: 'chk_b', argv: ['/usr/bin/true'], intervalMs: 500, timeoutMs: 500, rise: 1, fall: 1, weight: 5 }
    ])
  })

  it('warns by name and line about everything it does not support', () => {
    const text = conf(
      `  dont_track_primary
  virtual_routes {
    198.51.100.0/24 via 198.51.100.1
  }
  notify_master "/bin/m" nobody
  track_script {
    chk weight 5 reverse
  }
  unicast_peer {
    198.51.100.12 min_ttl 250
  }`,
      `$IF=eth0
vrrp_sync_group G1 {
  group { VI_1 }
}
vrrp_script chk {
  script /bin/true
  user nobody
}
include /etc/keepalived/other.conf`
    )
    const r = parseKeepalivedConf(text)
    expect(errors(r.issues)).toEqual([])
    const lines = text.split('\n')
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1
    const w = warnings(r.issues)
    const expectWarn = (needle: string, text: string) =>
      expect(w, `${needle} -> ${JSON.stringify(w)}`).toContainEqual(expect.objectContaining({ line: lineOf(needle), message: expect.stringContaining(text) }))
    expectWarn('$IF', 'keepalived variables and conditional lines are not supported')
    expectWarn('vrrp_sync_group', 'block "vrrp_sync_group { ... }" is not supported')
    expectWarn('include', 'include /etc/keepalived/other.conf was not followed')
    expectWarn('dont_track_primary', 'vrrp_instance VI_1: keyword "dont_track_primary" is not supported')
    expectWarn('virtual_routes', 'block "virtual_routes { ... }" is not supported')
    // script users are honoured, not warned about (they are checked on the node by check-config)
    expect(r.config?.scripts[0]?.user).toEqual({ user: 'nobody' })
    expect(r.config?.instances[0]?.notify.users).toEqual({ master: { user: 'nobody' } })
    expectWarn('reverse', '"reverse" is not supported')
    expectWarn('min_ttl', 'options "min_ttl 250" are not supported')
  })

  it('errors name the keepalived keyword, the instance and the line', () => {
    const cases: [string, string, string][] = [
      ['  virtual_router_id 300', 'virtual_router_id 300', 'vrrp_instance VI_1: virtual_router_id: 300 is out of range 1..255; choose a router id unique'],
      ['  authentication {\n    auth_type AH\n    auth_pass x\n  }', 'authentication', 'auth_type AH (IPsec) is not supported'],
      ['  unicast_src_ip 198.51.100.100', '198.51.100.100/24', "vrrp_instance VI_1: virtual_ipaddress: 198.51.100.100 is also the unicast_src_ip; the heartbeat source must be the node's own address"],
      ['  virtual_ipaddress {\n    198.51.100.101 label vip\n  }', 'label vip', 'vrrp_instance VI_1: virtual_ipaddress label: "vip" must be the device name or start with "eth0:"'],
      ['  unicast_peer 198.51.100.12', 'unicast_peer', 'unicast_peer needs a block'],
      ['  unicast_peer {\n    198.51.100.300\n  }', 'unicast_peer', 'unicast_peer lists no usable peer address; keepalived would fall back to multicast'],
      ['  notify_master "/bin/x \'open"', 'notify_master', 'unterminated single quote']
    ]
    for (const [body, needle, text] of cases) {
      const full = conf(body)
      const r = parseKeepalivedConf(full)
      const line = full.split('\n').findIndex((l) => l.includes(needle)) + 1
      expect(r.config, body).toBeUndefined()
      expect(errors(r.issues), `${body} -> ${JSON.stringify(r.issues)}`).toContainEqual(expect.objectContaining({ line, message: expect.stringContaining(text) }))
    }
  })

  it('warns and carries on where keepalived 2.2.7 warns and carries on, reading the value the way keepalived does', () => {
    type Inst = NonNullable<ReturnType<typeof parseKeepalivedConf>['config']>['instances'][number]
    const cases: [string, string, string, (i: Inst) => unknown, unknown][] = [
      ['  priority high', 'priority high', 'priority "high" is not a whole number; the line is ignored', (i) => i.priority, 100],
      ['  priority 300', 'priority 300', 'priority 300 is out of range 1..255; the line is ignored and the default priority 100 is used', (i) => i.priority, 100],
      ['  advert_int 1.5', 'advert_int 1.5', 'advert_int 1.5 s must be whole seconds in VRRPv2 (RFC 3768 §5.3.7); rounded to 2 s', (i) => i.advertIntervalMs, 2000],
      ['  advert_int 0.4', 'advert_int 0.4', 'rounded to 1 s', (i) => i.advertIntervalMs, 1000],
      ['  advert_int fast', 'advert_int fast', 'advert_int "fast" is not a number of seconds', (i) => i.advertIntervalMs, 1000],
      ['  version 4', 'version 4', 'version 4 is not a VRRP version (2 or 3); the line is ignored and version 2 is used', (i) => i.version, 2],
      ['  state ACTIVE', 'state ACTIVE', 'state "ACTIVE" is not MASTER or BACKUP; read as BACKUP', (i) => i.initialState, 'BACKUP'],
      ['  authentication {\n    auth_type PASS\n  }', 'authentication', 'authentication has no auth_pass, so it is ignored', (i) => i.auth, undefined],
      ['  version 3\n  authentication {\n    auth_type PASS\n    auth_pass x\n  }', 'authentication', 'authentication is ignored: VRRP version 3 has none', (i) => i.auth, undefined],
      ['  virtual_ipaddress {\n    198.51.100.101/abc\n  }', '198.51.100.101/abc', 'the prefix "abc" is not a prefix length 0..32; /32 is used', (i) => i.vips[1], { address: '198.51.100.101', prefix: 32 }],
      ['  virtual_ipaddress {\n    198.51.100.300\n  }', '198.51.100.300', '"198.51.100.300" is not an IPv4 address; skipped', (i) => i.vips.length, 1],
      ['  virtual_ipaddress {\n    198.51.100.100/24\n  }', '    198.51.100.100/24\n  }', 'is listed twice; the second is ignored', (i) => i.vips.length, 1],
      ['  unicast_peer {\n    198.51.100.12\n    198.51.100.12\n  }', '    198.51.100.12\n    198.51.100.12', 'is listed twice', (i) => i.unicastPeers, ['198.51.100.12']],
      ['  unicast_peer {\n    198.51.100.300\n    198.51.100.12\n  }', '198.51.100.300', 'is not an IPv4 address; skipped', (i) => i.unicastPeers, ['198.51.100.12']],
      ['  track_script {\n    missing\n  }', 'missing', 'track_script missing: no vrrp_script with that name', (i) => i.trackScripts, []],
      ['  track_interface {\n    eth1 weight x\n  }', 'weight x', 'weight "x" is not a whole number in -253..253; this entry is ignored', (i) => i.trackInterfaces, []],
      ['  preempt_delay 2000', 'preempt_delay', 'preempt_delay 2000 is out of range 0..1000 seconds', (i) => i.preemptDelayMs, 0],
      ['  state MASTER\n  nopreempt', 'nopreempt', 'nopreempt does not work with state MASTER, so it is cleared', (i) => i.preempt, true]
    ]
    for (const [body, needle, text, get, want] of cases) {
      const full = conf(body)
      const r = parseKeepalivedConf(full)
      // the needle's first line, or (for a repeated VIP) the line of its second occurrence
      const line = needle.includes('\n') ? full.lastIndexOf(needle.split('\n')[0] as string) : -1
      const at = line >= 0 ? full.slice(0, line).split('\n').length : full.split('\n').findIndex((l) => l.includes(needle)) + 1
      expect(errors(r.issues), `${body} -> ${JSON.stringify(r.issues)}`).toEqual([])
      expect(warnings(r.issues), body).toContainEqual(expect.objectContaining({ line: at, message: expect.stringContaining(text) }))
      expect(get(r.config?.instances[0] as Inst), body).toEqual(want)
    }
  })

  it('reports missing essentials and broken blocks', () => {
    const noIf = parseKeepalivedConf('vrrp_instance VI_1 {\n  virtual_router_id 5\n}\n')
    expect(errors(noIf.issues).map((i) => i.message)).toEqual(['vrrp_instance VI_1: has no "interface"; add the NIC that carries the VIP, e.g. "interface eth0"'])
    const noVrid = parseKeepalivedConf('vrrp_instance VI_1 {\n  interface eth0\n}\n')
    expect(errors(noVrid.issues)[0]?.message).toMatch(/has no "virtual_router_id"/)
    expect(errors(parseKeepalivedConf('vrrp_instance {\n}\n').issues)[0]?.message).toMatch(/vrrp_instance needs a name/)
    expect(errors(parseKeepalivedConf('vrrp_instance VI_1\n').issues)[0]?.message).toMatch(/needs a block/)
    expect(warnings(parseKeepalivedConf('vrrp_script chk {\n interval 1\n}\n' + conf('')).issues)[0]?.message).toMatch(/vrrp_script chk: has no "script" line, so it is removed, as keepalived does/)
    expect(errors(parseKeepalivedConf('').issues)[0]?.message).toMatch(/no VRRP instance is configured/)
    const dupVrid = parseKeepalivedConf(conf('') + conf('').replace('VI_1', 'VI_2').replace('198.51.100.100', '198.51.100.101'))
    expect(errors(dupVrid.issues)[0]).toMatchObject({ line: 14, message: expect.stringContaining('vrrp_instance VI_2: virtual_router_id: router id 51 is already used by instance "VI_1" on eth0') })
    expect(warnings(parseKeepalivedConf(conf('', 'global_defs {\n vrrp_version 5\n}')).issues)[0]?.message).toMatch(/vrrp_version 5 is not a VRRP version \(2 or 3\); the line is ignored and version 2 is used/)
  })

  it('follows include through the resolver and names the included file in messages', () => {
    const r = parseKeepalivedConf('include conf.d/*.conf\n', {
      includeResolver: (pattern) => {
        expect(pattern).toBe('conf.d/*.conf')
        return [{ name: 'conf.d/vi1.conf', text: conf('  bogus_keyword 1') }]
      }
    })
    expect(r.config?.instances[0]?.name).toBe('VI_1')
    expect(warnings(r.issues)).toEqual([{ severity: 'warning', message: 'conf.d/vi1.conf line 9: vrrp_instance VI_1: keyword "bogus_keyword" is not supported by havip-agent and is ignored' }])
  })
})

describe('loadConfig and formatIssues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'havip-core-config-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('loads JSON and keepalived.conf files, following include globs relative to the file', () => {
    const json = join(dir, 'agent.json')
    writeFileSync(json, JSON.stringify({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 7, vips: ['198.51.100.100/24'] }] }))
    expect(loadConfig({ configPath: json }).config?.instances[0]?.vrid).toBe(7)

    mkdirSync(join(dir, 'conf.d'))
    writeFileSync(join(dir, 'conf.d', 'a.conf'), conf(''))
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'vrrp_script chk {\n script /bin/true\n}\n')
    writeFileSync(join(dir, 'conf.d', 'skip.txt'), 'garbage {')
    const main = join(dir, 'keepalived.conf')
    writeFileSync(main, 'include conf.d/*.conf\n')
    const r = loadConfig({ keepalivedConfPath: main })
    expect(r.config?.instances.map((i) => i.name)).toEqual(['VI_1'])
    expect(r.config?.scripts.map((s) => s.name)).toEqual(['chk'])
  })

  it('turns unreadable files into issues', () => {
    const r = loadConfig({ configPath: join(dir, 'missing.json') })
    expect(r.issues).toEqual([{ severity: 'error', message: `cannot read config file ${join(dir, 'missing.json')}: it does not exist; check the path` }])
    expect(loadConfig({ keepalivedConfPath: dir }).issues[0]?.message).toMatch(/it is a directory/)
    expect(loadConfig({}).issues[0]?.message).toMatch(/no config given/)
    expect(loadConfig({ configPath: 'a', keepalivedConfPath: 'b' }).issues[0]?.message).toMatch(/use exactly one/)
  })

  it('formats errors first, with line numbers', () => {
    const text = formatIssues([
      { severity: 'warning', message: 'w', line: 3 },
      { severity: 'error', message: 'vrrp_instance VI_1: priority "x" is not a whole number', line: 12 },
      { severity: 'error', message: 'e2', path: 'instances[0].vrid' }
    ])
    expect(text).toBe('error: line 12: vrrp_instance VI_1: priority "x" is not a whole number\nerror: e2\nwarning: line 3: w')
  })
})
