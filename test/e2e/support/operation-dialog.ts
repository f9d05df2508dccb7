// The Operation dialog of a cluster action (Add Node, Evict, Destroy, roles, rollback), read
// until its result the way an admin reads it: the outcome's sentence, and all the dialog said
// (the steps, the error naming the node) for a failure message. Closes the dialog.
import type { Page } from 'playwright-core'
import { shot } from './console-pages'

/** Long enough for an operation on three lab nodes on a loaded machine. */
export const OPERATION_TIMEOUT_MS = 120_000

export async function operationResult(page: Page, title: RegExp, picture?: string): Promise<{ outcome: string; all: string }> {
  const dialog = page.getByRole('dialog', { name: title })
  await dialog.waitFor()
  await dialog.locator('li[data-state]').first().waitFor({ timeout: OPERATION_TIMEOUT_MS })
  const outcome = dialog.getByTestId('operation-outcome')
  await outcome.waitFor({ timeout: OPERATION_TIMEOUT_MS })
  if (picture) await shot(page, picture, false)
  const result = { outcome: (await outcome.textContent()) ?? '', all: (await dialog.textContent()) ?? '' }
  await dialog.getByRole('button', { name: 'Close' }).last().click()
  await dialog.waitFor({ state: 'detached' })
  return result
}
