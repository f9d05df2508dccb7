// End to end, as an admin would: browser mode (`node out/node/web.cjs`) in Debian's Chromium,
// against the lab's real sshd nodes. Connect to n1 via the UI, verify and trust its host key,
// see its facts; a wrong password says "authentication failed"; a changed key is refused with
// no one-click accept; without its token the page says so. Screenshots go to docs/screenshots/.
import * as fs from 'node:fs'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { nodeExec } from '../lab/exec'
import { newSshdConnections, sshdConnections } from '../lab/sshd-sessions'
import { callApi } from './support/api-client'
import { labNode } from './support/lab-state'
import { shot } from './support/console-pages'
import { consoleSuite } from './support/console-suite'

// The browser-mode server, Chromium and pages as every console e2e file has them; the lab is
// read afresh per test (host keys are regenerated whenever the lab is rebuilt).
const suite = consoleSuite('connect-node')
const pages = suite.pages
/** Console errors and CSP violations seen by any page: the console must run clean under its CSP. */
const pageProblems = pages.problems

const openConsole = (url: string): Promise<Page> => pages.open(url)

async function openConnectDialog(page: Page) {
  await page.getByRole('toolbar').getByRole('button', { name: 'Connect to node...' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connect to Node' })
  await dialog.waitFor()
  return dialog
}

describe('browser mode console against the lab', () => {
  it('connects to n1 as root with the lab key, shows its host key for trust, then its facts', async () => {
    const n1 = labNode('n1')
    const page = await openConsole(suite.server().url)
    await expect.poll(() => page.getByText('Browser mode', { exact: true }).isVisible()).toBe(true)
    const sshdBefore = new Set((await sshdConnections(n1)).map((c) => c.peer))

    const dialog = await openConnectDialog(page)
    await dialog.getByLabel('Node address').fill(n1.address)
    await expect.poll(() => dialog.getByLabel('Port').inputValue()).toBe('22')
    await dialog.getByLabel('User name').fill('root')
    await dialog.getByLabel('Private key file').check()
    await dialog.getByLabel('Key file path').fill(suite.lab().rootKeyPath)
    await shot(page, 'connect-dialog.png', false)
    await dialog.getByRole('button', { name: 'Connect' }).click()

    // First contact: the fingerprint shown must be the node's real one (from the lab's own ssh-keygen).
    const keyDialog = page.getByRole('dialog', { name: 'Verify the host key' })
    await keyDialog.waitFor()
    await expect.poll(() => keyDialog.getByTestId('host-key-fingerprint').textContent()).toBe(n1.hostKeyFingerprint)
    expect(await keyDialog.getByTestId('host-key-type').textContent()).toBe('ssh-ed25519')
    expect(await keyDialog.textContent()).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')
    await shot(page, 'host-key-prompt.png', false)
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click()

    // Node details: hostname n1 and eth0 with its lab address and prefix.
    await keyDialog.waitFor({ state: 'detached' })
    const hostname = page.getByTestId('fact-hostname')
    await hostname.waitFor()
    expect(await hostname.textContent()).toBe('n1')
    const eth0 = page.getByTestId('interfaces').getByRole('row').filter({ hasText: 'eth0' })
    await expect.poll(() => eth0.textContent()).toContain(`${n1.address}/${suite.lab().prefix}`)
    expect(await eth0.textContent()).toContain('UP')
    // The tree lists the connection under Connections, selected.
    const treeItem = page.getByRole('treeitem', { selected: true })
    expect(await treeItem.textContent()).toContain('n1')
    // The pinned key is shown with the connection.
    expect(await page.getByRole('main').textContent()).toContain(n1.hostKeyFingerprint)
    // The events strip saw the connection come up.
    await page.getByRole('button', { name: /^Events/ }).click()
    await expect.poll(() => page.getByRole('region', { name: 'Recent events' }).textContent()).toMatch(/Connected/)
    await page.getByRole('button', { name: /^Events/ }).click()

    // Refresh re-reads the facts from the node (a new collection time).
    const actions = page.getByRole('complementary', { name: 'Actions' })
    expect(await actions.getByRole('heading', { level: 2 }).first().textContent()).toBe('n1')
    const collectedBefore = await page.locator('.collected').textContent()
    await page.waitForTimeout(1100) // the shown time has second resolution
    await actions.getByRole('button', { name: 'Refresh' }).click()
    await expect.poll(() => page.locator('.collected').textContent(), { timeout: 15_000 }).not.toBe(collectedBefore)

    await shot(page, 'node-details.png', true)

    // The connection drops (its sshd session is killed on the node): the view says so at once,
    // without a reload or an action: badge, tree dot, stale-facts note and the reason.
    const ours = await newSshdConnections(n1, suite.lab().hostAddress, sshdBefore)
    expect(ours, JSON.stringify(ours)).toHaveLength(1)
    const killed = await nodeExec(n1, ['kill', '-KILL', ...ours[0]!.pids.map(String)], { timeoutMs: 10_000 })
    expect(killed.code, killed.stderr).toBe(0)
    const header = page.getByRole('main').locator('.pane-header')
    await expect.poll(() => header.textContent(), { timeout: 20_000 }).toContain('Disconnected')
    expect(await page.getByRole('note').textContent()).toContain('these facts are from the last connection')
    expect(await page.getByRole('treeitem', { selected: true }).locator('.dot').getAttribute('class')).toContain('dot-disconnected')
    expect(await page.getByRole('main').textContent()).toContain(`Connection to ${n1.address} lost`)
    await shot(page, 'connection-lost.png', true)
    await actions.getByRole('button', { name: 'Connect...' }).click()
    await expect.poll(() => header.textContent()).toContain('Connected')
    expect(await page.getByRole('main').textContent()).not.toContain(`Connection to ${n1.address} lost`)

    // Disconnect, then connect again with what the backend remembered (the key path): no form needed.
    await actions.getByRole('button', { name: 'Disconnect' }).click()
    await expect.poll(() => header.textContent()).toContain('Disconnected')
    await actions.getByRole('button', { name: 'Connect...' }).click()
    await expect.poll(() => header.textContent()).toContain('Connected')
    expect(await page.getByRole('dialog').count()).toBe(0)
    expect(await page.getByTestId('fact-hostname').textContent()).toBe('n1')

    // Forget asks first; then the entry leaves the tree.
    await actions.getByRole('button', { name: 'Forget connection...' }).click()
    const confirm = page.getByRole('dialog', { name: 'Forget connection' })
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await confirm.waitFor({ state: 'detached' })
    expect(await page.getByRole('treeitem', { name: /n1/ }).count()).toBe(1)
    await actions.getByRole('button', { name: 'Forget connection...' }).click()
    await confirm.getByRole('button', { name: 'Forget connection' }).click()
    await expect.poll(() => page.getByRole('treeitem', { name: /n1/ }).count()).toBe(0)
    expect(await page.getByRole('treeitem', { selected: true }).textContent()).toContain('Connections')
    expect(pageProblems).toEqual([])
  })

  it('shows "Authentication failed" in the dialog for a wrong havipadm password', async () => {
    const n2 = labNode('n2')
    const page = await openConsole(suite.server().url)
    const dialog = await openConnectDialog(page)
    await dialog.getByLabel('Node address').fill(n2.address)
    await dialog.getByLabel('User name').fill(suite.lab().sudoUser)
    await dialog.getByLabel('Password', { exact: true }).check()
    await dialog.getByRole('textbox', { name: 'Password' }).fill('definitely-not-the-password')
    await dialog.getByRole('button', { name: 'Connect' }).click()

    // n2 is new to this data dir: its key comes first (SSH verifies the host before the user).
    const keyDialog = page.getByRole('dialog', { name: 'Verify the host key' })
    await keyDialog.waitFor()
    expect(await keyDialog.getByTestId('host-key-fingerprint').textContent()).toBe(n2.hostKeyFingerprint)
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click()

    const back = page.getByRole('dialog', { name: 'Connect to Node' })
    const alert = back.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/authentication failed/i)
    // The form stays, so the admin can correct the password.
    expect(await back.getByLabel('Node address').inputValue()).toBe(n2.address)
    await shot(page, 'auth-failed.png', false)
    expect(pageProblems).toEqual([])
  })

  it('remembers a password when asked and reconnects with it without asking again', async () => {
    const n2 = labNode('n2')
    const password = fs.readFileSync(suite.lab().sudoPasswordPath, 'utf8').trim()
    const page = await openConsole(suite.server().url)
    const dialog = await openConnectDialog(page)
    await dialog.getByLabel('Node address').fill(n2.address)
    await dialog.getByLabel('User name').fill(suite.lab().sudoUser)
    await dialog.getByLabel('Password', { exact: true }).check()
    await dialog.getByRole('textbox', { name: 'Password' }).fill(password)
    // Browser mode keeps secrets in a 0600 file: the dialog says so and never says "encrypted".
    const remember = dialog.getByTestId('remember-secret')
    expect(await remember.textContent()).toMatch(/stored unencrypted in a file only your user can read \(mode 0600\)/)
    expect(await remember.textContent()).toMatch(/Leave this unticked/)
    expect(await dialog.textContent()).not.toMatch(/(?<!un)encrypted (with|in)/i)
    expect(await dialog.getByLabel('Remember password').isChecked()).toBe(false)
    await dialog.getByLabel('Remember password').check()
    await shot(page, 'remember-password.png', false)
    await dialog.getByRole('button', { name: 'Connect' }).click()

    // n2's key may already be pinned by an earlier test of this file; if not, it is asked for first.
    const keyDialog = page.getByRole('dialog', { name: 'Verify the host key' })
    const hostname = page.getByTestId('fact-hostname')
    await keyDialog.or(hostname).first().waitFor()
    if (await keyDialog.isVisible()) {
      expect(await keyDialog.getByTestId('host-key-fingerprint').textContent()).toBe(n2.hostKeyFingerprint)
      await keyDialog.getByRole('button', { name: 'Trust and connect' }).click()
    }
    await hostname.waitFor()
    expect(await hostname.textContent()).toBe('n2')
    const main = page.getByRole('main')
    expect(await main.textContent()).toContain('password remembered')
    // The password never reaches the page again (only the backend keeps it).
    expect(await page.content()).not.toContain(password)

    const actions = page.getByRole('complementary', { name: 'Actions' })
    await actions.getByRole('button', { name: 'Disconnect' }).click()
    const header = main.locator('.pane-header')
    await expect.poll(() => header.textContent()).toContain('Disconnected')
    await actions.getByRole('button', { name: 'Connect...' }).click()
    await expect.poll(() => header.textContent()).toContain('Connected')
    expect(await page.getByRole('dialog').count()).toBe(0)
    expect(pageProblems).toEqual([])
  })

  it('refuses a changed host key with both fingerprints and no one-click accept; replacing the pin is an explicit, acknowledged step', async () => {
    const n3 = labNode('n3')
    // Arrange through the public API: pin a key that is NOT n3's (as if the node had been replaced).
    await callApi(suite.server().baseUrl, suite.server().token, 'hostKeys.trust', {
      host: n3.address,
      port: n3.sshPort,
      keyType: 'ssh-ed25519',
      fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    })
    const page = await openConsole(suite.server().url)
    const dialog = await openConnectDialog(page)
    await dialog.getByLabel('Node address').fill(n3.address)
    await dialog.getByLabel('Key file path').fill(suite.lab().rootKeyPath)
    await dialog.getByRole('button', { name: 'Connect' }).click()

    const warn = page.getByRole('dialog', { name: 'Warning: host key changed' })
    await warn.waitFor()
    expect(await warn.getByTestId('host-key-expected').textContent()).toBe('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    expect(await warn.getByTestId('host-key-fingerprint').textContent()).toBe(n3.hostKeyFingerprint)
    expect(await warn.getByRole('button', { name: /trust/i }).count()).toBe(0)
    await shot(page, 'host-key-changed.png', false)

    // The API itself refuses a plain trust of the new key over the old pin (issue 9 item 14).
    await expect(
      callApi(suite.server().baseUrl, suite.server().token, 'hostKeys.trust', {
        host: n3.address,
        port: n3.sshPort,
        keyType: 'ssh-ed25519',
        fingerprint: n3.hostKeyFingerprint
      })
    ).rejects.toThrow(/already has a different pinned host key/)

    // Replacing the pin is a separate step that names both keys and must be acknowledged.
    await warn.getByRole('button', { name: 'Replace pinned key...' }).click()
    const replace = warn.getByRole('button', { name: 'Replace key and connect' })
    expect(await replace.isDisabled()).toBe(true)
    const confirmText = await warn.getByTestId('replace-confirm').textContent()
    expect(confirmText).toContain('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    expect(confirmText).toContain(n3.hostKeyFingerprint)
    await warn.getByLabel(/I checked on the node itself/).check()
    await shot(page, 'host-key-replace.png', false)
    await replace.click()
    await page.getByTestId('fact-hostname').waitFor()
    expect(await page.getByTestId('fact-hostname').textContent()).toBe('n3')
    const pins = (await callApi(suite.server().baseUrl, suite.server().token, 'hostKeys.list', {})) as Array<{ host: string; fingerprint: string }>
    expect(pins.filter((k) => k.host === n3.address).map((k) => k.fingerprint)).toEqual([n3.hostKeyFingerprint])
    expect(pageProblems).toEqual([])
  })

  it('is keyboard usable: tree arrows select and expand, Shift+F10 opens the actions; the dialog validates inline and shows backend errors', async () => {
    const page = await openConsole(suite.server().url)
    const root = page.getByRole('treeitem', { name: /^HAVIP Manager/ })
    await root.focus()
    await page.keyboard.press('ArrowDown')
    await page.getByRole('main').getByRole('heading', { name: 'Clusters', level: 1 }).waitFor()
    // No cluster yet: the Clusters view says how to get one, and offers both ways.
    expect(await page.getByRole('main').textContent()).toContain('No clusters yet')
    expect(await page.getByRole('treeitem', { selected: true }).textContent()).toContain('Clusters')
    // Left goes to the parent, Left again collapses it, Right expands it again.
    await page.keyboard.press('ArrowLeft')
    expect(await page.getByRole('treeitem', { selected: true }).textContent()).toContain('HAVIP Manager')
    await page.keyboard.press('ArrowLeft')
    await page.getByRole('treeitem', { name: /^Connections/ }).waitFor({ state: 'detached' })
    await page.keyboard.press('ArrowRight')
    await page.getByRole('treeitem', { name: /^Connections/ }).waitFor()
    await page.keyboard.press('ArrowDown')
    await page.getByRole('main').getByRole('heading', { name: 'Clusters', level: 1 }).waitFor()

    await page.keyboard.press('Shift+F10')
    const menu = page.getByRole('menu')
    await menu.waitFor()
    expect(await menu.getByRole('menuitem', { name: 'Create Cluster...' }).getAttribute('aria-disabled')).not.toBe('true')
    expect(await menu.getByRole('menuitem', { name: 'Connect to Cluster...' }).getAttribute('aria-disabled')).not.toBe('true')
    await page.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
    expect(await page.locator(':focus').getAttribute('role')).toBe('treeitem')

    await page.getByRole('toolbar').getByRole('button', { name: 'Connect to node...' }).press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Connect to Node' })
    await dialog.waitFor()
    expect(await page.locator(':focus').getAttribute('id')).toBe(await dialog.getByLabel('Node address').getAttribute('id'))
    // Client-side validation names the field inline before anything is sent.
    await dialog.getByLabel('Node address').fill('bad host!')
    await dialog.getByLabel('Port').fill('70000')
    await dialog.getByRole('button', { name: 'Connect' }).click()
    expect(await dialog.getByLabel('Node address').getAttribute('aria-invalid')).toBe('true')
    expect(await dialog.textContent()).toContain('port must be 1..65535')
    // An error only the backend can see (the key file is read on its machine) is shown with its hint.
    await dialog.getByLabel('Node address').fill(suite.lab().nodes[0]!.address)
    await dialog.getByLabel('Port').fill('22')
    await dialog.getByLabel('Key file path').fill('/nonexistent/havip-e2e/id_ed25519')
    await dialog.getByRole('button', { name: 'Connect' }).click()
    const backendError = dialog.getByRole('alert')
    await backendError.waitFor()
    expect(await backendError.textContent()).toMatch(/private key/i)
    expect(await backendError.textContent()).toContain('What to do')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    expect(pageProblems).toEqual([])
  })

  it('without its token the page says the browser-mode URL needs its token', async () => {
    const page = await openConsole(suite.server().baseUrl)
    const heading = page.getByRole('heading', { name: 'This browser-mode URL needs its token' })
    await heading.waitFor()
    expect(await page.getByRole('alert').textContent()).toContain('npm run web')
    // The console itself is not shown (nothing pretends to work).
    expect(await page.getByRole('tree').count()).toBe(0)
    await shot(page, 'token-required.png', false)
    expect(pageProblems).toEqual([]) // without a token the page does not even try the backend

    const stale = await openConsole(`${suite.server().baseUrl}#token=${'x'.repeat(32)}`)
    await stale.getByRole('heading', { name: 'The backend refused this browser-mode token' }).waitFor()
    // Chromium logs the refused WebSocket upgrade itself; that one is expected here.
    pageProblems.splice(0)
  })
})
