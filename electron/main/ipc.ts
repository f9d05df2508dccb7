// Binds the API table to IPC: one ipcMain.handle per method and one channel per event, both
// generated from electron/api (no second list). Every call checks its sender: only the top
// frame of our own renderer (the packaged index.html or the dev server) may call.
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { dispatch } from '../api/dispatch'
import { apiEventNames, apiMethodNames, ipcCallChannel, ipcEventChannel, type ApiResultEnvelope } from '../api/names'
import type { Backend } from '../backend/backend'
import { isOurRenderer, type RendererLocation } from './renderer-origin'

export type { RendererLocation }

function senderOk(event: IpcMainInvokeEvent, where: RendererLocation): boolean {
  const frame = event.senderFrame
  // Only the top-level frame: an iframe (should one ever be loaded) gets no API.
  return !!frame && frame.parent === null && isOurRenderer(frame.url, where)
}

export function registerIpc(backend: Backend, where: RendererLocation): () => void {
  for (const method of apiMethodNames) {
    ipcMain.handle(ipcCallChannel(method), async (event, input: unknown): Promise<ApiResultEnvelope> => {
      if (!senderOk(event, where)) {
        return {
          ok: false,
          error: {
            kind: 'invalid-input',
            message: `Refused ${method}: the call did not come from the HAVIP Manager window.`,
            hint: 'Only the application window may use the API.'
          }
        }
      }
      return dispatch(backend, method, input)
    })
  }

  const unsubscribe = apiEventNames.map((name) =>
    backend.events.on(name, (payload) => {
      for (const win of BrowserWindow.getAllWindows()) {
        if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(ipcEventChannel(name), payload)
      }
    })
  )

  return () => {
    for (const method of apiMethodNames) ipcMain.removeHandler(ipcCallChannel(method))
    for (const u of unsubscribe) u()
  }
}
