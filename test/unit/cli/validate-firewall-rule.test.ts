// `havip validate --create-firewall-rule` through the real CLI entry (runCli), over real SSH to
// two replayed Windows nodes (test/support/replayed-windows-node.ts: ssh2 servers on 127.0.0.1
// answering each PowerShell script from its recorded fixture; a replay, not Windows).
// Without the flag the run says how to create the missing rule and exits 2; with it the rule
// the report offers is created on that node only, the test runs again, and the run exits 0.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationReport } from '../../../electron/api/validation'
import { identifyScript } from '../../../electron/backend/platform/windows/runner'
import { runHavip } from '../../support/run-cli'
import { startReplayedWindowsNode, type ReplayedWindowsNode } from '../../support/replayed-windows-node'
import { noRuleThenCreated, SERVER_2022_SECOND_NODE_CASES, windowsFixture } from '../../support/windows-fixtures'

const PASSWORD = 'cli-test-windows-password'
const VIP = `${(windowsFixture('vip-check', 'free').params as { vip: string }).vip}/24`
let dir: string
let passwordFile: string

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-cli-fw-'))
  passwordFile = path.join(dir, 'password')
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 })
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const cli = runHavip

async function pair(): Promise<[ReplayedWindowsNode, ReplayedWindowsNode]> {
  return [
    await startReplayedWindowsNode({ listen: { port: 0 }, password: PASSWORD, cases: noRuleThenCreated() }),
    await startReplayedWindowsNode({ listen: { port: 0 }, password: PASSWORD, cases: SERVER_2022_SECOND_NODE_CASES })
  ]
}

const args = (one: ReplayedWindowsNode, two: ReplayedWindowsNode): string[] => [
  'validate', '--node', `administrator@127.0.0.1:${one.port}`, '--node', `administrator@127.0.0.1:${two.port}`,
  '--password-file', passwordFile, '--trust-new-host-keys', '--vip', VIP, '--test', 'system.windows-firewall-vrrp'
]
const ruleRuns = (n: ReplayedWindowsNode) => n.execs.map((c) => identifyScript(c.split(' '))).filter((r) => r?.name === 'vrrp-firewall-rule')

describe('havip validate --create-firewall-rule (replayed Windows nodes)', () => {
  it('without the flag: says how, changes nothing, exits 2', async () => {
    const [one, two] = await pair()
    try {
      const r = await cli(path.join(dir, 'data-a'), ...args(one, two))
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('has no firewall rule admitting VRRP from 198.51.100.22: run again with --create-firewall-rule to create HAVIP-VRRP-IP112 there.')
      expect(ruleRuns(one)).toEqual([])
      expect(ruleRuns(two)).toEqual([])
    } finally {
      await one.stop()
      await two.stop()
    }
  })

  it('with the flag: creates the offered rule on that node only, runs the test again, exits 0', async () => {
    const [one, two] = await pair()
    try {
      const r = await cli(path.join(dir, 'data-b'), '--json', ...args(one, two), '--create-firewall-rule')
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain('creating the firewall rule "HAVIP Manager: VRRP (IP protocol 112) from cluster peers" (HAVIP-VRRP-IP112) on 127.0.0.1: inbound, allow IP protocol 112 from 198.51.100.22 only')
      expect(r.stderr).toMatch(/Success system\.windows-firewall-vrrp on 127\.0\.0\.1 \(run again after the rule\)/)
      expect(ruleRuns(one)).toEqual([{ name: 'vrrp-firewall-rule', params: { name: 'HAVIP-VRRP-IP112', displayName: 'HAVIP Manager: VRRP (IP protocol 112) from cluster peers', peers: ['198.51.100.22'] } }])
      expect(ruleRuns(two)).toEqual([])
      const report = JSON.parse(r.stdout) as ValidationReport
      expect(report.results.filter((x) => x.testId === 'system.windows-firewall-vrrp').map((x) => x.status)).toEqual(['Success', 'Success'])
      expect(report.summary.failed).toBe(0)
    } finally {
      await one.stop()
      await two.stop()
    }
  })
})
