// Debian's Chromium driven by playwright-core (no browser download: the registries are all we have).
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.HAVIP_CHROMIUM ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  })
}
