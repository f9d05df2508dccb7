// The validation contract's schemas: bad input is refused with a message that says what is
// allowed (issue 10: a VIP that is not an address, a VRID out of range, an interface name with
// shell metacharacters), defaults apply, and a full report passes its own schema.
import { describe, expect, it } from 'vitest'
import {
  ValidationProgressSchema,
  ValidationReportSchema,
  ValidationRequestSchema,
  ValidationTestSchema,
  type ValidationReport
} from '../../../electron/api/contract'

const node1 = { connectionId: 'c-0123456789ab' }
const node2 = { target: { host: '198.51.100.12', username: 'admin', auth: { kind: 'agent' } }, interface: 'eth0' }

function firstIssue(input: unknown): { path: string; message: string } | undefined {
  const r = ValidationRequestSchema.safeParse(input)
  if (r.success) return undefined
  const i = r.error.issues[0]!
  return { path: i.path.join('.'), message: i.message }
}

describe('validation request', () => {
  it('accepts saved connections and SSH targets, and fills in the defaults', () => {
    const r = ValidationRequestSchema.parse({ nodes: [node1, node2], vip: '198.51.100.50/24' })
    expect(r).toMatchObject({ vip: '198.51.100.50/24', advertIntervalMs: 1000, mode: 'unicast' })
    expect(r.vrid).toBeUndefined()
    expect(r.nodes[1]).toMatchObject({ target: { port: 22 }, interface: 'eth0' })
  })

  it.each([
    ['198.51.100.50', 'prefix length'],
    ['198.51.100.500/24', 'IPv4 address'],
    ['vip.example.org/24', 'IPv4 address'],
    ['198.51.100.50/33', '1..32'],
    ['198.51.100.50/24; reboot', 'at most 18']
  ])('refuses the VIP %s and says what a VIP looks like', (vip, says) => {
    const issue = firstIssue({ nodes: [node1], vip })
    expect(issue?.path).toBe('vip')
    expect(issue?.message).toContain(says)
  })

  it.each([0, 256, 1.5])('refuses the VRID %s with the allowed range', (vrid) => {
    const issue = firstIssue({ nodes: [node1], vip: '198.51.100.50/24', vrid })
    expect(issue).toMatchObject({ path: 'vrid' })
    expect(issue?.message).toMatch(/1\.\.255|whole number/)
  })

  // The request does not know a node's platform yet, so it refuses only what no platform allows
  // (control characters, what Windows refuses in an adapter name, padding, over 256 characters);
  // a Windows adapter name asked of a Linux node is refused there (test/unit/api/interface-name.test.ts).
  it.each(['eth0\nreboot', 'eth0\treboot', 'a|b', 'C:\\x', 'a/b', ' eth0', 'x'.repeat(257)])('refuses the interface name %j', (name) => {
    const issue = firstIssue({ nodes: [{ ...node1, interface: name }], vip: '198.51.100.50/24' })
    expect(issue?.path.startsWith('nodes.0')).toBe(true)
  })

  it('refuses a node listed twice, an advert interval VRRP cannot carry, no nodes, and an unknown test id', () => {
    expect(firstIssue({ nodes: [node1, node1], vip: '198.51.100.50/24' })).toMatchObject({ path: 'nodes.1' })
    expect(firstIssue({ nodes: [node1], vip: '198.51.100.50/24', advertIntervalMs: 1005 })?.path).toBe('advertIntervalMs')
    expect(firstIssue({ nodes: [], vip: '198.51.100.50/24' })?.message).toBe('choose at least one node')
    expect(firstIssue({ nodes: [node1], vip: '198.51.100.50/24', tests: ['vip-in-subnet'] })?.path).toBe('tests.0')
  })
})

describe('catalogue, progress and report', () => {
  const test = {
    id: 'network.vip-in-subnet',
    group: 'network',
    title: "VIP lies in the interface's subnet",
    checks: "The VIP is inside the IPv4 subnet of the chosen interface on every node and is not a node's own address.",
    scope: 'cluster',
    needsRoot: false
  } as const

  it('a test id starts with its group', () => {
    expect(ValidationTestSchema.safeParse(test).success).toBe(true)
    expect(ValidationTestSchema.safeParse({ ...test, id: 'Network.VIP' }).success).toBe(false)
    expect(ValidationTestSchema.safeParse({ ...test, title: 'x'.repeat(121) }).success).toBe(false)
  })

  it('progress is Running or a final status', () => {
    const p = { runId: 'v-20261201-183000-ab12', testId: test.id, nodeId: node1.connectionId }
    expect(ValidationProgressSchema.safeParse({ ...p, status: 'Running' }).success).toBe(true)
    expect(ValidationProgressSchema.safeParse({ ...p, status: 'Pending' }).success).toBe(false)
  })

  it('a full report passes its schema; an oversized detail does not', () => {
    const report: ValidationReport = {
      runId: 'v-20261201-183000-ab12',
      appVersion: '0.1.0',
      startedAt: '2026-12-01T18:30:00.000Z',
      finishedAt: '2026-12-01T18:30:05.000Z',
      cancelled: false,
      settings: { vip: '198.51.100.50/24', advertIntervalMs: 1000, mode: 'unicast' },
      proposedVrid: 51,
      nodes: [
        {
          id: node1.connectionId,
          label: 'n1',
          host: '198.51.100.11',
          port: 22,
          username: 'admin',
          facts: { hostname: 'n1', osPrettyName: 'Debian GNU/Linux 12', kernel: '6.1.0', arch: 'x86_64', nodeVersion: null, platform: 'linux', interface: 'eth0', ipv4: '198.51.100.11/24' }
        },
        {
          id: 'admin@198.51.100.12:22',
          label: 'admin@198.51.100.12',
          host: '198.51.100.12',
          port: 22,
          username: 'admin',
          facts: null,
          error: { kind: 'unreachable', message: 'No route to 198.51.100.12.', node: '198.51.100.12' }
        }
      ],
      tests: [test],
      results: [
        { testId: test.id, nodeId: node1.connectionId, status: 'Success', details: 'eth0 has 198.51.100.11/24; the VIP is inside it.', evidence: [{ label: 'eth0', value: '198.51.100.11/24' }] },
        { testId: test.id, nodeId: 'admin@198.51.100.12:22', status: 'Failed', details: 'Not reachable.', remediation: 'Check that the node is up.' }
      ],
      summary: { success: 1, warning: 0, failed: 1, notRun: 0, overall: 'Failed' },
      files: { html: '/data/reports/v-20261201-183000-ab12.html', json: '/data/reports/v-20261201-183000-ab12.json' }
    }
    expect(ValidationReportSchema.parse(report)).toEqual(report)
    const long = { ...report, results: [{ ...report.results[0]!, details: 'x'.repeat(4001) }] }
    expect(ValidationReportSchema.safeParse(long).success).toBe(false)
  })
})
