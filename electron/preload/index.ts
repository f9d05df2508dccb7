// Preload (sandboxed): exposes window.havip — one function per API method plus `call` and
// `on`, all generated from electron/api/names.ts. Never exposes ipcRenderer, the IPC event
// object or process.env. Imports nothing but 'electron' and the zod-free names module,
// because a sandboxed preload cannot load node_modules at run time.
import { contextBridge, ipcRenderer } from 'electron'
import type { HavipBridge } from '../api/contract'
import {
  apiEventNames,
  apiMethodNames,
  ipcCallChannel,
  ipcEventChannel,
  isApiEventName,
  isApiMethodName,
  type ApiMethodName,
  type ApiResultEnvelope
} from '../api/names'

function invoke(method: ApiMethodName, input: unknown): Promise<ApiResultEnvelope> {
  return ipcRenderer.invoke(ipcCallChannel(method), input) as Promise<ApiResultEnvelope>
}

const methods = Object.freeze(
  Object.fromEntries(apiMethodNames.map((m) => [m, (input: unknown) => invoke(m, input)]))
) as HavipBridge['methods']

const bridge: HavipBridge = {
  mode: 'electron',
  methods,
  call(method, input) {
    if (!isApiMethodName(method)) {
      return Promise.resolve({
        ok: false,
        error: { kind: 'invalid-input', message: `Unknown API method ${JSON.stringify(String(method))}.` }
      })
    }
    return invoke(method, input)
  },
  on(event, listener) {
    if (!isApiEventName(event)) {
      throw new Error(`Unknown API event ${JSON.stringify(String(event))}; known: ${apiEventNames.join(', ')}.`)
    }
    const channel = ipcEventChannel(event)
    // Pass only the payload: the IPC event object would give the page a handle on the sender.
    const wrapped = (_e: unknown, payload: unknown): void => listener(payload)
    ipcRenderer.on(channel, wrapped)
    return () => {
      ipcRenderer.removeListener(channel, wrapped)
    }
  }
}

contextBridge.exposeInMainWorld('havip', bridge)
