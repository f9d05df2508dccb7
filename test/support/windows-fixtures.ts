// The recorded Windows runs (test/fixtures/windows) and a replay runner over a chosen case per
// script, for tests that play one Windows node.
import * as path from 'node:path'
import { loadFixtureDir, type WindowsFixture } from '../../electron/backend/platform/windows/fixtures'
import { ReplayPowerShellRunner } from '../../electron/backend/platform/windows/runner'
import type { WindowsScriptName } from '../../electron/backend/platform/windows/scripts'

export const WINDOWS_FIXTURE_DIR = path.resolve(__dirname, '../fixtures/windows')

/** One Windows Server 2022 node (static address, admin login) as the read-only scripts recorded it. */
export const SERVER_2022_CASES = {
  probe: 'server-2022-admin',
  'os-info': 'server-2022-datacenter',
  network: 'server-2022-static',
  firewall: 'server-2022-default',
  'vrrp-firewall-check': 'rule-for-peers',
  'time-status': 'domain-synced',
  'deploy-inspect': 'fresh-no-node'
} as const satisfies Partial<Record<WindowsScriptName, string>>

let cache: WindowsFixture[] | undefined
export function allWindowsFixtures(): WindowsFixture[] {
  cache ??= loadFixtureDir(WINDOWS_FIXTURE_DIR)
  return cache
}

export function windowsFixture(script: WindowsScriptName, caseName: string): WindowsFixture {
  const f = allWindowsFixtures().find((x) => x.script === script && x.case === caseName)
  if (!f) throw new Error(`no fixture ${script}/${caseName}.json`)
  return f
}

/** A replay runner for one node: for each script, the named case. */
export function replayNode(host: string, cases: Partial<Record<WindowsScriptName, string>>): ReplayPowerShellRunner {
  const picked = Object.entries(cases).map(([script, c]) => windowsFixture(script as WindowsScriptName, c!))
  return new ReplayPowerShellRunner(host, picked)
}
