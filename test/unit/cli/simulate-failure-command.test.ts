// `havip simulate-failure ROLE [--for 30s]`: the duration as a person writes it, its bounds as a
// usage error before anything is sent (through the real CLI entry, exit 1 like every usage error),
// and the result as printed: the new owner, the outage and how it was measured, the recovery and
// what the failback policy does after.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseDrillDuration } from '../../../electron/cli/console-command'
import { formatSimulateFailure } from '../../../electron/cli/console-format'
import { runHavip } from '../../support/run-cli'

const root = mkdtempSync(join(tmpdir(), 'havip-simfail-cli-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const cli = (...argv: string[]): ReturnType<typeof runHavip> => runHavip(join(root, 'data'), ...argv)

describe('havip simulate-failure', () => {
  it('reads --for as seconds, minutes or milliseconds, within 1s..10m', () => {
    expect(['30s', '30', '2m', '1m30s', '1500ms', '1.5s', '10m', '1s'].map(parseDrillDuration)).toEqual([30_000, 30_000, 120_000, 90_000, 1500, 1500, 600_000, 1000])
    expect(() => parseDrillDuration('500ms')).toThrow(/--for 500ms: a simulated failure lasts from 1s to 10m; for longer maintenance pause the node instead/)
    expect(() => parseDrillDuration('11m')).toThrow(/lasts from 1s to 10m/)
    expect(() => parseDrillDuration('soon')).toThrow(/--for soon: give a duration like 30s, 2m, 1m30s or 1500ms/)
    expect(() => parseDrillDuration('')).toThrow(/give a duration like/)
  })

  it('a bad --for or a missing role is a usage error before any cluster is looked up', async () => {
    const bad = await cli('simulate-failure', 'vip1', '--for', '2h')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--for 2h: give a duration like 30s/)
    const none = await cli('simulate-failure')
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/simulate-failure/)
    const help = await cli('help')
    expect(help.stdout).toMatch(/simulate-failure ROLE \[--for 30s\] \[--cluster NAME\]/)
  })

  it('prints who failed, who took over, the outage and how it was measured, and what happens after', () => {
    const text = formatSimulateFailure({
      role: 'vip1', failedNode: 'n1', newOwner: 'n2', outageMs: 620,
      measuredBy: "by the agents' transition times (each node's own clock): n1 left master at 2026-12-01T22:07:30.100Z, n2 became master at 2026-12-01T22:07:30.720Z",
      recoversAt: '2026-12-01T22:07:35.000Z',
      failback: 'failback "never": n1 rejoins as a backup and the role stays on n2 until someone moves it',
      message: 'unused here'
    })
    expect(text.split('\n')).toEqual([
      'Simulated failure of n1: role vip1 failed over to n2.',
      "  outage: 620 ms (by the agents' transition times (each node's own clock): n1 left master at 2026-12-01T22:07:30.100Z, n2 became master at 2026-12-01T22:07:30.720Z)",
      '  n1 recovers at 2026-12-01T22:07:35.000Z; failback "never": n1 rejoins as a backup and the role stays on n2 until someone moves it.'
    ])
  })
})
