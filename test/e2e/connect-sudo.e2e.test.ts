// The Connect dialog's sudo password (issue 9 item 12), end to end in Chromium against the
// lab: a key-only user whose sudo asks for a password (havipks) gets a field for it, root and
// password logins do not; what is typed there travels in `connections.connect` and nowhere
// else, and is gone from the dialog afterwards.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLabState, type LabState } from '../lab/lab'
import { launchChromium } from './support/chromium'
import { startWebServer, type RunningWebServer } from './support/web-server'

const SCREENSHOTS = path.resolve(__dirname, '../../docs/screenshots')

let lab: LabState
let server: RunningWebServer | undefined
let browser: Browser | undefined

beforeAll(async () => {
  const state = readLabState()
  if (!state?.keyUsers) throw new Error('the lab is not up with its key-only users: the e2e globalSetup should have built it')
  lab = state
  server = await startWebServer()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close().catch(() => {})
  await server?.stop()
})

describe('Connect dialog: sudo password', () => {
  it('asks for it for a key login other than root, sends it with the connect call only, and forgets it', async () => {
    const n1 = lab.nodes[0]!
    const user = lab.keyUsers.passwordSudo
    const sudoPassword = fs.readFileSync(user.sudoPasswordPath!, 'utf8').trim()
    const context = await browser!.newContext({ viewport: { width: 1360, height: 820 } })
    try {
      const page: Page = await context.newPage()
      page.setDefaultTimeout(30_000)
      const problems: string[] = []
      page.on('pageerror', (err) => problems.push(err.message))
      // Every API call the page sends (browser mode: JSON over the WebSocket).
      const sent: string[] = []
      page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))))
      await page.goto(server!.url)

      await page.getByRole('toolbar').getByRole('button', { name: 'Connect to node...' }).click()
      const dialog = page.getByRole('dialog', { name: 'Connect to Node' })
      await dialog.waitFor()
      const field = dialog.getByLabel('sudo password')
      // root needs no sudo; a password login gives sudo that password.
      await dialog.getByLabel('Node address').fill(n1.address)
      expect(await dialog.getByLabel('User name').inputValue()).toBe('root')
      expect(await field.count()).toBe(0)
      await dialog.getByLabel('User name').fill(user.name)
      await field.waitFor()
      await dialog.getByLabel('Password', { exact: true }).check()
      expect(await field.count()).toBe(0)
      await dialog.getByLabel('Private key file').check()
      await dialog.getByLabel('Key file path').fill(user.privateKeyPath)
      await field.fill(sudoPassword)
      expect(await field.getAttribute('type')).toBe('password')
      fs.mkdirSync(SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: path.join(SCREENSHOTS, 'connect-dialog-sudo.png') })
      await dialog.getByRole('button', { name: 'Connect' }).click()

      const keyDialog = page.getByRole('dialog', { name: 'Verify the host key' })
      await keyDialog.waitFor()
      expect(await keyDialog.getByTestId('host-key-fingerprint').textContent()).toBe(n1.hostKeyFingerprint)
      await keyDialog.getByRole('button', { name: 'Trust and connect' }).click()
      const hostname = page.getByTestId('fact-hostname')
      await hostname.waitFor()
      expect(await hostname.textContent()).toBe('n1')

      const carrying = sent.filter((f) => f.includes(sudoPassword))
      expect(carrying.length).toBeGreaterThan(0)
      for (const f of carrying) {
        const msg = JSON.parse(f) as { method?: string; input?: { sudoPassword?: string; username?: string } }
        expect(msg.method).toBe('connections.connect')
        expect(msg.input?.sudoPassword).toBe(sudoPassword)
        expect(msg.input?.username).toBe(user.name)
      }
      expect(await page.content()).not.toContain(sudoPassword)
      // A new dialog starts empty: the secret does not linger in the form.
      await page.getByRole('toolbar').getByRole('button', { name: 'Connect to node...' }).click()
      const again = page.getByRole('dialog', { name: 'Connect to Node' })
      await again.getByLabel('User name').fill(user.name)
      expect(await again.getByLabel('sudo password').inputValue()).toBe('')
      expect(problems).toEqual([])
    } finally {
      await context.close().catch(() => {})
    }
  })
})
