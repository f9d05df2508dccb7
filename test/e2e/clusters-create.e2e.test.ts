// End to end, as an admin would: the Create Cluster wizard in Debian's Chromium (browser mode)
// driven page by page against the lab's three real nodes, validation run from the wizard (the
// Validate a Configuration wizard opens on the chosen servers and hands its run back), to a
// running cluster whose Summary names the elected master; the VIP is then checked on the lab
// itself. Then the cluster view, Export, Configure Role (a real change), and Destroy through
// the UI, after which no node holds the VIP or the cluster's files. Connect to Cluster is proven
// from a second, fresh desktop (its own data dir) before the Destroy. Every page is photographed
// into docs/screenshots/.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { nodeExec } from '../lab/lab'
import { hideNodeJs } from '../lab/shapes'
import { waitFor } from '../support/wait-for'
import { callApi } from './support/api-client'
import { consoleSuite } from './support/console-suite'
import { shot } from './support/console-pages'
import { operationResult } from './support/operation-dialog'
import { connectWithLabKey, pageTitle, serverRow } from './support/wizard-steps'
import { labNode } from './support/lab-state'
import { connectLabNodes } from './support/web-cluster'
import { startWebServer, type RunningWebServer } from './support/web-server'

const VALIDATION_TIMEOUT_MS = 90_000
const CREATE_TIMEOUT_MS = 120_000
const CLUSTER = 'e2e-web'

const suite = consoleSuite('clusters', destroyLeftovers)
const pages = suite.pages

async function destroyLeftovers(s: RunningWebServer): Promise<void> {
  const known = (await callApi(s.baseUrl, s.token, 'clusters.list', {})) as { id: string; name: string }[]
  for (const c of known) {
    await callApi(s.baseUrl, s.token, 'clusters.destroy', { clusterId: c.id, confirmName: c.name }).catch(() => {})
  }
  if (known.length > 0) {
    await waitFor('the leftover cluster to be gone from the lab nodes', async () => !(await anyClusterFile()), 120_000, 1000)
  }
}

async function anyClusterFileOn(...nodes: string[]): Promise<boolean> {
  for (const n of nodes) {
    const r = await nodeExec(n, ['test', '-e', '/etc/havip/cluster.json'])
    if (r.code === 0) return true
  }
  return false
}

/** [outcome, everything the dialog said]: expect's message on a failure. */
function outcomeOf(r: { outcome: string; all: string }): [string, string] {
  return [r.outcome, r.all]
}

const anyClusterFile = (): Promise<boolean> => anyClusterFileOn('n1', 'n2', 'n3')

async function holdersOf(address: string): Promise<string[]> {
  const out: string[] = []
  for (const n of ['n1', 'n2', 'n3']) {
    const r = await nodeExec(n, ['ip', '-4', '-o', 'addr', 'show'])
    if (r.stdout.includes(` ${address}/`)) out.push(n)
  }
  return out
}

