// End to end, as an admin would: the Create Cluster wizard in Debian's Chromium (browser mode,
// `node out/node/web.cjs`) on two replayed Windows nodes (test/support/windows-cluster-node.ts:
// in-process ssh2 servers on 127.0.0.1 that announce Win32-OpenSSH and answer every PowerShell
// script from the recorded fixtures, their answers following what they were told). It shows what
// the wizard does with Windows nodes (their names and interfaces from the Windows facts, the
// steps per node, the elected master on the Summary) and proves every command the app sent was
// one of its encoded PowerShell scripts. It is a replay: no agent runs, and the agents' replies
// (who is master) are fixtures written from our own agent's JSON format. Browser mode gets the
// small stand-in agent bundle and runtime the recorded answers name (HAVIP_AGENT_BUNDLE_DIR,
// HAVIP_RUNTIME_DIR). Needs no lab. Screenshots: docs/screenshots/create-cluster-windows.png (Summary) and
// create-cluster-windows-access-point.png.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { WIN_CLUSTER_JSON } from '../../electron/backend/deploy/windows/windows-layout'
import { waitFor } from '../support/wait-for'
import { WINDOWS_ROLE, type WindowsClusterNode } from '../support/windows-cluster-node'
import { callApi } from './support/api-client'
import { shot } from './support/console-pages'
import { connectReplayedWindowsNode, POWERSHELL_COMMAND, replayedWindowsSuite } from './support/replayed-windows'
import { pageTitle } from './support/wizard-steps'

const PASSWORD = 'e2e-replayed-windows-cluster-password'
const CLUSTER = 'web-win'
const CREATE_TIMEOUT_MS = 60_000
const suite = replayedWindowsSuite(PASSWORD)
const { nodes, pages } = suite
const connect = (page: Page, n: WindowsClusterNode): Promise<void> =>
  connectReplayedWindowsNode(page, n, PASSWORD).then(() => page.getByRole('treeitem', { name: new RegExp(`WIN-NODE${n.which}`) }).waitFor())

describe('Create Cluster wizard with replayed Windows nodes', () => {
  it('creates a two-node Windows cluster page by page; the Summary names the master the agents report', async () => {
    const [n1, n2] = nodes as [WindowsClusterNode, WindowsClusterNode]
    const page = await pages.open(suite.server().url)
    for (const n of [n1, n2]) await connect(page, n)

    await page.getByRole('treeitem', { name: /^HAVIP Manager/ }).click()
    await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Create Cluster...' }).click()
    const wizard = page.getByRole('dialog', { name: 'Create Cluster Wizard' })
    const next = wizard.getByRole('button', { name: 'Next' })
    await pageTitle(wizard, 'Before You Begin')
    await next.click()

    // Select Servers: both Windows nodes, by their saved connections.
    await pageTitle(wizard, 'Select Servers')
    for (const n of [n1, n2]) {
      const box = wizard.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: `:${n.port}` }).getByRole('checkbox')
      if (!(await box.isChecked())) await box.check()
    }
    await next.click()

    // Validation Warning: skipped, saying why (the Windows validation has its own replay e2e).
    await pageTitle(wizard, 'Validation Warning')
    await wizard.getByText('Create the cluster without validating the servers now.').click()
    await wizard.getByLabel('Why is validation skipped?').fill('replayed Windows nodes: their validation is shown in windows-node.e2e.test.ts')
    await next.click()

    // Access Point: each node's interface proposed from its Windows facts (Ethernet, its own address).
    await pageTitle(wizard, 'Access Point')
    await wizard.getByLabel('Cluster name').fill(CLUSTER)
    await wizard.getByLabel('Role name').fill(WINDOWS_ROLE.name)
    await wizard.getByLabel('Virtual IP (CIDR)').fill(WINDOWS_ROLE.vip)
    await wizard.getByLabel('Router id (VRID)').fill(String(WINDOWS_ROLE.vrid))
    const nodesTable = wizard.getByRole('table', { name: 'Nodes and their VIP interface' })
    for (const [name, address] of [['WIN-NODE1', '198.51.100.21'], ['WIN-NODE2', '198.51.100.22']] as const) {
      const row = nodesTable.locator(`tr[data-node="${name}"]`)
      expect(await row.getByRole('combobox').locator('option:checked').textContent()).toContain('Proposed: Ethernet')
      expect(await row.textContent()).toContain(address)
    }
    await shot(page, 'create-cluster-windows-access-point.png', false)
    await next.click()

    await pageTitle(wizard, 'Confirmation')
    const confirmText = (await wizard.getByRole('table', { name: 'Cluster to create' }).textContent()) ?? ''
    for (const name of ['WIN-NODE1', 'WIN-NODE2']) expect(confirmText).toMatch(new RegExp(`${name}\\s*on\\s*Ethernet`))
    await next.click()

    // Creating, then Summary: the master the agents report, and its VIP answering the other node's probe.
    await pageTitle(wizard, 'Summary', CREATE_TIMEOUT_MS)
    const outcome = (await wizard.getByTestId('operation-outcome').textContent()) ?? ''
    expect(outcome, `${outcome}\n${await wizard.textContent()}`).toContain(`The cluster ${CLUSTER} was created`)
    const masterRow = wizard.getByRole('table', { name: 'Masters' }).locator(`tr[data-role="${WINDOWS_ROLE.name}"]`)
    expect(await masterRow.getByTestId('master-node').textContent()).toBe('WIN-NODE1')
    expect(await masterRow.textContent()).toContain('yes')
    // What was done, per Windows node: every step through to the started agent.
    const done = (await wizard.textContent()) ?? ''
    for (const name of ['WIN-NODE1', 'WIN-NODE2']) expect(done).toMatch(new RegExp(`${name}: Preflight[^]*Install and enable the service; Start the agent`))
    await shot(page, 'create-cluster-windows.png', false)

    // What reached the nodes: only encoded PowerShell scripts; each got the service started and generation 1.
    for (const n of [n1, n2]) {
      for (const c of n.execs) expect(c).toMatch(POWERSHELL_COMMAND)
      expect(n.steps()).toEqual(expect.arrayContaining(['deploy-prepare', 'deploy-service install', 'deploy-service start']))
      expect(JSON.parse(n.files.get(WIN_CLUSTER_JSON)!.toString('utf8'))).toMatchObject({ name: CLUSTER, generation: 1 })
    }
    await wizard.getByRole('button', { name: 'Finish' }).click()
    await wizard.waitFor({ state: 'detached' })

    // Destroy (through the API): both nodes are emptied by deploy-remove.
    const [c] = (await callApi(suite.server().baseUrl, suite.server().token, 'clusters.list', {})) as { id: string; name: string }[]
    expect(c?.name).toBe(CLUSTER)
    await callApi(suite.server().baseUrl, suite.server().token, 'clusters.destroy', { clusterId: c!.id, confirmName: CLUSTER })
    await waitFor('both replayed nodes emptied by the Destroy', async () => n1.files.size === 0 && n2.files.size === 0, 30_000, 100)
    expect(pages.problems).toEqual([])
  })
})
