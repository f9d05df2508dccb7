// Opening the console in Chromium for e2e tests: one browser context per page (own storage),
// console errors and CSP violations collected (the console must run clean under its CSP),
// and screenshots into docs/screenshots/.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const SCREENSHOTS = path.resolve(__dirname, '../../../docs/screenshots')
export const UI_TIMEOUT_MS = 30_000

export class ConsolePages {
  /** Console errors and page errors seen by any page opened here. */
  readonly problems: string[] = []
  /** The page opened last (for a picture when a test fails). */
  last: Page | undefined
  private readonly contexts: BrowserContext[] = []

  constructor(private readonly browser: () => Browser | undefined) {}

  async open(url: string, viewport = { width: 1360, height: 820 }): Promise<Page> {
    const browser = this.browser()
    if (!browser) throw new Error('browser not started')
    const context = await browser.newContext({ viewport })
    this.contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(UI_TIMEOUT_MS)
    page.on('console', (msg) => {
      if (msg.type() === 'error') this.problems.push(`console error: ${msg.text()}`)
    })
    page.on('pageerror', (err) => this.problems.push(`page error: ${err.message}`))
    await page.goto(url)
    this.last = page
    return page
  }

  async closeAll(): Promise<void> {
    this.last = undefined
    for (const c of this.contexts.splice(0)) await c.close().catch(() => {})
  }
}

export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage })
}
