import { describe, expect, it } from 'vitest'
import { parseJsonConfig } from '../../../agent/config/json-config'
import type { ConfigIssue } from '../../../agent/config/model'

const base = () => ({
  instances: [
    {
      name: 'VI_1',
      interface: 'eth0',
      vrid: 51,
      priority: 150,
      unicastSrcIp: '198.51.100.11',
      unicastPeers: ['198.51.100.12'],
      vips: [{ address: '198.51.100.100', prefix: 24 }]
    }
  ]
})
type Base = ReturnType<typeof base> & Record<string, unknown>

function parse(mutate: (c: Base & { instances: Record<string, unknown>[] }) => void = () => undefined) {
  const c = base() as Base & { instances: Record<string, unknown>[] }
  mutate(c)
  return parseJsonConfig(JSON.stringify(c))
}
const errors = (issues: ConfigIssue[]) => issues.filter((i) => i.severity === 'error')
const warnings = (issues: ConfigIssue[]) => issues.filter((i) => i.severity === 'warning')

describe('parseJsonConfig', () => {
  it('fills keepalived defaults into a minimal config', () => {
    const r = parse()
    expect(r.issues).toEqual([])
    expect(r.config).toEqual({
      instances: [
        {
          name: 'VI_1',
          interface: 'eth0',
          vrid: 51,
          version: 2,
          priority: 150,
          advertIntervalMs: 1000,
          preempt: true,
          preemptDelayMs: 0,
          unicastSrcIp: '198.51.100.11',
          unicastPeers: ['198.51.100.12'],
          vips: [{ address: '198.51.100.100', prefix: 24 }],
          trackInterfaces: [],
          trackScripts: [],
          notify: {},
          garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 }
        }
      ],
      scripts: [],
      transport: 'raw',
      udpPort: 11112,
      controlSocket: '/run/havip/agent.sock'
    })
  })

  it('reads a full config: scripts, tracking, notify, garp, auth, shorthand VIPs', () => {
    const r = parse((c) => {
      Object.assign(c.instances[0] as object, {
        version: 2,
        advertIntervalMs: 2000,
        preempt: false,
        auth: { type: 'PASS', password: 'secret' },
        vips: ['198.51.100.100/24', { address: '203.0.113.5', prefix: 32, dev: 'eth1', label: 'eth1:vip' }],
        trackInterfaces: ['eth1', { name: 'eth2', weight: -30 }],
        trackScripts: [{ name: 'chk', weight: 20 }],
        notify: { master: ['/usr/local/bin/on-master', '--now'], generic: ['/usr/local/bin/notify'] },
        garp: { masterDelayMs: 1000, masterRefreshMs: 60000 },
        initialState: 'BACKUP'
      })
      c.scripts = [{ name: 'chk', argv: ['/usr/bin/pgrep', 'nginx'], intervalMs: 2000, fall: 3 }]
      c.transport = 'raw'
      c.logFile = '/var/log/havip/agent.log'
    })
    expect(errors(r.issues)).toEqual([])
    const i = r.config?.instances[0]
    expect(i?.vips).toEqual([
      { address: '198.51.100.100', prefix: 24 },
      { address: '203.0.113.5', prefix: 32, dev: 'eth1', label: 'eth1:vip' }
    ])
    expect(i?.trackInterfaces).toEqual([{ name: 'eth1' }, { name: 'eth2', weight: -30 }])
    expect(i?.garp).toEqual({ masterDelayMs: 1000, masterRepeat: 5, masterRefreshMs: 60000, masterRefreshRepeat: 1, intervalMs: 0 })
    expect(r.config?.scripts[0]).toEqual({ name: 'chk', argv: ['/usr/bin/pgrep', 'nginx'], intervalMs: 2000, timeoutMs: 2000, rise: 1, fall: 3, weight: 0 })
    expect(r.config?.logFile).toBe('/var/log/havip/agent.log')
  })

  it('rejects text that is not JSON, and a top level that is not an object', () => {
    expect(parseJsonConfig('{ instances: [').issues[0]?.message).toMatch(/^the file is not valid JSON: .*fix the syntax/)
    expect(parseJsonConfig('[]').issues[0]?.message).toBe('(top level): must be an object, got an array')
  })

  it('names the field, the problem and the fix', () => {
    const cases: [string, (c: Base & { instances: Record<string, unknown>[] }) => void, string][] = [
      ['vrid range', (c) => ((c.instances[0] as Record<string, unknown>).vrid = 300), 'instances[0].vrid: 300 is out of range 1..255; choose a router id unique in this network'],
      ['vrid type', (c) => ((c.instances[0] as Record<string, unknown>).vrid = '51'), 'instances[0].vrid: must be a number, got a string ("51")'],
      ['missing instances', (c) => delete (c as Partial<Base>).instances, 'instances: is required'],
      ['missing interface', (c) => delete (c.instances[0] as Record<string, unknown>).interface, 'instances[0].interface: is required'],
      ['priority 0', (c) => ((c.instances[0] as Record<string, unknown>).priority = 0), 'instances[0].priority: 0 is out of range 1..255'],
      ['v2 sub-second', (c) => ((c.instances[0] as Record<string, unknown>).advertIntervalMs = 1500), 'instances[0].advertIntervalMs: 1500 ms cannot be sent in VRRPv2'],
      ['v3 too small', (c) => Object.assign(c.instances[0] as object, { version: 3, advertIntervalMs: 15 }), 'instances[0].advertIntervalMs: 15 ms cannot be sent in VRRPv3'],
      ['bad version', (c) => ((c.instances[0] as Record<string, unknown>).version = 4), 'instances[0].version: 4 is not a VRRP version'],
      ['auth on v3', (c) => Object.assign(c.instances[0] as object, { version: 3, auth: { type: 'PASS', password: 'x' } }), 'instances[0].auth: authentication exists only in VRRPv2'],
      ['auth type', (c) => ((c.instances[0] as Record<string, unknown>).auth = { type: 'AH', password: 'x' }), 'instances[0].auth.type: "AH" is not supported'],
      ['empty password', (c) => ((c.instances[0] as Record<string, unknown>).auth = { password: '' }), 'instances[0].auth.password: is empty'],
      ['vip = src', (c) => ((c.instances[0] as Record<string, unknown>).vips = ['198.51.100.11']), 'the heartbeat source must be the node\'s own address, never the VIP'],
      ['vip = peer', (c) => ((c.instances[0] as Record<string, unknown>).vips = ['198.51.100.12']), 'is also a unicast peer'],
      ['vip not an address', (c) => ((c.instances[0] as Record<string, unknown>).vips = ['198.51.100.300/24']), 'instances[0].vips[0].address: "198.51.100.300" is not an IPv4 address'],
      ['vip prefix', (c) => ((c.instances[0] as Record<string, unknown>).vips = [{ address: '198.51.100.100', prefix: 33 }]), 'instances[0].vips[0].prefix: 33 is out of range 0..32'],
      ['vip bad shorthand', (c) => ((c.instances[0] as Record<string, unknown>).vips = ['198.51.100.100/x']), 'has a bad prefix'],
      ['multicast vip', (c) => ((c.instances[0] as Record<string, unknown>).vips = ['224.0.0.18']), 'cannot be held as a virtual IP'],
      ['duplicate vip', (c) => ((c.instances[0] as Record<string, unknown>).vips = ['198.51.100.100', '198.51.100.100']), 'is listed twice'],
      ['label prefix', (c) => ((c.instances[0] as Record<string, unknown>).vips = [{ address: '198.51.100.100', label: 'vip1' }]), 'must be the device name or start with "eth0:"'],
      ['label length', (c) => ((c.instances[0] as Record<string, unknown>).vips = [{ address: '198.51.100.100', label: 'eth0:averylongname' }]), 'longer than 15 characters'],
      ['peer dup', (c) => ((c.instances[0] as Record<string, unknown>).unicastPeers = ['198.51.100.12', '198.51.100.12']), 'instances[0].unicastPeers[1]: 198.51.100.12 is listed twice'],
      ['peer multicast', (c) => ((c.instances[0] as Record<string, unknown>).unicastPeers = ['224.0.0.18']), 'is a multicast address'],
      ['peer = self', (c) => ((c.instances[0] as Record<string, unknown>).unicastPeers = ['198.51.100.11']), "is this node's own unicast_src_ip"],
      ['peer type', (c) => ((c.instances[0] as Record<string, unknown>).unicastPeers = [12]), 'instances[0].unicastPeers[0]: must be an IPv4 address string'],
      ['src not ip', (c) => ((c.instances[0] as Record<string, unknown>).unicastSrcIp = 'node1'), 'instances[0].unicastSrcIp: "node1" is not an IPv4 address'],
      ['bad name', (c) => ((c.instances[0] as Record<string, unknown>).name = 'VI 1'), 'instances[0].name: "VI 1" is not a usable instance name'],
      ['bad interface', (c) => ((c.instances[0] as Record<string, unknown>).interface = 'eth0/1'), 'is not a Linux interface name'],
      ['unknown script', (c) => ((c.instances[0] as Record<string, unknown>).trackScripts = ['nope']), 'instances[0].trackScripts[0].name: no script named "nope" is defined'],
      ['track weight', (c) => ((c.instances[0] as Record<string, unknown>).trackInterfaces = [{ name: 'eth1', weight: 300 }]), 'instances[0].trackInterfaces[0].weight: 300 is out of range -253..253'],
      ['notify empty', (c) => ((c.instances[0] as Record<string, unknown>).notify = { master: [] }), 'instances[0].notify.master: is an empty command'],
      ['notify string', (c) => ((c.instances[0] as Record<string, unknown>).notify = { master: '/bin/x arg' }), 'instances[0].notify.master: must be an array of strings'],
      ['garp repeat', (c) => ((c.instances[0] as Record<string, unknown>).garp = { masterRepeat: 0 }), 'instances[0].garp.masterRepeat: 0 is out of range 1..255'],
      ['preempt bool', (c) => ((c.instances[0] as Record<string, unknown>).preempt = 'no'), 'instances[0].preempt: must be true or false'],
      ['initial state', (c) => ((c.instances[0] as Record<string, unknown>).initialState = 'ACTIVE'), 'instances[0].initialState: "ACTIVE" is not a state'],
      ['preempt delay', (c) => ((c.instances[0] as Record<string, unknown>).preemptDelayMs = -1), 'instances[0].preemptDelayMs: -1 is out of range'],
      ['no instances', (c) => (c.instances = []), 'instances: no VRRP instance is configured'],
      ['dup names', (c) => c.instances.push({ ...c.instances[0], vrid: 52, vips: ['198.51.100.101'] }), 'instances[1].name: "VI_1" is already the name of instances[0]'],
      ['dup vrid', (c) => c.instances.push({ ...c.instances[0], name: 'VI_2', unicastPeers: [], vips: ['198.51.100.101'] }), 'instances[1].vrid: router id 51 is already used by instance "VI_1" on eth0'],
      ['vip in two', (c) => c.instances.push({ ...c.instances[0], name: 'VI_2', vrid: 52 }), 'is also a VIP of instance "VI_1"'],
      ['transport', (c) => (c.transport = 'tcp'), 'transport: "tcp" is not a transport'],
      ['udp port', (c) => (c.udpPort = 70000), 'udpPort: 70000 is out of range 1..65535'],
      ['socket path', (c) => (c.controlSocket = 'agent.sock'), 'controlSocket: "agent.sock" is not an absolute path'],
      ['script argv', (c) => (c.scripts = [{ name: 'chk', argv: [] }]), 'scripts[0].argv: is an empty command'],
      ['script missing argv', (c) => (c.scripts = [{ name: 'chk' }]), 'scripts[0].argv: is required'],
      ['script fall', (c) => (c.scripts = [{ name: 'chk', argv: ['/bin/true'], fall: 0 }]), 'scripts[0].fall: 0 is out of range 1..1000'],
      ['script dup', (c) => (c.scripts = [{ name: 'chk', argv: ['/bin/true'] }, { name: 'chk', argv: ['/bin/true'] }]), 'scripts[1].name: "chk" is defined twice']
    ]
    for (const [what, mutate, text] of cases) {
      const r = parse(mutate)
      expect(r.config, what).toBeUndefined()
      const messages = errors(r.issues).map((i) => i.message)
      expect(messages.some((m) => m.includes(text)), `${what}: ${JSON.stringify(messages)}`).toBe(true)
    }
  })

  it('errors carry the field path', () => {
    const r = parse((c) => ((c.instances[0] as Record<string, unknown>).priority = 256))
    expect(r.issues).toEqual([expect.objectContaining({ severity: 'error', path: 'instances[0].priority' })])
  })

  it('warns without failing: unknown fields, long password, udp, unused script, nopreempt details', () => {
    const r = parse((c) => {
      Object.assign(c.instances[0] as object, {
        priorty: 10,
        auth: { type: 'PASS', password: 'longpassword' },
        preempt: false,
        preemptDelayMs: 1000,
        initialState: 'MASTER',
        vips: []
      })
      c.transport = 'udp'
      c.scripts = [{ name: 'unused', argv: ['/bin/true'] }]
    })
    expect(errors(r.issues)).toEqual([])
    const w = warnings(r.issues).map((i) => i.message)
    expect(w).toEqual(
      expect.arrayContaining([
        expect.stringContaining('instances[0].priorty: unknown field, ignored; known fields here: name, interface'),
        'instances[0].auth.password: is 12 bytes; only the first 8 are used on the wire, as keepalived does',
        expect.stringContaining('transport: udp carries adverts where raw sockets are unavailable, but keepalived cannot hear it'),
        'scripts[0]: script "unused" is defined but no instance tracks it; it will not run',
        expect.stringContaining('instances[0].preemptDelayMs: has no effect because preempt is off'),
        expect.stringContaining('keepalived ignores nopreempt when the initial state is MASTER'),
        expect.stringContaining('instances[0].vips: no virtual address configured')
      ])
    )
    expect(r.config?.instances[0]?.auth?.password).toBe('longpass')
  })

  it('allows one VRID twice on an interface for unicast instances with disjoint peers (as keepalived)', () => {
    const r = parse((c) => c.instances.push({ ...c.instances[0], name: 'VI_2', unicastPeers: ['198.51.100.13'], vips: ['198.51.100.101'] }))
    expect(errors(r.issues)).toEqual([])
  })

  it('v3 accepts centisecond intervals', () => {
    const r = parse((c) => Object.assign(c.instances[0] as object, { version: 3, advertIntervalMs: 100 }))
    expect(r.config?.instances[0]).toMatchObject({ version: 3, advertIntervalMs: 100 })
  })

  it('reads a failback window (preemptWindow), wrapping midnight included', () => {
    for (const w of [{ startHour: 8, endHour: 18 }, { startHour: 22, endHour: 6 }, { startHour: 0, endHour: 23 }]) {
      const r = parse((c) => void (c.instances[0]!.preemptWindow = w))
      expect(r.issues).toEqual([])
      expect(r.config!.instances[0]!.preemptWindow).toEqual(w)
    }
    expect(parse().config!.instances[0]).not.toHaveProperty('preemptWindow')
  })

  it('checks the failback window: hours 0..23, start != end, preempt on', () => {
    const msgs = (w: unknown, over: Record<string, unknown> = {}) =>
      errors(parse((c) => void Object.assign(c.instances[0]!, { preemptWindow: w, ...over })).issues).map((i) => i.message)
    expect(msgs({ startHour: 24, endHour: 6 })).toEqual([expect.stringMatching(/^instances\[0\]\.preemptWindow\.startHour: 24 is out of range 0\.\.23; local hour/)])
    expect(msgs({ startHour: 8, endHour: 7.5 })).toEqual([expect.stringMatching(/^instances\[0\]\.preemptWindow\.endHour: 7\.5 is not a whole number in range 0\.\.23/)])
    expect(msgs({ startHour: 9, endHour: 9 })).toEqual([expect.stringMatching(/startHour and endHour are both 9: an empty window; for failback at any hour remove preemptWindow, for never set preempt false/)])
    expect(msgs({ startHour: 8, endHour: 18 }, { preempt: false })).toEqual([expect.stringMatching(/^instances\[0\]\.preemptWindow: needs preempt on/)])
    expect(msgs({ startHour: 8 })).toEqual(['instances[0].preemptWindow.endHour: is required'])
    expect(msgs('8-18')).toEqual([expect.stringMatching(/^instances\[0\]\.preemptWindow: must be an object/)])
    const unknown = parse((c) => void (c.instances[0]!.preemptWindow = { startHour: 8, endHour: 18, tz: 'UTC' })).issues
    expect(warnings(unknown).map((i) => i.message)).toEqual([expect.stringContaining('instances[0].preemptWindow.tz: unknown field')])
  })
})
