// End to end in Debian's Chromium (browser mode, `node out/node/web.cjs`): the live console of a
// cluster of two replayed Windows nodes (test/support/windows-cluster-node.ts: in-process ssh2
// servers on 127.0.0.1 that announce Win32-OpenSSH and answer every PowerShell script from the
// recorded fixtures, their answers following what they were told). The cluster is made through
// the public API (the wizard on these nodes has its own e2e, windows-create-cluster.e2e.test.ts);
// then, as an admin would: the Roles and Nodes views show both Windows nodes Up, WIN-NODE1
// Master, WIN-NODE2 Backup and the role Online; Move → Select Node... from the Actions pane moves
// role web to WIN-NODE2 and the views follow. It is a replay: no agent runs and nothing is
// elected. The feeds stream status fixtures written from our own agent's JSON format, and who
// is master after the takeover is the replay's decision (followMoves), so the test proves the
// commands the console sent each node (the encoded agent-ctl takeover / release, read back from
// the nodes' recorded runs) and what the console makes of the answers. Needs no lab.
// Screenshot: docs/screenshots/console-windows.png (the Roles view after the Move).
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { hostKeyInfoOf } from '../../electron/backend/ssh/host-key'
import { waitFor } from '../support/wait-for'
import { followMoves, WINDOWS_ROLE, type WindowsClusterNode } from '../support/windows-cluster-node'
import { shot } from './support/console-pages'
import { POWERSHELL_COMMAND, replayedWindowsSuite } from './support/replayed-windows'
import { waitForOperation, webCall } from './support/web-cluster'
import type { RunningWebServer } from './support/web-server'

const PASSWORD = 'e2e-replayed-windows-console-password'
const CLUSTER = 'web-win'
const suite = replayedWindowsSuite(PASSWORD, (which, nodes) => ({ onAgentCommand: followMoves(() => nodes)(which) }))
const { nodes, pages } = suite

/** Both nodes connected as administrator (host keys pinned) and cluster web-win created on them, WIN-NODE1 its preferred owner. */
async function createCluster(s: RunningWebServer): Promise<string> {
  const ids: string[] = []
  for (const n of nodes) {
    const k = hostKeyInfoOf('127.0.0.1', n.port!, n.hostKey.parsed.getPublicSSH())
    await webCall(s, 'hostKeys.trust', { host: '127.0.0.1', port: n.port!, keyType: k.keyType, fingerprint: k.fingerprint })
    const r = (await webCall(s, 'connections.connect', { host: '127.0.0.1', port: n.port!, username: 'administrator', auth: { kind: 'password', password: PASSWORD }, remember: true })) as {
      status: string
      connection?: { id: string }
    }
    if (r.status !== 'connected' || !r.connection) throw new Error(`connecting WIN-NODE${n.which}: ${r.status}`)
    ids.push(r.connection.id)
  }
  const created = (await webCall(s, 'clusters.create', {
    name: CLUSTER,
    nodes: ids.map((connectionId) => ({ connectionId })),
    role: { name: WINDOWS_ROLE.name, vip: WINDOWS_ROLE.vip, vrid: WINDOWS_ROLE.vrid, preferredOwners: ['WIN-NODE1'], failback: { policy: 'never' } },
    validation: { skipReason: 'replayed Windows nodes: their validation is shown in windows-node.e2e.test.ts' }
  })) as { operationId: string; clusterId: string }
  const report = await waitForOperation(s, created.operationId, 60_000)
  expect(report.outcome, JSON.stringify(report.error)).toBe('succeeded')
  return created.clusterId
}

/** The live Nodes view: each node's state, and its state in role web. */
async function expectNodes(page: Page, want: Record<string, 'Master' | 'Backup'>): Promise<void> {
  await page.getByRole('tree').getByRole('treeitem', { name: 'Nodes', exact: true }).click()
  const view = page.getByTestId('live-nodes')
  for (const [name, roleState] of Object.entries(want)) {
    const row = view.locator(`tr[data-node="${name}"]`)
    await row.locator('[data-testid="node-state"]', { hasText: 'Up' }).waitFor()
    await row.locator(`[data-testid="node-role"][data-role="${WINDOWS_ROLE.name}"]`, { hasText: roleState }).waitFor()
  }
}

