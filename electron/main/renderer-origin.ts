// Which frame URLs count as "our renderer" for IPC sender checks. Kept free of 'electron'
// so it can be unit-tested (test/unit/api/renderer-origin.test.ts).
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface RendererLocation {
  /** Absolute path of out/renderer/index.html (packaged/preview). */
  indexHtml: string
  /** Vite dev server URL (electron-vite dev), if running in dev. */
  devUrl?: string
}

/**
 * True only for our own index.html (any query/hash) when packaged, or for the dev server's
 * exact origin in dev. Everything else — other local files, other origins, about:blank,
 * data: and javascript: URLs — is refused.
 */
export function isOurRenderer(frameUrl: string, where: RendererLocation): boolean {
  let url: URL
  try {
    url = new URL(frameUrl)
  } catch {
    return false
  }
  if (where.devUrl) {
    let dev: URL
    try {
      dev = new URL(where.devUrl)
    } catch {
      return false
    }
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === dev.origin
  }
  if (url.protocol !== 'file:' || (url.host !== '' && url.host !== 'localhost')) return false
  try {
    return path.resolve(fileURLToPath(url)) === path.resolve(where.indexHtml)
  } catch {
    return false
  }
}
