// The main window: sandboxed renderer, isolated context, preload bridge only.
import { BrowserWindow } from 'electron'
import * as path from 'node:path'
import type { RendererLocation } from './ipc'

export function createMainWindow(where: RendererLocation): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'HAVIP Manager',
    autoHideMenuBar: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win.show())
  if (where.devUrl) void win.loadURL(where.devUrl)
  else void win.loadFile(where.indexHtml)
  return win
}
