// End to end, as an admin would, against a replayed Windows node: browser mode
// (`node out/node/web.cjs`) in Debian's Chromium connects over real SSH to an in-process ssh2
// server on 127.0.0.1 that announces itself as Win32-OpenSSH and answers the app's PowerShell
// scripts from the recorded fixtures (test/support/replayed-windows-node.ts). It is a replay,
// not Windows: it shows what the console makes of a Windows node's answers (icon, facts,
// Validate Configuration), not what a real Windows node prints. Needs no lab.
// Screenshots go to docs/screenshots/.
import * as fs from 'node:fs'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startReplayedWindowsNode, type ReplayedWindowsNode } from '../support/replayed-windows-node'
import { noRuleThenCreated, SERVER_2022_CASES, SERVER_2022_SECOND_NODE_CASES, windowsFixture } from '../support/windows-fixtures'
import { identifyScript } from '../../electron/backend/platform/windows/runner'
import { launchChromium } from './support/chromium'
import { ConsolePages, shot } from './support/console-pages'
import { connectReplayedWindowsNode } from './support/replayed-windows'
import { pageTitle } from './support/wizard-steps'
import { startWebServer, type RunningWebServer } from './support/web-server'

const PASSWORD = 'e2e-replayed-windows-password'
/** The VIP the vip-check recording was made for, on the recorded adapter's 198.51.100.0/24. */
const VIP_CHECK_CASE = 'free'
const RUN_TIMEOUT_MS = 60_000

let node: ReplayedWindowsNode | undefined
/** A pair for "Create firewall rule": WIN-NODE1 without a rule for VRRP, WIN-NODE2 ("Ethernet 2") that admits it. */
let pair: [ReplayedWindowsNode, ReplayedWindowsNode] | undefined
let server: RunningWebServer | undefined
let browser: Browser | undefined
const pages = new ConsolePages(() => browser)

beforeAll(async () => {
  node = await startReplayedWindowsNode({
    listen: { port: 0 },
    password: PASSWORD,
    cases: { ...SERVER_2022_CASES, 'vip-check': VIP_CHECK_CASE }
  })
  pair = [
    await startReplayedWindowsNode({ listen: { port: 0 }, password: PASSWORD, cases: noRuleThenCreated() }),
    await startReplayedWindowsNode({ listen: { port: 0 }, password: PASSWORD, cases: SERVER_2022_SECOND_NODE_CASES })
  ]
  server = await startWebServer()
  browser = await launchChromium()
})

beforeEach(() => {
  pages.problems.splice(0)
})

afterEach(async () => {
  await pages.closeAll()
})

afterAll(async () => {
  await browser?.close().catch(() => {})
  await server?.stop()
  await node?.stop()
  for (const n of pair ?? []) await n.stop()
})

const connectToReplayedNode = (page: Page, n: ReplayedWindowsNode): Promise<void> => connectReplayedWindowsNode(page, n, PASSWORD)

/** Opens Validate a Configuration from the Actions pane and goes to its Select Servers page. */
async function openValidateWizard(page: Page): Promise<{ wizard: Locator; next: Locator }> {
  await page.getByRole('treeitem', { name: /^HAVIP Manager/ }).click()
  await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Validate Configuration...' }).click()
  const wizard = page.getByRole('dialog', { name: 'Validate a Configuration Wizard' })
  const next = wizard.getByRole('button', { name: 'Next' })
  await pageTitle(wizard, 'Before You Begin')
  await next.click()
  await pageTitle(wizard, 'Select Servers')
  return { wizard, next }
}

/** From Select Servers (filled in) through Testing Options and Confirmation to the Summary of the finished run. */
async function runToSummary(wizard: Locator, next: Locator): Promise<void> {
  await next.click()
  await pageTitle(wizard, 'Testing Options')
  await next.click()
  await pageTitle(wizard, 'Confirmation')
  await next.click()
  await wizard.getByRole('heading', { name: 'Summary', exact: true }).waitFor({ timeout: RUN_TIMEOUT_MS })
}

