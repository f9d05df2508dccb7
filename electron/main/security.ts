// Window and session hardening (Electron security checklist): strict CSP, no navigation,
// no new windows, no webviews, no permissions. Applied once, to every web contents.
import { app, session, type Session, type WebContents } from 'electron'

/** Production CSP: everything from our own bundle, nothing inline, no network but IPC. */
const CSP_PROD = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

/** The Vite dev server injects <style> tags and talks HMR over a WebSocket: dev only. */
function cspDev(devUrl: string): string {
  const origin = new URL(devUrl)
  return CSP_PROD.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "connect-src 'self'",
    `connect-src 'self' ws://${origin.host}`
  )
}

export function contentSecurityPolicy(devUrl: string | undefined): string {
  return devUrl ? cspDev(devUrl) : CSP_PROD
}

/**
 * Session-wide: CSP as a response header (index.html also carries it as a meta tag, which
 * is what applies to file:// loads where there are no HTTP headers), and deny every
 * permission request (camera, notifications, geolocation...): the console needs none.
 */
export function hardenSession(ses: Session, devUrl: string | undefined): void {
  const csp = contentSecurityPolicy(devUrl)
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [csp],
        'X-Content-Type-Options': ['nosniff']
      }
    })
  })
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}

/** Every web contents (also ones we did not create): no navigation away, no popups, no webviews. */
export function hardenAllWebContents(): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => event.preventDefault())
    contents.on('will-redirect', (event) => event.preventDefault())
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  })
}

export function hardenDefaultSession(devUrl: string | undefined): void {
  hardenSession(session.defaultSession, devUrl)
}
