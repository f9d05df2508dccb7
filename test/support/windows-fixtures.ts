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
  'deploy-inspect': 'fresh-no-node',
  'cluster-read': 'no-cluster',
  // The live console's view of its agent (a node that runs it and holds vip1).
  'agent-ctl': 'status-win1-master',
  'agent-feed': 'win1-master'
} as const satisfies Partial<Record<WindowsScriptName, string>>

/**
 * The second node of a replayed pair, WIN-NODE2: its adapter is "Ethernet 2" with 198.51.100.22
 * (Private network), and its firewall admits VRRP from the local subnet.
 */
export const SERVER_2022_SECOND_NODE_CASES = {
  ...SERVER_2022_CASES,
  'os-info': 'server-2022-datacenter-node2',
  network: 'server-2022-ethernet-2',
  firewall: 'server-2022-ethernet-2',
  'vrrp-firewall-check': 'local-subnet-private-only'
} as const satisfies Partial<Record<WindowsScriptName, string>>

/**
 * WIN-NODE1 without a firewall rule for VRRP, on which "Create firewall rule" succeeds: once the
 * rule script ran, its check reads the rule created for its peer WIN-NODE2. A case chooser for
 * startReplayedWindowsNode; a fresh one per node, since it remembers whether the rule was made.
 */
export function noRuleThenCreated(): (name: WindowsScriptName) => string | undefined {
  const cases: Partial<Record<WindowsScriptName, string>> = { ...SERVER_2022_CASES, 'vrrp-firewall-check': 'no-rule', 'vrrp-firewall-rule': 'created-for-peer' }
  let created = false
  return (name) => {
    if (name === 'vrrp-firewall-rule') created = true // its recording (created-for-peer) succeeds
    if (name === 'vrrp-firewall-check' && created) return 'havip-rule-one-peer'
    return cases[name]
  }
}

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

/**
 * Which recorded case answers each script: one name, or several (the one whose parameters equal
 * the run's answers it: 'agent-ctl' takeover, release and status on one node).
 */
export type WindowsCases = Partial<Record<WindowsScriptName, string | readonly string[]>>

/** The fixtures the cases name. */
export function casesFixtures(cases: WindowsCases): WindowsFixture[] {
  return Object.entries(cases).flatMap(([script, c]) => (typeof c === 'string' ? [c] : c!).map((name) => windowsFixture(script as WindowsScriptName, name)))
}

/** A replay runner for one node: for each script, the named case(s). */
export function replayNode(host: string, cases: WindowsCases, opts: { holdStreams?: boolean } = {}): ReplayPowerShellRunner {
  return new ReplayPowerShellRunner(host, casesFixtures(cases), opts)
}
