// End to end, as an admin would (issue 12): browser mode (`node out/node/web.cjs`) in Debian's
// Chromium against the lab. With n1 connected, "Open Terminal" in the node's Actions opens a
// terminal tab; a typed command's output appears in the xterm, fitted to the pane; the tree
// hides the terminals and the Actions pane brings them back; closing the tab ends the shell; a
// flood of output leaves the console usable and the backend's buffer bounded.
// The console must run clean under its strict CSP (xterm's styles included). Screenshot:
// docs/screenshots/terminal-node.png.
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { LabNode, LabState } from '../lab/lab'
import { TERMINAL_HIGH_WATERMARK, TERMINAL_OUTPUT_MAX_CHARS } from '../../electron/api/terminal'
import { callApi } from './support/api-client'
import { labNode } from './support/lab-state'
import { shot } from './support/console-pages'
import { consoleSuite } from './support/console-suite'

const suite = consoleSuite('terminal')
const pages = suite.pages

/**
 * Arranged through the API: n1's host key and a connection as the lab's key user (the Connect
 * dialog has its own tests). Connecting again replaces an earlier session of the same target.
 */
async function connectN1(): Promise<{ n1: LabNode; user: LabState['keyUsers']['nopasswdSudo'] }> {
  const n1 = labNode('n1')
  const user = suite.lab().keyUsers.nopasswdSudo
  await callApi(suite.server().baseUrl, suite.server().token, 'hostKeys.trust', { host: n1.address, port: n1.sshPort, keyType: 'ssh-ed25519', fingerprint: n1.hostKeyFingerprint })
  await callApi(suite.server().baseUrl, suite.server().token, 'connections.connect', {
    host: n1.address,
    port: n1.sshPort,
    username: user.name,
    auth: { kind: 'key', privateKeyPath: user.privateKeyPath }
  })
  return { n1, user }
}

/** The text xterm rendered (its rows), without the trailing blanks of each row. */
async function screenText(page: Page): Promise<string> {
  return page.locator('.xterm-rows').first().evaluate((rows) => [...rows.children].map((r) => (r.textContent ?? '').trimEnd()).join('\n'))
}