describe('Create Cluster wizard against the lab', () => {
  it('creates a 3-node cluster page by page (validation run from the wizard), shows its master, then exports, reconfigures and destroys it', async () => {
    const lab = suite.lab()
    const [n1, n2, n3] = [labNode('n1'), labNode('n2'), labNode('n3')]
    const vipAddress = lab.vipPool[12]!
    const vip = `${vipAddress}/${lab.prefix}`
    const page = await pages.open(suite.server().url)
    const actions = page.getByRole('complementary', { name: 'Actions' })

    // Global action, from the root's Actions pane.
    await page.getByRole('treeitem', { name: /^HAVIP Manager/ }).click()
    await actions.getByRole('button', { name: 'Create Cluster...' }).click()
    const wizard = page.getByRole('dialog', { name: 'Create Cluster Wizard' })
    const next = wizard.getByRole('button', { name: 'Next' })
    await pageTitle(wizard, 'Before You Begin')
    await shot(page, 'create-cluster-1-before-you-begin.png', false)
    await next.click()

    // Select Servers: nothing chosen is refused in place; the three nodes are added by address.
    await pageTitle(wizard, 'Select Servers')
    await next.click()
    await wizard.getByText('choose at least one server for the cluster').waitFor()
    for (const n of [n1, n2, n3]) {
      await wizard.getByLabel('Add a server by address').fill(n.address)
      await wizard.getByRole('button', { name: 'Add...' }).click()
      await connectWithLabKey(page, n)
      await serverRow(wizard, n).locator('input[type="checkbox"]:checked').waitFor()
    }
    await shot(page, 'create-cluster-2-select-servers.png', false)
    await next.click()

    // Validation Warning: Next without a run or a reason says what is missing.
    await pageTitle(wizard, 'Validation Warning')
    await next.click()
    await wizard.getByText(/run the validation \(Run Validation\.\.\.\), or choose to skip it/).waitFor()
    await wizard.getByRole('button', { name: 'Run Validation...' }).click()

    // The Validate a Configuration wizard opens on the chosen servers; this one waits hidden.
    const validate = page.getByRole('dialog', { name: 'Validate a Configuration Wizard' })
    await validate.waitFor()
    expect(await wizard.count()).toBe(0)
    await validate.getByRole('button', { name: 'Next' }).click()
    await pageTitle(validate, 'Select Servers')
    for (const n of [n1, n2, n3]) expect(await serverRow(validate, n).getByRole('checkbox').isChecked()).toBe(true)
    await validate.getByLabel('Virtual IP (CIDR)').fill(vip)
    await validate.getByRole('button', { name: 'Next' }).click()
    await pageTitle(validate, 'Testing Options')
    await validate.getByRole('button', { name: 'Next' }).click()
    await pageTitle(validate, 'Confirmation')
    await validate.getByRole('button', { name: 'Next' }).click()
    await pageTitle(validate, 'Summary', VALIDATION_TIMEOUT_MS)
    // A healthy lab has no Failed result; if it has, the message says which (the "Needs attention" list).
    expect(Number(await validate.getByTestId('count-failed').textContent()), (await validate.textContent()) ?? '').toBe(0)
    await validate.getByRole('button', { name: 'Finish' }).click()
    await validate.waitFor({ state: 'detached' })

    // Back on Validation Warning with the run.
    await pageTitle(wizard, 'Validation Warning')
    await wizard.getByTestId('gate-run').waitFor()
    expect(await wizard.getByTestId('gate-run').textContent()).toMatch(/Validation run \S+\s+finished/)
    await shot(page, 'create-cluster-3-validation-warning.png', false)
    await next.click()

    // Access Point: started from the validation (VIP, the VRID its scan proposed); bad input named at the field.
    await pageTitle(wizard, 'Access Point')
    expect(await wizard.getByLabel('Virtual IP (CIDR)').inputValue()).toBe(vip)
    const vrid = await wizard.getByLabel('Router id (VRID)').inputValue()
    expect(Number(vrid)).toBeGreaterThanOrEqual(1)
    await wizard.getByLabel('Cluster name').fill('web vip;reboot')
    await next.click()
    await wizard.getByText(/a cluster name may use letters, digits and "-" only/).waitFor()
    expect(await wizard.getByLabel('Cluster name').getAttribute('aria-invalid')).toBe('true')
    await wizard.getByLabel('Cluster name').fill(CLUSTER)
    const nodesTable = wizard.getByRole('table', { name: 'Nodes and their VIP interface' })
    for (const n of [n1, n2, n3]) {
      const row = nodesTable.locator(`tr[data-node="${n.name}"]`)
      expect(await row.getByRole('combobox').locator('option:checked').textContent()).toContain('Proposed: eth0')
      expect(await row.textContent()).toContain(n.address)
    }
    await wizard.getByLabel('Prefer n2').check()
    await shot(page, 'create-cluster-4-access-point.png', false)
    await next.click()

    // Confirmation: what will be created.
    await pageTitle(wizard, 'Confirmation')
    const settings = wizard.getByRole('table', { name: 'Cluster to create' })
    const confirmText = (await settings.textContent()) ?? ''
    expect(confirmText).toContain(CLUSTER)
    expect(confirmText).toContain(vip)
    for (const n of ['n1', 'n2', 'n3']) expect(confirmText).toMatch(new RegExp(`${n}\\s*on\\s*eth0`))
    await shot(page, 'create-cluster-5-confirmation.png', false)
    await next.click()

    // Creating: each step per node, live.
    await pageTitle(wizard, 'Creating New Cluster')
    await wizard.locator('li[data-state="done"]').first().waitFor({ timeout: CREATE_TIMEOUT_MS })
    if (await wizard.getByRole('heading', { name: 'Creating New Cluster', exact: true }).isVisible()) await shot(page, 'create-cluster-6-creating.png', false)

    // Summary: created, the master elected for vip1, the VIP answering. (With "Prevent failback"
    // the agents do not preempt: whichever node became master first keeps the role, so the
    // preferred owner n2 is not guaranteed to be the first master.)
    await pageTitle(wizard, 'Summary', CREATE_TIMEOUT_MS)
    const outcome = (await wizard.getByTestId('operation-outcome').textContent()) ?? ''
    expect(outcome, `${outcome}\n${await wizard.textContent()}`).toContain(`The cluster ${CLUSTER} was created`)
    const masterRow = wizard.getByRole('table', { name: 'Masters' }).locator('tr[data-role="vip1"]')
    const master = (await masterRow.getByTestId('master-node').textContent()) ?? ''
    expect(['n1', 'n2', 'n3']).toContain(master)
    expect(await masterRow.textContent()).toContain('yes')
    await wizard.getByRole('button', { name: 'View Validation Report...' }).waitFor()
    await shot(page, 'create-cluster-7-summary.png', false)
    // The lab agrees: exactly the master the Summary names holds the VIP.
    expect(await holdersOf(vipAddress)).toEqual([master])
    await wizard.getByRole('button', { name: 'Finish' }).click()
    await wizard.waitFor({ state: 'detached' })

    // The cluster in the tree, with Roles and Nodes; its view reads the definition from the nodes.
    await page.getByRole('treeitem', { name: new RegExp(`^${CLUSTER}`) }).click()
    const main = page.getByRole('main')
    await main.getByTestId('cluster-name').waitFor()
    expect(await main.getByTestId('cluster-name').textContent()).toBe(CLUSTER)
    expect(await main.getByTestId('cluster-health').textContent()).toBe('3 of 3 nodes connected')
    const roles = main.getByRole('table', { name: 'Roles', exact: true })
    expect(await roles.textContent()).toContain(vip)
    expect(await roles.textContent()).toContain('Prevent failback')
    // The node rows of the configured and the live Nodes tables: both must follow each change.
    const configured = main.getByRole('region', { name: /^Nodes, configured/ }).locator('tr[data-node]')
    const live = main.getByRole('region', { name: /^Nodes, live/ }).locator('tr[data-node]')
    await configured.filter({ hasText: 'n3' }).click()
    await actions.getByRole('button', { name: 'Evict Node...' }).waitFor()
    await shot(page, 'cluster-view.png', false)

    // Export: each node's keepalived.conf, and the definition as JSON, in a read-only viewer.
    await actions.getByRole('button', { name: 'Export...' }).click()
    const exportDialog = page.getByRole('dialog', { name: `Export ${CLUSTER}` })
    const content = exportDialog.getByRole('textbox')
    await content.waitFor()
    expect(await exportDialog.getByRole('tab').allTextContents()).toEqual(['n1', 'n2', 'n3'])
    expect(await content.inputValue()).toMatch(new RegExp(`virtual_router_id\\s+${vrid}\\b`))
    expect(await content.inputValue()).toContain(vipAddress)
    expect(await content.getAttribute('readonly')).not.toBeNull()
    await shot(page, 'cluster-export.png', false)
    await exportDialog.getByLabel('Cluster definition (JSON)').check()
    await waitFor('the JSON export', async () => (await content.inputValue()).includes(`"name": "${CLUSTER}"`) || (await content.inputValue()).includes(`"name":"${CLUSTER}"`), 10_000)
    await exportDialog.getByRole('button', { name: 'Close' }).last().click()
    await exportDialog.waitFor({ state: 'detached' })

    // Configure Role: a real change (failback policy), applied on every node.
    await roles.locator('tr[data-role="vip1"]').click()
    await actions.getByRole('region', { name: 'Actions for Role vip1' }).getByRole('button', { name: 'Configure Role...' }).click()
    const roleDialog = page.getByRole('dialog', { name: `Configure Role: ${CLUSTER}` })
    await roleDialog.waitFor()
    expect(await roleDialog.getByLabel('Virtual IP (CIDR)').inputValue()).toBe(vip)
    await roleDialog.getByLabel('Router id (VRID)').fill('0')
    await roleDialog.getByRole('button', { name: 'Apply Changes' }).click()
    await roleDialog.getByText('vrid must be 1..255').waitFor()
    await roleDialog.getByLabel('Router id (VRID)').fill(vrid)
    await roleDialog.getByLabel('Failback').selectOption('immediately')
    await shot(page, 'cluster-configure-role.png', false)
    await roleDialog.getByRole('button', { name: 'Apply Changes' }).click()
    expect(...outcomeOf(await operationResult(page, /^Change Role/, 'cluster-operation.png'))).toMatch(/Change Role finished on e2e-web: now at generation 2/)
    await waitFor('the roles table to show the new failback', async () => (await roles.textContent())?.includes('Allow failback immediately'), 20_000, 200)

    // Connect to Cluster from a fresh desktop (its own data dir) by n1's address: n1 through the
    // Connect dialog, the other nodes shown as needing their host keys trusted, then connected
    // from the same dialog, one by one.
    const fresh = await startWebServer()
    let other: Page | undefined
    try {
      other = await pages.open(fresh.url)
      await other.getByRole('treeitem', { name: /^Clusters/ }).click()
      await other.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Connect to Cluster...' }).click()
      const connectCluster = other.getByRole('dialog', { name: 'Connect to Cluster' })
      await connectCluster.getByLabel('Address of a cluster node').fill(n1.address)
      await connectCluster.getByRole('button', { name: 'Connect...' }).click()
      await connectWithLabKey(other, n1)
      const reached = (name: string) => connectCluster.locator(`tr[data-node="${name}"] [data-reach]`).getAttribute('data-reach')
      await connectCluster.getByRole('table', { name: 'Nodes' }).waitFor()
      expect(await reached('n1')).toBe('connected')
      expect(await reached('n2')).toBe('host-key-unknown')
      expect(await reached('n3')).toBe('host-key-unknown')
      await shot(other, 'connect-to-cluster.png', false)
      for (const n of [n2, n3]) {
        await connectCluster.getByRole('button', { name: `Connect ${n.name}` }).click()
        await connectWithLabKey(other, n)
        await expect.poll(() => reached(n.name), { timeout: 20_000 }).toBe('connected')
      }
      expect(await connectCluster.getByTestId('connect-cluster-health').textContent()).toBe('3 of 3 nodes connected')
      await connectCluster.getByRole('button', { name: 'Open Cluster' }).click()
      await other.getByRole('main').getByTestId('cluster-name').waitFor()
      expect(await other.getByRole('main').getByTestId('cluster-generation').textContent()).toMatch(/^2 /)
    } finally {
      // The page first: a console whose backend is gone retries its WebSocket (console errors).
      await other?.context().close()
      await fresh.stop()
    }

    // Destroy: the name typed to confirm; afterwards no node holds the VIP or the cluster's files.
    await page.getByRole('treeitem', { name: new RegExp(`^${CLUSTER}`) }).click()
    await actions.getByRole('button', { name: 'Destroy Cluster...' }).click()
    const destroy = page.getByRole('dialog', { name: 'Destroy Cluster' })
    const destroyButton = destroy.getByRole('button', { name: 'Destroy Cluster' })
    await destroy.getByLabel(/Type the cluster's name/).fill('e2e-we')
    expect(await destroyButton.isDisabled()).toBe(true)
    await destroy.getByLabel(/Type the cluster's name/).fill(CLUSTER)
    expect(await destroyButton.isDisabled()).toBe(false)
    await shot(page, 'cluster-destroy.png', false)
    await destroyButton.click()
    expect(...outcomeOf(await operationResult(page, /^Destroy Cluster/))).toContain(`${CLUSTER} was destroyed`)
    expect(await holdersOf(vipAddress)).toEqual([])
    expect(await anyClusterFile()).toBe(false)
    expect(pages.problems).toEqual([])
  })
  it('a create that fails on one node (no Node.js there, and no runtime to upload) says what is left on which node; Remove Everything leaves the nodes as before', async () => {
    const lab = suite.lab()
    const [n1, n2, n3] = [labNode('n1'), labNode('n2'), labNode('n3')]
    const vipAddress = lab.vipPool[13]!
    // n3 has no Node.js, and this desktop has no runtime for linux-x64 to upload (its own runtime
    // directory, with a manifest that lists none): n3's install fails after n1 and n2 got theirs.
    const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-e2e-no-runtime-'))
    fs.writeFileSync(path.join(runtimeDir, 'manifest.json'), JSON.stringify({ schema: 1, nodeVersion: 'v22.0.0', abi: '127', archives: {} }))
    const before = process.env.HAVIP_RUNTIME_DIR
    process.env.HAVIP_RUNTIME_DIR = runtimeDir
    const desk = await startWebServer().finally(() => {
      if (before === undefined) delete process.env.HAVIP_RUNTIME_DIR
      else process.env.HAVIP_RUNTIME_DIR = before
    })
    const showNode = await hideNodeJs(n3)
    let page: Page | undefined
    try {
      page = await pages.open(desk.url)
      await page.getByRole('button', { name: 'Action' }).click()
      await page.getByRole('menuitem', { name: 'Create Cluster...' }).click()
      const wizard = page.getByRole('dialog', { name: 'Create Cluster Wizard' })
      const next = wizard.getByRole('button', { name: 'Next' })
      await pageTitle(wizard, 'Before You Begin')
      await next.click()
      await pageTitle(wizard, 'Select Servers')
      for (const n of [n1, n2, n3]) {
        await wizard.getByLabel('Add a server by address').fill(n.address)
        await wizard.getByRole('button', { name: 'Add...' }).click()
        await connectWithLabKey(page, n)
        await serverRow(wizard, n).locator('input[type="checkbox"]:checked').waitFor()
      }
      await next.click()
      // Skipping validation needs a reason of a few words.
      await pageTitle(wizard, 'Validation Warning')
      await wizard.getByLabel(/^No\./).check()
      await wizard.getByLabel('Why is validation skipped?').fill('x')
      await next.click()
      await wizard.getByText('say in a few words why validation is skipped').waitFor()
      await wizard.getByLabel('Why is validation skipped?').fill('lab test: n3 has no Node.js on purpose')
      await next.click()
      await pageTitle(wizard, 'Access Point')
      await wizard.getByLabel('Cluster name').fill('e2e-fail')
      await wizard.getByLabel('Virtual IP (CIDR)').fill(`${vipAddress}/${lab.prefix}`)
      // No scan ran, so the VRID is asked for, at its field.
      await next.click()
      await wizard.getByText(/validation is skipped, so no router id scan proposes a free VRID/).waitFor()
      await wizard.getByLabel('Router id (VRID)').fill('213')
      await next.click()
      await pageTitle(wizard, 'Confirmation')
      expect(await wizard.getByRole('table', { name: 'Cluster to create' }).textContent()).toContain('skipped: lab test: n3 has no Node.js on purpose')
      await next.click()

      // The Summary: failed, the error names n3 and what to do, what is left on which node, Remove Everything.
      await pageTitle(wizard, 'Summary', CREATE_TIMEOUT_MS)
      const outcome = (await wizard.getByTestId('operation-outcome').textContent()) ?? ''
      expect(outcome, await wizard.textContent() ?? '').toMatch(/^Create Cluster failed on e2e-fail/)
      expect(await wizard.getByRole('alert').first().textContent()).toMatch(/runtime/)
      const left = wizard.getByRole('region', { name: 'Left on the nodes' })
      for (const n of ['n1', 'n2']) expect(await left.textContent()).toContain(`${n}:`)
      expect(await wizard.textContent()).toContain('Skipped by the administrator: "lab test: n3 has no Node.js on purpose"')
      await shot(page, 'create-cluster-failed-summary.png', false)
      await wizard.getByRole('button', { name: 'Remove Everything' }).click()
      const rollback = wizard.getByRole('region', { name: 'Rollback' })
      await rollback.getByTestId('operation-outcome').waitFor({ timeout: CREATE_TIMEOUT_MS })
      expect(await rollback.getByTestId('operation-outcome').textContent()).toBe('Roll Back finished on e2e-fail: what the failed attempt put on the nodes was removed.')
      await shot(page, 'create-cluster-failed-removed.png', false)
      expect(await holdersOf(vipAddress)).toEqual([])
      expect(await anyClusterFile()).toBe(false)
      await wizard.getByRole('button', { name: 'Finish' }).click()
      await wizard.waitFor({ state: 'detached' })
      expect(pages.problems).toEqual([])
    } finally {
      await page?.context().close()
      await destroyLeftovers(desk).catch((e) => console.error(`e2e-fail clean-up: ${(e as Error).message}`))
      await desk.stop()
      await showNode()
      fs.rmSync(runtimeDir, { recursive: true, force: true })
    }
  })
  it('evicts a node and adds it back through the Actions pane (progress in the Operation dialog)', async () => {
    const lab = suite.lab()
    const n3 = labNode('n3')
    const EVICT_CLUSTER = 'e2e-evict'
    // The servers connected (as the first test does through the UI), so that this test also runs alone.
    await connectLabNodes(suite.server(), lab, ['n1', 'n2', 'n3'])
    const page = await pages.open(suite.server().url)
    const actions = page.getByRole('complementary', { name: 'Actions' })
    const main = page.getByRole('main')
    // A cluster made with the wizard, validation skipped with a reason (the first test runs it).
    await page.getByRole('button', { name: 'Action' }).click()
    await page.getByRole('menuitem', { name: 'Create Cluster...' }).click()
    const wizard = page.getByRole('dialog', { name: 'Create Cluster Wizard' })
    const next = wizard.getByRole('button', { name: 'Next' })
    await pageTitle(wizard, 'Before You Begin')
    await next.click()
    await pageTitle(wizard, 'Select Servers')
    for (const n of ['n1', 'n2', 'n3']) await serverRow(wizard, labNode(n)).getByRole('checkbox').check()
    await next.click()
    await pageTitle(wizard, 'Validation Warning')
    await wizard.getByLabel(/^No\./).check()
    await wizard.getByLabel('Why is validation skipped?').fill('validated by the first test of this file')
    await next.click()
    await pageTitle(wizard, 'Access Point')
    await wizard.getByLabel('Cluster name').fill(EVICT_CLUSTER)
    await wizard.getByLabel('Virtual IP (CIDR)').fill(`${lab.vipPool[14]}/${lab.prefix}`)
    await wizard.getByLabel('Router id (VRID)').fill('214')
    await next.click()
    await pageTitle(wizard, 'Confirmation')
    await next.click()
    await pageTitle(wizard, 'Summary', CREATE_TIMEOUT_MS)
    expect(await wizard.getByTestId('operation-outcome').textContent(), (await wizard.textContent()) ?? '').toContain(`The cluster ${EVICT_CLUSTER} was created`)
    await wizard.getByRole('button', { name: 'Finish' }).click()
    await page.getByRole('treeitem', { name: new RegExp(`^${EVICT_CLUSTER}`) }).click()
    await main.getByTestId('cluster-name').waitFor()

    // Evict n3 (confirmed; progress in the Operation dialog), then Add Node brings it back
    // (validation skipped with a reason): the cluster goes to generations 2 and 3 on every node.
    // The node rows of the configured and the live Nodes tables: both must follow each change.
    const configured = main.getByRole('region', { name: /^Nodes, configured/ }).locator('tr[data-node]')
    const live = main.getByRole('region', { name: /^Nodes, live/ }).locator('tr[data-node]')
    await configured.filter({ hasText: 'n3' }).click()
    await actions.getByRole('button', { name: 'Evict Node...' }).click()
    const evict = page.getByRole('dialog', { name: 'Evict Node' })
    expect(await evict.textContent()).toContain(`Evict n3 from the cluster ${EVICT_CLUSTER}?`)
    await shot(page, 'cluster-evict.png', false)
    await evict.getByRole('button', { name: 'Evict Node' }).click()
    expect(...outcomeOf(await operationResult(page, /^Evict Node/))).toBe(`Evict Node finished on ${EVICT_CLUSTER}: now at generation 2.`)
    await expect.poll(() => configured.count(), { timeout: 20_000 }).toBe(2)
    await expect.poll(() => live.count(), { timeout: 20_000 }).toBe(2)
    expect(await anyClusterFileOn('n3')).toBe(false)

    await actions.getByRole('button', { name: 'Add Node...' }).click()
    const addNode = page.getByRole('dialog', { name: `Add Node to ${EVICT_CLUSTER}` })
    await addNode.getByLabel('Server', { exact: true }).selectOption({ label: `n3 (root@${n3.address})` })
    await addNode.getByText(`Node name n3, heartbeat source ${n3.address}.`).waitFor()
    await addNode.getByRole('button', { name: 'Add Node' }).click()
    await addNode.getByText(/run the validation \(Run Validation\.\.\.\), or choose to skip it/).waitFor()
    // By the radio's accessible name, as a screen reader announces it. getByLabel(/^Skip.../) never
    // matched: Playwright tests a label regex against the label's raw text, which begins with the
    // space between the radio and its words.
    await addNode.getByRole('radio', { name: 'Skip validation, because:' }).check()
    await addNode.getByLabel('Why validation is skipped').fill('n3 was in this cluster a minute ago')
    await shot(page, 'cluster-add-node.png', false)
    await addNode.getByRole('button', { name: 'Add Node' }).click()
    expect(...outcomeOf(await operationResult(page, /^Add Node/))).toBe(`Add Node finished on ${EVICT_CLUSTER}: now at generation 3.`)
    await expect.poll(() => configured.count(), { timeout: 20_000 }).toBe(3)
    await expect.poll(() => live.count(), { timeout: 20_000 }).toBe(3)
    expect(await anyClusterFileOn('n3')).toBe(true)

    // Destroyed again, through the API (the first test proves Destroy in the UI).
    await destroyLeftovers(suite.server())
    expect(pages.problems).toEqual([])
  }, 300_000) // a create, an evict, an add node and a destroy on three lab nodes
})
