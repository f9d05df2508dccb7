import { describe, expect, it } from 'vitest'
import type { ValidationReport } from '../../../electron/api/validation'
import { formatReport } from '../../../electron/cli/validate-format'

const report: ValidationReport = {
  runId: 'r1',
  appVersion: '0.1.0',
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:00:04.000Z',
  cancelled: false,
  settings: { vip: '198.51.100.200/24', advertIntervalMs: 1000, mode: 'unicast' },
  proposedVrid: 52,
  nodes: [
    { id: 'c1', label: 'root@n1', host: '198.51.100.11', port: 22, username: 'root', facts: { hostname: 'n1', osPrettyName: 'Debian', kernel: '6.1', arch: 'x86_64', nodeVersion: 'v20.1.0', platform: 'linux' } },
    { id: 'root@198.51.100.19:22', label: 'root@198.51.100.19', host: '198.51.100.19', port: 22, username: 'root', facts: null, error: { kind: 'unreachable', message: 'no answer from 198.51.100.19' } }
  ],
  tests: [{ id: 'network.vip-in-subnet', group: 'network', title: 'VIP lies in the subnet', checks: 'x', scope: 'node', needsRoot: false }],
  results: [
    { testId: 'network.vip-in-subnet', nodeId: 'c1', status: 'Success', details: 'fine' },
    { testId: 'network.vip-in-subnet', nodeId: 'root@198.51.100.19:22', status: 'Failed', details: 'node unreachable', remediation: 'start sshd' }
  ],
  summary: { success: 1, warning: 0, failed: 1, notRun: 0, overall: 'Failed' }
}

describe('havip validate: the text report', () => {
  it('names each node by hostname (or address when unreachable), lists findings with what to do, and ends with the verdict', () => {
    const text = formatReport(report)
    expect(text).toContain('n1=ok')
    expect(text).toContain('198.51.100.19=FAIL')
    expect(text).toContain('FAIL network.vip-in-subnet on 198.51.100.19: node unreachable\n      what to do: start sshd')
    expect(text).toContain('Proposed free VRID: 52')
    expect(text.trim().split('\n').pop()).toBe('Result: Failed (1 success, 0 warning, 1 failed, 0 not run)')
  })
})
