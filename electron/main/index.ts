// Electron main process: app lifecycle only. The backend does the work; ipc.ts binds it.
// This directory is the only code that imports 'electron' (DESIGN.md §2).
import { app, BrowserWindow } from 'electron'
import * as path from 'node:path'
import { createBackend, type Backend } from '../backend/backend'
import { resolveDataDir } from '../backend/store/data-dir'
import { registerIpc, type RendererLocation } from './ipc'
import { installMenu } from './menu'
import { safeStorageCodec } from './secret-codec'
import { hardenAllWebContents, hardenDefaultSession } from './security'
import { createMainWindow } from './window'

// electron-vite sets this only in `electron-vite dev`; packaged/preview builds load the file.
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const where: RendererLocation = {
  indexHtml: path.join(__dirname, '../renderer/index.html'),
  ...(devUrl ? { devUrl } : {})
}

let backend: Backend | undefined

if (!app.requestSingleInstanceLock()) {
  // A second instance would fight over the same data directory; focus the first instead.
  app.quit()
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0]
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
  })

  hardenAllWebContents()

  void app.whenReady().then(() => {
    hardenDefaultSession(devUrl)
    installMenu(!!devUrl)
    backend = createBackend({
      // Not Electron's userData: the app, browser mode and the havip CLI share one data directory.
      dataDir: resolveDataDir(undefined),
      secretCodec: safeStorageCodec,
      mode: 'electron'
    })
    registerIpc(backend, where)
    createMainWindow(where)
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow(where)
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  let disposed = false
  app.on('before-quit', (event) => {
    if (disposed || !backend) return
    // Close SSH sessions cleanly before exiting (bounded, so quitting never hangs).
    event.preventDefault()
    disposed = true
    const b = backend
    void Promise.race([b.dispose(), new Promise((r) => setTimeout(r, 3000))]).finally(() => app.quit())
  })
}
