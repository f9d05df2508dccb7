// A real backend (createBackend, its own data dir) in this process, driving replayed Windows
// nodes (windows-cluster-node.ts) over real SSH on 127.0.0.1 through the API table, as the app
// and the CLI do. The Windows deployer gets the small stand-in agent bundle and runtime of
// windows-deploy-node.ts (HAVIP_AGENT_BUNDLE_DIR / HAVIP_RUNTIME_DIR, the overrides the backend
// reads), so the release it installs is the one the recorded answers name.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { OperationReport } from '../../electron/api/cluster'
import type { ApiInput, ApiMethod, ApiOutput } from '../../electron/api/contract'
import { dispatch } from '../../electron/api/dispatch'
import { createBackend, type Backend } from '../../electron/backend/backend'
import { hostKeyInfoOf } from '../../electron/backend/ssh/host-key'
import { waitFor } from './wait-for'
import { startWindowsClusterNode, type WindowsClusterNode, type WindowsClusterNodeOptions } from './windows-cluster-node'
import { windowsDeployDirs } from './windows-deploy-node'

export const WINDOWS_PASSWORD = 'replayed-windows-admin-password'

export interface WindowsClusterEnv {
  backend: Backend
  nodes: WindowsClusterNode[]
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>
  /** Connects a node as administrator with its password (host key trusted first); its connection id. */
  connect(node: WindowsClusterNode): Promise<string>
  /** Starts an operation and waits (bounded) for its end; the report, whatever the outcome. */
  run(start: () => Promise<{ operationId: string }>): Promise<OperationReport>
  /** Another backend with its own data dir (another desktop), host keys of the nodes trusted. */
  otherDesktop(): Promise<Pick<WindowsClusterEnv, 'call'>>
  dispose(): Promise<void>
}

type NodeSpec = Omit<WindowsClusterNodeOptions, 'listen' | 'password'>

function apiCaller(backend: Backend) {
  return async <M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> => {
    const r = await dispatch(backend, method, input)
    if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { apiError: r.error })
    return r.value as ApiOutput<M>
  }
}

const TIMING = { waitMasterDown: false, pollMs: 50, formationMarginMs: 5000 }

export async function makeWindowsClusterEnv(specs: NodeSpec[]): Promise<WindowsClusterEnv> {
  const dirs = windowsDeployDirs()
  const saved = { bundle: process.env.HAVIP_AGENT_BUNDLE_DIR, runtime: process.env.HAVIP_RUNTIME_DIR }
  process.env.HAVIP_AGENT_BUNDLE_DIR = dirs.bundleDir
  process.env.HAVIP_RUNTIME_DIR = dirs.runtimeDir
  const dataDirs: string[] = []
  const backends: Backend[] = []
  const nodes: WindowsClusterNode[] = []
  const newBackend = (): Backend => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-wincluster-'))
    dataDirs.push(dataDir)
    // The deployers read the overrides when the backend is built.
    const b = createBackend({ dataDir, mode: 'browser', connectTimeoutMs: 5000, operationTiming: TIMING })
    backends.push(b)
    return b
  }
  const trustAll = async (call: WindowsClusterEnv['call']): Promise<void> => {
    for (const n of nodes) {
      const k = hostKeyInfoOf('127.0.0.1', n.port!, n.hostKey.parsed.getPublicSSH())
      await call('hostKeys.trust', { host: '127.0.0.1', port: n.port!, keyType: k.keyType, fingerprint: k.fingerprint })
    }
  }
  const dispose = async (): Promise<void> => {
    for (const b of backends) await b.dispose().catch(() => undefined)
    for (const n of nodes) await n.stop()
    for (const d of [...dataDirs, path.dirname(dirs.bundleDir)]) fs.rmSync(d, { recursive: true, force: true })
    if (saved.bundle === undefined) delete process.env.HAVIP_AGENT_BUNDLE_DIR
    else process.env.HAVIP_AGENT_BUNDLE_DIR = saved.bundle
    if (saved.runtime === undefined) delete process.env.HAVIP_RUNTIME_DIR
    else process.env.HAVIP_RUNTIME_DIR = saved.runtime
  }
  try {
    for (const s of specs) nodes.push(await startWindowsClusterNode({ ...s, listen: { port: 0 }, password: WINDOWS_PASSWORD }))
    const backend = newBackend()
    const call = apiCaller(backend)
    await trustAll(call)
    return {
      backend,
      nodes,
      call,
      async connect(node) {
        const r = await call('connections.connect', { host: '127.0.0.1', port: node.port!, username: 'administrator', auth: { kind: 'password', password: WINDOWS_PASSWORD }, remember: true })
        if (r.status !== 'connected') throw new Error(`connect WIN-NODE${node.which}: ${r.status}`)
        return r.connection.id
      },
      async run(start) {
        const { operationId } = await start()
        await waitFor(`operation ${operationId} to finish`, async () => (await call('clusters.operation', { operationId })).outcome !== 'running', 30_000, 50)
        return call('clusters.operation', { operationId })
      },
      async otherDesktop() {
        const c = apiCaller(newBackend())
        await trustAll(c)
        return { call: c }
      },
      dispose
    }
  } catch (err) {
    await dispose()
    throw err
  }
}
