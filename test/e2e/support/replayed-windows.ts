// What the browser-mode e2e tests on replayed Windows nodes share: connecting one through the
// toolbar's Connect to node... as an administrator with a password (the host key shown must be
// the replayed node's own), and the lifecycle of two replayed Windows cluster nodes with a web
// server that deploys the stand-in agent bundle and runtime they expect, and Chromium.
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { hostKeyInfoOf } from '../../../electron/backend/ssh/host-key'
import type { ReplayedWindowsNode } from '../../support/replayed-windows-node'
import { startWindowsClusterNode, type WindowsClusterNode, type WindowsClusterNodeOptions } from '../../support/windows-cluster-node'
import { windowsDeployDirs } from '../../support/windows-deploy-node'
import { launchChromium } from './chromium'
import { ConsolePages } from './console-pages'
import { startWebServer, type RunningWebServer } from './web-server'

/** Every command a replayed Windows node may receive from the app: one encoded PowerShell script. */
export const POWERSHELL_COMMAND = /^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/

/** Connect to node... from the toolbar: administrator with a password; the fingerprint shown is the replayed node's own key. */
export async function connectReplayedWindowsNode(page: Page, n: ReplayedWindowsNode, password: string): Promise<void> {
  await page.getByRole('toolbar').getByRole('button', { name: 'Connect to node...' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connect to Node' })
  await dialog.waitFor()
  await dialog.getByLabel('Node address').fill('127.0.0.1')
  await dialog.getByLabel('Port').fill(String(n.port))
  await dialog.getByLabel('User name').fill('administrator')
  await dialog.getByLabel('Password', { exact: true }).check()
  await dialog.getByRole('textbox', { name: 'Password' }).fill(password)
  await dialog.getByRole('button', { name: 'Connect' }).click()
  const keyDialog = page.getByRole('dialog', { name: 'Verify the host key' })
  await keyDialog.waitFor()
  expect(await keyDialog.getByTestId('host-key-fingerprint').textContent()).toBe(hostKeyInfoOf('127.0.0.1', n.port!, n.hostKey.parsed.getPublicSSH()).fingerprint)
  await keyDialog.getByRole('button', { name: 'Trust and connect' }).click()
  await keyDialog.waitFor({ state: 'detached' })
}

export interface ReplayedWindowsSuite {
  /** WIN-NODE1 (master once started) and WIN-NODE2 (backup), filled in beforeAll. */
  readonly nodes: WindowsClusterNode[]
  server(): RunningWebServer
  readonly pages: ConsolePages
}

/**
 * Registers beforeAll/afterAll for two replayed Windows cluster nodes, a browser-mode server that
 * deploys the stand-in bundle and runtime (HAVIP_AGENT_BUNDLE_DIR, HAVIP_RUNTIME_DIR) and Chromium.
 * `extra` adds options per node (e.g. onAgentCommand), given the suite's node list.
 */
export function replayedWindowsSuite(password: string, extra: (which: 1 | 2, nodes: WindowsClusterNode[]) => Partial<WindowsClusterNodeOptions> = () => ({})): ReplayedWindowsSuite {
  let dirs: { bundleDir: string; runtimeDir: string } | undefined
  const nodes: WindowsClusterNode[] = []
  let server: RunningWebServer | undefined
  let browser: Browser | undefined
  const pages = new ConsolePages(() => browser)

  beforeAll(async () => {
    dirs = windowsDeployDirs()
    for (const [which, role] of [[1, 'master'], [2, 'backup']] as const) {
      nodes.push(await startWindowsClusterNode({ listen: { port: 0 }, password, which, role, ...extra(which, nodes) }))
    }
    server = await startWebServer({ env: { HAVIP_AGENT_BUNDLE_DIR: dirs.bundleDir, HAVIP_RUNTIME_DIR: dirs.runtimeDir } })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await pages.closeAll()
    await browser?.close().catch(() => {})
    await server?.stop()
    for (const n of nodes) await n.stop()
    if (dirs) fs.rmSync(path.dirname(dirs.bundleDir), { recursive: true, force: true })
  })

  return {
    nodes,
    server: () => {
      if (!server) throw new Error('the browser-mode server is not running (beforeAll failed?)')
      return server
    },
    pages
  }
}
