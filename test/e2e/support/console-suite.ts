// The life of an e2e file that drives the console: browser mode started as a user would (own
// data dir), Debian's Chromium, one fresh browser context per test, a picture of where a failed
// test stopped (in the temp dir: it is no documentation), and everything stopped at the end
// (after the file's own clean-up, which still has the server to call).
import * as os from 'node:os'
import * as path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import type { LabState } from '../../lab/lab'
import { launchChromium } from './chromium'
import { ConsolePages } from './console-pages'
import { currentLab } from './lab-state'
import { startWebServer, type RunningWebServer } from './web-server'

export interface ConsoleSuite {
  pages: ConsolePages
  /** The running browser-mode server (throws before beforeAll ran). */
  server(): RunningWebServer
  /** The lab, read afresh before each test. */
  lab(): LabState
}

export function consoleSuite(name: string, cleanUp?: (server: RunningWebServer) => Promise<void>): ConsoleSuite {
  let lab: LabState | undefined
  let server: RunningWebServer | undefined
  let browser: Browser | undefined
  const pages = new ConsolePages(() => browser)

  beforeAll(async () => {
    lab = currentLab()
    server = await startWebServer()
    browser = await launchChromium()
  })

  beforeEach(() => {
    lab = currentLab()
    pages.problems.splice(0)
  })

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await pages.last?.screenshot({ path: path.join(os.tmpdir(), `havip-e2e-${name}-failed.png`) }).catch(() => {})
    await pages.closeAll()
  })

  afterAll(async () => {
    if (server && cleanUp) await cleanUp(server).catch((e) => console.error(`${name} e2e clean-up: ${(e as Error).message}`))
    await browser?.close().catch(() => {})
    await server?.stop()
  }, 180_000)

  return {
    pages,
    server: () => {
      if (!server) throw new Error('browser mode is not started (beforeAll has not run)')
      return server
    },
    lab: () => lab ?? currentLab()
  }
}
