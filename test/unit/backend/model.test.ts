// Runtime validation of connection targets: hostile hosts and user names are refused with
// messages that name the field and say what is allowed.
import { describe, expect, it } from 'vitest'
import { HostKeyInfoSchema, NodeFactsSchema, SshTargetSchema, isHostname, isIPv4, isIPv6 } from '../../../electron/api/model'

const base = { host: '198.51.100.11', username: 'root', auth: { kind: 'password', password: 'pw' } }

function issues(input: unknown): string[] {
  const r = SshTargetSchema.safeParse(input)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('SshTargetSchema', () => {
  it('accepts ordinary targets and applies the default port', () => {
    for (const host of ['n1', 'node-1.example.org', 'NODE1.Example.ORG.', '198.51.100.11', '203.0.113.254', '::1', '2001:db8::1', 'fe80::1%eth0', '::ffff:192.0.2.1']) {
      const r = SshTargetSchema.safeParse({ ...base, host })
      expect(r.success, `${host}: ${issues({ ...base, host }).join()}`).toBe(true)
      if (r.success) expect(r.data.port).toBe(22)
    }
    expect(SshTargetSchema.parse({ ...base, host: '  n1  ' }).host).toBe('n1')
    expect(SshTargetSchema.parse({ ...base, port: '2222' }).port).toBe(2222)
  })

  it('rejects hostile or malformed hosts, naming the field', () => {
    const hostile = [
      '',
      ' ',
      '-oProxyCommand=touch /tmp/pwned',
      '-p2222',
      'a;b',
      'n1 && id',
      '$(id)',
      '`id`',
      'host name',
      'n1\nn2',
      'a..b',
      '.n1',
      'n1-',
      '-n1',
      'x'.repeat(254),
      `${'a'.repeat(64)}.example`,
      '256.1.1.1',
      '01.2.3.4',
      '198.51.100',
      '1.2.3.4.5',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      'fe80::1%eth0;id',
      'user@host',
      'host:22',
      'ü.example',
      'n1/../x'
    ]
    for (const host of hostile) {
      const msgs = issues({ ...base, host })
      expect(msgs.length, `should reject ${JSON.stringify(host)}`).toBeGreaterThan(0)
      expect(msgs[0]).toMatch(/^host: /)
    }
    expect(issues({ ...base, host: 'a;b' })[0]).toMatch(/not a valid host name or IP address/)
  })

  it('accepts ordinary user names, including Windows forms', () => {
    for (const username of ['root', 'havipadm', 'svc.ops-1', '_svc', 'Administrator', 'CORP\\admin', 'admin@corp.example']) {
      expect(issues({ ...base, username }), username).toEqual([])
    }
  })

  it('rejects hostile user names with a clear message', () => {
    for (const username of ['', '-root', '-oProxyCommand=x', 'root;id', 'a b', '$(id)', '`id`', 'root\n', 'ro"ot', "ro'ot", 'üser', '1abc\\', 'x'.repeat(129), '../root']) {
      const msgs = issues({ ...base, username })
      expect(msgs.length, `should reject ${JSON.stringify(username)}`).toBeGreaterThan(0)
      expect(msgs[0]).toMatch(/^username: /)
    }
    expect(issues({ ...base, username: 'root;id' })[0]).toMatch(/not a valid user name/)
  })

  it('checks the port range', () => {
    expect(issues({ ...base, port: 0 })).toEqual(['port: port must be 1..65535'])
    expect(issues({ ...base, port: 65536 })).toEqual(['port: port must be 1..65535'])
    expect(issues({ ...base, port: 22.5 })[0]).toMatch(/whole number/)
    expect(issues({ ...base, port: 'ssh' })[0]).toMatch(/^port: /)
  })

  it('checks the auth variants', () => {
    expect(issues({ ...base, auth: { kind: 'password', password: '' } })).toEqual(['auth.password: enter the password'])
    expect(issues({ ...base, auth: { kind: 'key', privateKeyPath: '' } })[0]).toMatch(/^auth.privateKeyPath: /)
    expect(issues({ ...base, auth: { kind: 'agent' } })).toEqual([])
    expect(issues({ ...base, auth: { kind: 'telepathy' } })[0]).toMatch(/^auth.kind: /)
  })
})

describe('address helpers', () => {
  it('classify addresses', () => {
    expect(isIPv4('198.51.100.1')).toBe(true)
    expect(isIPv4('198.51.100.01')).toBe(false)
    expect(isIPv6('2001:db8:0:0:0:0:0:1')).toBe(true)
    expect(isIPv6('2001:db8::g')).toBe(false)
    expect(isHostname('n1')).toBe(true)
    expect(isHostname('1.2.3.999')).toBe(false)
  })
})

describe('other schemas', () => {
  it('HostKeyInfo and NodeFacts parse well-formed values and reject wrong ones', () => {
    expect(HostKeyInfoSchema.safeParse({ host: 'n1', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x' }).success).toBe(true)
    expect(HostKeyInfoSchema.safeParse({ host: 'n1', port: 0, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x' }).success).toBe(false)
    const facts = {
      hostname: 'n1',
      os: { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
      kernel: '6.1.0',
      arch: 'x86_64',
      nodeVersion: null,
      interfaces: [{ name: 'eth0', mtu: 1500, state: 'UP', addresses: [{ family: 'inet', address: '198.51.100.11', prefix: 24 }] }],
      defaultRoute: null,
      platform: 'linux',
      collectedAt: new Date().toISOString()
    }
    expect(NodeFactsSchema.safeParse(facts).success).toBe(true)
    expect(NodeFactsSchema.safeParse({ ...facts, platform: 'macos' }).success).toBe(false)
  })
})