describe('browser mode console against a replayed Windows node', () => {
  it('connects with a password, shows the Windows icon and the Windows facts', async () => {
    const n = node!
    const page = await pages.open(server!.url)
    await connectToReplayedNode(page, n)

    const hostname = page.getByTestId('fact-hostname')
    await hostname.waitFor()
    expect(await hostname.textContent()).toBe('WIN-NODE1')
    // Its own icon, in the tree and in the node view's header (a Linux node keeps the server icon).
    const treeItem = page.getByRole('treeitem', { selected: true })
    expect(await treeItem.textContent()).toContain('WIN-NODE1')
    expect(await treeItem.locator('svg.icon-server-windows').count()).toBe(1)
    expect(await treeItem.locator('svg.icon-server').count()).toBe(0)
    expect(await page.getByRole('main').locator('.pane-header svg.icon-server-windows').count()).toBe(1)

    // The Windows facts, as the recorded scripts gave them.
    const osInfo = JSON.parse(windowsFixture('os-info', SERVER_2022_CASES['os-info']).stdout) as { result: { caption: string } }
    const w = page.getByTestId('windows-facts')
    expect(await w.getByTestId('fact-windows-edition').textContent()).toContain(osInfo.result.caption)
    expect(await w.getByTestId('fact-windows-build').textContent()).toMatch(/^20348\.\d+$/)
    expect(await w.getByTestId('fact-windows-user').textContent()).toContain('elevated token')
    expect(await w.getByTestId('fact-windows-powershell').textContent()).toContain('FullLanguage')
    const ipv4 = w.getByTestId('windows-ipv4').getByRole('row').filter({ hasText: 'Ethernet' })
    expect(await ipv4.textContent()).toContain('Static')
    const firewall = w.getByTestId('windows-firewall')
    for (const p of ['Domain', 'Private', 'Public']) expect(await firewall.getByRole('row').filter({ hasText: p }).count()).toBe(1)
    const eth = page.getByTestId('interfaces').getByRole('row').filter({ hasText: 'Ethernet' })
    expect(await eth.textContent()).toContain('198.51.100.21/24')

    // Every command the app sent was one of its PowerShell scripts, passed as data (EncodedCommand).
    expect(n.execs.length).toBeGreaterThan(0)
    for (const c of n.execs) expect(c).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/)

    // The Connections list says the platform.
    await page.getByRole('treeitem', { name: /^Connections/ }).click()
    const row = page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: '127.0.0.1' })
    expect(await row.textContent()).toContain('Windows')
    await page.getByRole('treeitem', { name: /WIN-NODE1/ }).click()
    await hostname.waitFor()
    await shot(page, 'windows-node.png', true)
    expect(pages.problems).toEqual([])
  })

  it('validates the Windows node: the Windows tests run, the Linux-only ones say they do not apply', async () => {
    const n = node!
    const vipParams = windowsFixture('vip-check', VIP_CHECK_CASE).params as { vip: string }
    const page = await pages.open(server!.url)
    // Same backend as the test before: the connection is saved and connected.
    await page.getByRole('treeitem', { name: /WIN-NODE1/ }).waitFor()
    const { wizard, next } = await openValidateWizard(page)
    const serverRow = wizard.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: '127.0.0.1' })
    await serverRow.getByRole('checkbox').check()
    await wizard.getByLabel('Virtual IP (CIDR)').fill(`${vipParams.vip}/24`)
    await serverRow.getByRole('combobox').waitFor()
    expect(await serverRow.getByRole('combobox').locator('option:checked').textContent()).toContain('Proposed: Ethernet')
    await runToSummary(wizard, next)
    const jsonPath = (await wizard.getByTestId('report-json-path').textContent()) ?? ''
    const report = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as {
      results: Array<{ testId: string; status: string; details: string }>
      nodes: Array<{ facts: { platform: string } | null }>
    }
    expect(report.nodes.map((x) => x.facts?.platform)).toEqual(['windows'])
    const status = (id: string) => report.results.find((r) => r.testId === id)
    // The Windows-only tests ran against the recorded answers.
    expect(status('system.windows-administrator')).toMatchObject({ status: 'Success' })
    expect(status('network.windows-ip-config')).toMatchObject({ status: 'Success' })
    expect(status('system.windows-firewall-vrrp')?.status).toBe('Success')
    expect(status('network.windows-vip-free')).toMatchObject({ status: 'Success' })
    expect(status('network.windows-vip-free')?.details).toContain(`${vipParams.vip} is free`)
    // A Linux-only test does not apply here, and says why.
    const notRun = report.results.filter((r) => r.status === 'NotRun')
    expect(notRun.length).toBeGreaterThan(0)
    for (const r of notRun) expect(r.details).toMatch(/Does not apply to .*: ".*" is a test for Linux nodes, and this node runs Windows/)
    await wizard.getByRole('button', { name: 'View Report...' }).click()
    const reportDialog = page.getByRole('dialog', { name: 'Validation Report' })
    await reportDialog.waitFor()
    // The picture shows the Windows tests with what they found: open their details, scroll to them.
    const admin = reportDialog.locator('tbody[data-test-id="system.windows-administrator"]')
    const vipFree = reportDialog.locator('tbody[data-test-id="network.windows-vip-free"]')
    expect(await admin.textContent()).toContain('Success')
    for (const t of [admin, reportDialog.locator('tbody[data-test-id="system.windows-firewall-vrrp"]'), vipFree]) {
      await t.getByText('Details', { exact: true }).click()
    }
    expect(await vipFree.textContent()).toContain(`${vipParams.vip} is free`)
    await admin.evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await shot(page, 'windows-validate.png', false)
    await reportDialog.getByRole('button', { name: 'Close' }).last().click()
    await wizard.getByRole('button', { name: 'Finish' }).click()
    await wizard.waitFor({ state: 'detached' })

    // Disconnected, the node keeps its Windows icon (the platform is saved with the connection).
    await page.getByRole('treeitem', { name: /WIN-NODE1/ }).click()
    await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Disconnect' }).click()
    await page.getByRole('main').locator('.pane-header').getByText('Disconnected', { exact: true }).waitFor()
    // A fresh page reads the list from the backend, where no session says the platform any more.
    const fresh = await pages.open(server!.url)
    const freshItem = fresh.getByRole('treeitem', { name: /WIN-NODE1/ })
    await freshItem.click()
    await fresh.getByRole('main').locator('.pane-header').getByText('Disconnected', { exact: true }).waitFor()
    expect(await freshItem.locator('svg.icon-server-windows').count()).toBe(1)
    expect(await fresh.getByRole('main').locator('.pane-header svg.icon-server-windows').count()).toBe(1)
    expect(pages.problems).toEqual([])
  })

  it('offers "Create firewall rule" where no rule admits VRRP from the peer, says what it will create, creates it and shows the test passing', async () => {
    const [one, two] = pair!
    const vipParams = windowsFixture('vip-check', VIP_CHECK_CASE).params as { vip: string }
    const page = await pages.open(server!.url)
    await connectToReplayedNode(page, one)
    await connectToReplayedNode(page, two)
    const { wizard, next } = await openValidateWizard(page)
    const rowOf = (n: ReplayedWindowsNode) => wizard.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: new RegExp(`127\\.0\\.0\\.1:${n.port}(?!\\d)`) })
    for (const n of [one, two]) await rowOf(n).getByRole('checkbox').check()
    await wizard.getByLabel('Virtual IP (CIDR)').fill(`${vipParams.vip}/24`)
    // WIN-NODE2's adapter has a space in its name, as Windows names a second adapter.
    await rowOf(two).getByRole('combobox').waitFor()
    expect(await rowOf(two).getByRole('combobox').locator('option:checked').textContent()).toContain('Proposed: Ethernet 2')
    await runToSummary(wizard, next)
    await wizard.getByRole('button', { name: 'View Report...' }).click()
    const reportDialog = page.getByRole('dialog', { name: 'Validation Report' })
    await reportDialog.waitFor()
    const firewall = reportDialog.locator('tbody[data-test-id="system.windows-firewall-vrrp"]')
    expect(await firewall.getByRole('row').first().textContent()).toMatch(/Failed.*Success/)
    // Offered once: on WIN-NODE1, whose firewall drops WIN-NODE2's adverts; not on WIN-NODE2.
    const offer = firewall.getByRole('button', { name: 'Create firewall rule' })
    expect(await offer.count()).toBe(1)
    expect(await firewall.textContent()).toContain('on WIN-NODE1: inbound IP protocol 112 from 198.51.100.22 only')
    expect(one.execs.some((c) => identifyScript(c.split(' '))?.name === 'vrrp-firewall-rule')).toBe(false)
    await offer.click()

    // The confirmation says exactly what rule goes on which node.
    const confirm = page.getByRole('dialog', { name: 'Create Firewall Rule' })
    await confirm.waitFor()
    const said = (await confirm.textContent()) ?? ''
    expect(said).toContain(`Create an inbound Windows Firewall rule on WIN-NODE1 (administrator@127.0.0.1:${one.port}) that allows IP protocol 112 (VRRP) from 198.51.100.22 only?`)
    expect(said).toContain('Rule "HAVIP Manager: VRRP (IP protocol 112) from cluster peers" (name HAVIP-VRRP-IP112): inbound, allow, protocol 112, remote addresses 198.51.100.22, every firewall profile.')
    await shot(page, 'windows-firewall-rule.png', false)
    await confirm.getByRole('button', { name: 'Create firewall rule' }).click()
    await confirm.waitFor({ state: 'detached' })

    // Created, and the test ran again: the report now says Success on both nodes, with no offer left.
    // Done or refused, the outcome shows under the test (an error would be an alert there).
    const outcome = firewall.getByRole('status').or(firewall.getByRole('alert'))
    await outcome.waitFor()
    expect((await outcome.textContent())?.trim()).toBe('Created HAVIP-VRRP-IP112 on WIN-NODE1 (IP protocol 112 from 198.51.100.22); the firewall test ran again: Success.')
    await expect.poll(async () => firewall.getByRole('row').first().textContent()).toMatch(/Success.*Success/)
    expect(await firewall.getByRole('button', { name: 'Create firewall rule' }).count()).toBe(0)
    await firewall.evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await shot(page, 'windows-firewall-rule-created.png', false)
    const sent = one.execs.map((c) => identifyScript(c.split(' '))).filter((r) => r?.name === 'vrrp-firewall-rule')
    expect(sent).toEqual([{ name: 'vrrp-firewall-rule', params: { name: 'HAVIP-VRRP-IP112', displayName: 'HAVIP Manager: VRRP (IP protocol 112) from cluster peers', peers: ['198.51.100.22'] } }])
    expect(two.execs.some((c) => identifyScript(c.split(' '))?.name === 'vrrp-firewall-rule')).toBe(false)
    await reportDialog.getByRole('button', { name: 'Close' }).last().click()
    await wizard.getByRole('button', { name: 'Finish' }).click()
    expect(pages.problems).toEqual([])
  })
})
