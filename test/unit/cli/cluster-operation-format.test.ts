// The cluster commands' own text: the operation summary (masters, leftovers, the rollback offered)
// and --failback's forms.
import { describe, expect, it } from 'vitest'
import type { OperationReport } from '../../../electron/api/cluster'
import { parseArgs, UsageError } from '../../../electron/cli/args'
import { failbackOption } from '../../../electron/cli/cluster-change-commands'
import { formatOperation } from '../../../electron/cli/cluster-operation'
import { findCommand } from '../../../electron/cli/commands'

const base: OperationReport = {
  id: 'op-0123456789ab',
  kind: 'create',
  clusterId: 'cl-0123456789abcdef',
  clusterName: 'web',
  startedAt: '2026-12-01T22:00:00.000Z',
  finishedAt: '2026-12-01T22:00:12.000Z',
  outcome: 'succeeded',
  fromGeneration: 0,
  toGeneration: 1,
  steps: [],
  masters: [{ role: 'vip1', node: 'n3', vipAnswers: true }],
  leftovers: [],
  rollback: 'none',
  validation: { runId: '20261201T215900Z-abcdef', overall: 'Warning' }
}

describe('havip cluster summaries', () => {
  it('a succeeded create names the master, the answering VIP and the validation run', () => {
    const t = formatOperation(base)
    expect(t).toContain('create of cluster web (cl-0123456789abcdef): SUCCEEDED, generation 0 → 1, operation op-0123456789ab')
    expect(t).toContain('Validation: run 20261201T215900Z-abcdef (Warning)')
    expect(t).toContain('Role vip1: master n3, VIP answers')
    expect(t).not.toContain('Rollback')
  })

  it('a failed one says the error, what is left on which node, and the rollback command', () => {
    const t = formatOperation({
      ...base,
      outcome: 'failed',
      toGeneration: 1,
      masters: [],
      error: { kind: 'disconnected', message: 'n2: the connection was lost', hint: 'Check the node.' },
      leftovers: [{ node: 'n2', what: 'agent release 1.0.0 under /opt/havip/releases.' }],
      rollback: 'remove-everything',
      validation: { skipReason: 'lab' }
    })
    expect(t).toContain('FAILED')
    expect(t).toContain('Validation skipped: lab')
    expect(t).toContain('Error: n2: the connection was lost\n  what to do: Check the node.')
    expect(t).toContain('Left on the nodes:\n  n2: agent release 1.0.0 under /opt/havip/releases.')
    expect(t).toContain('havip cluster rollback op-0123456789ab')
  })
})

describe('--failback', () => {
  const spec = findCommand(['cluster', 'role', 'add'])!
  const parse = (v: string) => failbackOption(parseArgs(['--failback', v], spec.options, 'c'))
  it('takes never, immediately and an hour window that may wrap midnight', () => {
    expect(parse('never')).toEqual({ policy: 'never' })
    expect(parse('immediately')).toEqual({ policy: 'immediately' })
    expect(parse('22-6')).toEqual({ policy: 'window', startHour: 22, endHour: 6 })
  })
  it('refuses anything else, saying the forms', () => {
    expect(() => parse('sometimes')).toThrow(UsageError)
    expect(() => parse('24-2')).toThrow(/never, immediately, or a window of hours START-END/)
    expect(() => parse('5-5')).toThrow(/START-END/)
  })
})