describe('live console on replayed Windows nodes', () => {
  it('shows both Windows nodes Up with Master/Backup and the role Online; Move to WIN-NODE2 sends the encoded takeover and release there and the views follow', async () => {
    const s = suite.server()
    const [n1, n2] = nodes as [WindowsClusterNode, WindowsClusterNode]
    await createCluster(s)
    // What Create sent: no console command yet.
    for (const n of nodes) expect(n.agentCommands()).toEqual([])

    const page = await pages.open(s.url)
    const tree = page.getByRole('tree')
    await tree.getByRole('treeitem', { name: CLUSTER }).first().waitFor()
    await tree.getByRole('treeitem', { name: 'Roles', exact: true }).click()
    const row = page.getByTestId('live-roles').locator(`tr[data-role="${WINDOWS_ROLE.name}"]`)
    await row.locator('[data-testid="role-owner"]', { hasText: 'WIN-NODE1' }).waitFor()
    expect(await row.getAttribute('data-state')).toBe('Online')
    expect(await row.textContent()).toContain(WINDOWS_ROLE.vip.split('/')[0])
    await expectNodes(page, { 'WIN-NODE1': 'Master', 'WIN-NODE2': 'Backup' })
    // Each node streams its feed: the agent-feed script, held open as the real stream is.
    for (const n of nodes) expect(n.openStreams('agent-feed')).toBeGreaterThan(0)

    // Move → Select Node... from the Actions pane, to WIN-NODE2.
    await tree.getByRole('treeitem', { name: 'Roles', exact: true }).click()
    await row.click()
    await page.getByRole('complementary', { name: /Actions/ }).getByRole('button', { name: 'Move → Select Node...' }).click()
    const picker = page.getByRole('dialog', { name: 'Move Role to Node' })
    await picker.getByLabel('WIN-NODE2').check()
    await picker.getByRole('button', { name: 'Move' }).click()
    const result = page.getByTestId('live-action')
    await result.and(page.locator('[data-phase="done"], [data-phase="failed"]')).waitFor({ timeout: 30_000 })
    const said = (await result.textContent()) ?? ''
    expect(await result.getAttribute('data-phase'), said).toBe('done')
    expect(said).toContain(`${WINDOWS_ROLE.name} is now on WIN-NODE2 (was WIN-NODE1)`)
    await row.locator('[data-testid="role-owner"]', { hasText: 'WIN-NODE2' }).waitFor()
    expect(await row.getAttribute('data-state')).toBe('Online')
    await shot(page, 'console-windows.png', false)

    // What reached the nodes: the takeover, its release and a status check on WIN-NODE2, each one
    // encoded agent-ctl run; nothing on WIN-NODE1 (it yields by itself when it hears the takeover).
    expect(n2.agentCommands()).toEqual([
      ['takeover', WINDOWS_ROLE.name, '--json'],
      ['release', WINDOWS_ROLE.name, '--json'],
      ['status', '--json']
    ])
    expect(n1.agentCommands()).toEqual([])
    for (const n of nodes) for (const c of n.execs) expect(c).toMatch(POWERSHELL_COMMAND)
    await expectNodes(page, { 'WIN-NODE1': 'Backup', 'WIN-NODE2': 'Master' })
    expect(n2.state).toMatchObject({ role: 'master', takeover: false })

    // Destroy (through the API): the feeds end, both nodes are emptied.
    const [c] = (await webCall(s, 'clusters.list', {})) as { id: string; name: string }[]
    await webCall(s, 'clusters.destroy', { clusterId: c!.id, confirmName: CLUSTER })
    await waitFor('both replayed nodes emptied by the Destroy', async () => n1.files.size === 0 && n2.files.size === 0, 30_000, 100)
    expect(pages.problems).toEqual([])
  }, 120_000)
})
