// Steps the wizard e2e tests share: the Connect dialog a wizard opens (root with the lab's key,
// then the first-contact host-key check), a server's row on Select Servers, and the check that
// the wizard shows a given page.
import type { Locator, Page } from 'playwright-core'
import { expect } from 'vitest'
import type { LabNode } from '../../lab/lab'
import { currentLab } from './lab-state'

export async function connectWithLabKey(page: Page, n: LabNode): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Connect to Node' })
  await dialog.waitFor()
  expect(await dialog.getByLabel('Node address').inputValue()).toBe(n.address)
  await dialog.getByLabel('Key file path').fill(currentLab().rootKeyPath)
  await dialog.getByRole('button', { name: 'Connect', exact: true }).click()
  const keyDialog = page.getByRole('dialog', { name: 'Verify the host key' })
  await keyDialog.waitFor()
  expect(await keyDialog.getByTestId('host-key-fingerprint').textContent()).toBe(n.hostKeyFingerprint)
  await keyDialog.getByRole('button', { name: 'Trust and connect' }).click()
  await keyDialog.waitFor({ state: 'detached' })
}

export function serverRow(wizard: Locator, n: LabNode): Locator {
  return wizard.getByRole('table', { name: 'Servers' }).getByRole('row').filter({ hasText: n.address })
}

/** Waits for the wizard's page `title` (its heading, and the step list's current entry). */
export async function pageTitle(wizard: Locator, title: string, timeout?: number): Promise<void> {
  await wizard.getByRole('heading', { name: title, exact: true }).waitFor({ timeout })
  expect(await wizard.locator('[aria-current="step"]').textContent()).toContain(title)
}