describe('terminals in the console', () => {
  it('opens a terminal on n1 from the Actions pane, runs a command and shows its output', async () => {
    const { n1, user } = await connectN1()

    const page = await pages.open(suite.server().url)
    await page.getByRole('treeitem', { name: new RegExp(`${user.name}@${n1.address.replace(/\./g, '\\.')}|n1`) }).click()
    const actions = page.getByRole('complementary', { name: 'Actions' })
    await actions.getByRole('button', { name: 'Open Terminal' }).click()

    // A tab for the node, and a live shell in it.
    const tab = page.getByRole('tab', { name: new RegExp(`${user.name}@`) })
    await tab.waitFor()
    await page.locator('.xterm-rows').first().waitFor()
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/\$\s*$/m)
    await page.locator('.xterm').first().click()
    await page.keyboard.type('echo "E2E=$((6*7)) on $(hostname) as $(id -un)"')
    await page.keyboard.press('Enter')
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toContain(`E2E=42 on n1 as ${user.name}`)

    // The PTY has the size xterm was fitted to (wider than the 100 columns it opened with).
    await page.keyboard.type('stty size')
    await page.keyboard.press('Enter')
    await expect.poll(() => screenText(page)).toMatch(/^\d+ \d+$/m)
    const [rows, cols] = (/^(\d+) (\d+)$/m.exec(await screenText(page)) ?? []).slice(1).map(Number)
    expect(cols).toBeGreaterThan(100)
    expect(rows).toBeGreaterThan(10)
    // Colours come through (xterm's styles under the CSP): ls --color marks a directory.
    await page.keyboard.type('printf "\\033[32mGREEN\\033[0m\\n"')
    await page.keyboard.press('Enter')
    const green = page.locator('.xterm-rows span', { hasText: /^GREEN$/ }).first()
    await green.waitFor()
    // xterm's default ANSI green and the theme's foreground: both come from its mirrored styles.
    expect(await green.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color)).toBe('rgb(78, 154, 6)')
    expect(await page.locator('.xterm-rows').first().evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).color)).toBe('rgb(212, 212, 212)')
    await shot(page, 'terminal-node.png', true)

    // The tree shows its selection; the Actions pane's Terminals section brings the terminal back, screen kept.
    await page.getByRole('treeitem', { name: /Connections/ }).first().click()
    await expect.poll(() => page.locator('.xterm-rows').first().isVisible()).toBe(false)
    await actions.getByRole('button', { name: new RegExp(`^${user.name}@`) }).click()
    await expect.poll(() => screenText(page)).toContain(`E2E=42 on n1 as ${user.name}`)

    // Closing the tab ends the shell in the backend.
    await page.getByRole('button', { name: /^Close terminal/ }).click()
    await expect.poll(() => page.getByRole('tab').count()).toBe(0)
    await expect.poll(async () => (await callApi(suite.server().baseUrl, suite.server().token, 'terminal.list', {})) as unknown[]).toEqual([])
    expect(pages.problems).toEqual([])
  })

  it('a flood of output does not freeze the console: xterm acknowledges as it writes, the backend stays bounded, the shell answers after', async () => {
    const { n1, user } = await connectN1()
    const page = await pages.open(suite.server().url)
    await page.getByRole('treeitem', { name: new RegExp(`${user.name}@${n1.address.replace(/\./g, '\\.')}|n1`) }).click()
    const actions = page.getByRole('complementary', { name: 'Actions' })
    await actions.getByRole('button', { name: 'Open Terminal' }).click()
    await page.getByRole('tab', { name: new RegExp(`${user.name}@`) }).waitFor()
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/\$\s*$/m)
    await page.locator('.xterm').first().click()
    await page.keyboard.type('yes | head -c 10000000; echo "FLOOD-$((40+2))"')
    await page.keyboard.press('Enter')

    // While it floods: the backend never holds more than the watermark unacknowledged, and the
    // console answers clicks (the tree, then back to the terminal from the Actions pane).
    let maxUnacked = 0
    let sawFlow = false
    const flowOf = async () =>
      ((await callApi(suite.server().baseUrl, suite.server().token, 'terminal.list', {})) as Array<{ flow: { unackedChars: number; totalChars: number } }>)[0]?.flow
    await expect
      .poll(
        async () => {
          const f = await flowOf()
          if (f) {
            maxUnacked = Math.max(maxUnacked, f.unackedChars)
            sawFlow ||= f.totalChars > 1_000_000
          }
          return sawFlow
        },
        { timeout: 60_000, interval: 100 }
      )
      .toBe(true)
    await page.getByRole('treeitem', { name: /Connections/ }).first().click()
    await expect.poll(() => page.locator('.xterm-rows').first().isVisible()).toBe(false)
    await actions.getByRole('button', { name: new RegExp(`^${user.name}@`) }).click()
    await expect
      .poll(
        async () => {
          const f = await flowOf()
          if (f) maxUnacked = Math.max(maxUnacked, f.unackedChars)
          return screenText(page)
        },
        { timeout: 90_000, interval: 250 }
      )
      .toMatch(/^FLOOD-42$/m)
    const total = (await flowOf())?.totalChars ?? 0
    console.log(`terminal flood in Chromium: ${total} characters written by xterm; backend max unacknowledged ${maxUnacked}`)
    expect(total).toBeGreaterThanOrEqual(15_000_000) // 10 MB of "y\n", each "\n" sent as "\r\n"
    expect(maxUnacked).toBeLessThanOrEqual(TERMINAL_HIGH_WATERMARK + TERMINAL_OUTPUT_MAX_CHARS)
    await page.keyboard.type('echo "AFTER=$((6*7))"')
    await page.keyboard.press('Enter')
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toMatch(/^AFTER=42$/m)
    // Once output stops, the renderer acknowledges the rest: nothing stays outstanding.
    await expect.poll(async () => (await flowOf())?.unackedChars).toBe(0)
    await page.getByRole('button', { name: /^Close terminal/ }).click()
    expect(pages.problems).toEqual([])
  })

  it('opens a local shell on this computer (node-pty is built here)', async () => {
    const caps = (await callApi(suite.server().baseUrl, suite.server().token, 'terminal.capabilities', {})) as { localShell: { available: boolean } }
    const page = await pages.open(suite.server().url)
    const actions = page.getByRole('complementary', { name: 'Actions' })
    const local = actions.getByRole('button', { name: 'Local Shell' })
    await local.waitFor()
    if (!caps.localShell.available) {
      // Where node-pty could not be built, the action says why instead.
      expect(await local.isDisabled()).toBe(true)
      expect(await actions.textContent()).toMatch(/needs node-pty/)
      return
    }
    await expect.poll(() => local.isEnabled()).toBe(true)
    await local.click()
    await page.getByRole('tab', { name: /Local shell/ }).waitFor()
    await page.locator('.xterm').first().click()
    await page.keyboard.type('echo "LOCAL=$((40+2))"')
    await page.keyboard.press('Enter')
    await expect.poll(() => screenText(page), { timeout: 20_000 }).toContain('LOCAL=42')
    await page.getByRole('button', { name: /^Close terminal/ }).click()
    await expect.poll(() => page.getByRole('tab').count()).toBe(0)
    expect(pages.problems).toEqual([])
  })
})
