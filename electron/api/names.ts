// The API's method and event names, and the IPC channels derived from them, WITHOUT zod.
// Why a separate module: the sandboxed preload cannot require node_modules at run time, so
// it must not pull in the contract's schemas. contract.ts checks at type level that these
// lists equal the keys of its table, so there is still only one list to keep in step.

export const apiMethodNames = [
  'app.info',
  'connections.list',
  'connections.connect',
  'connections.reconnect',
  'connections.disconnect',
  'connections.forget',
  'hostKeys.list',
  'hostKeys.trust',
  'hostKeys.forget',
  'nodes.facts',
  'validation.catalogue',
  'validation.start',
  'validation.cancel',
  'validation.report',
  'validation.reportHtml',
  'validation.createFirewallRule',
  'clusters.list',
  'clusters.get',
  'clusters.connect',
  'clusters.forget',
  'clusters.export',
  'clusters.create',
  'clusters.addNode',
  'clusters.evictNode',
  'clusters.destroy',
  'clusters.addRole',
  'clusters.setRole',
  'clusters.removeRole',
  'clusters.rollback',
  'clusters.operation',
  'reachability.start',
  'reachability.stop',
  'clusters.state',
  'clusters.move',
  'clusters.simulateFailure',
  'clusters.pauseNode',
  'clusters.resumeNode',
  'clusters.nodeService',
  'terminal.capabilities',
  'terminal.open',
  'terminal.input',
  'terminal.resize',
  'terminal.ack',
  'terminal.close',
  'terminal.list',
  'events.query',
  'events.export',
  'events.readBack',
  'events.setFlapping'
] as const

export const apiEventNames = [
  'connection.state',
  'backend.log',
  'validation.progress',
  'validation.finished',
  'cluster.progress',
  'cluster.finished',
  'cluster.state',
  'terminal.output',
  'terminal.exit',
  'cluster.event',
  'reachability.samples',
  'reachability.transition',
  'reachability.sourceError'
] as const

export type ApiMethodName = (typeof apiMethodNames)[number]
export type ApiEventName = (typeof apiEventNames)[number]

const methodSet: ReadonlySet<string> = new Set(apiMethodNames)
const eventSet: ReadonlySet<string> = new Set(apiEventNames)

export function isApiMethodName(name: unknown): name is ApiMethodName {
  return typeof name === 'string' && methodSet.has(name)
}

export function isApiEventName(name: unknown): name is ApiEventName {
  return typeof name === 'string' && eventSet.has(name)
}

/** IPC channel of one method: one ipcMain.handle per method. */
export function ipcCallChannel(method: ApiMethodName): string {
  return `havip:call:${method}`
}

/** IPC channel of one event: webContents.send per event. */
export function ipcEventChannel(event: ApiEventName): string {
  return `havip:event:${event}`
}

/**
 * What a transport carries back for one call. Errors travel as values (not as thrown
 * exceptions) because Electron's IPC and JSON both flatten Error objects to a message.
 * The error is an ApiError (errors.ts); typed loosely here to keep this module zod-free.
 */
export type ApiResultEnvelope =
  | { ok: true; value: unknown }
  | { ok: false; error: { kind: string; message: string; hint?: string; node?: string; field?: string } }
