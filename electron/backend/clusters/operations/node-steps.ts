// The per-node steps of a deployment, each one report step, each idempotent on the node
// (NodeDeployer's promise), so a rerun after any interruption converges.
import type { NodeFacts } from '../../../api/model'
import type { NodeInstallState, ServiceKind } from '../../deploy/node-deployer'
import type { OperationDeps } from './deps'
import type { OperationRun } from './operation-run'
import type { NodeHandle } from './preflight'

/**
 * The release (and, on a node without a usable Node.js, the runtime: the deployer uploads it
 * inside installRelease). The runtime upload shows as its own step, 'upload-runtime', so the
 * report says which nodes got one.
 */
export async function installRelease(run: OperationRun, deps: OperationDeps, h: NodeHandle, facts: NodeFacts): Promise<void> {
  const install = (note: (m: string) => void): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> =>
    run.step('install-release', 'Install the agent release', h.node.name, (n) => deps.deployer.installRelease(h.session, facts, (m) => (note(m), n(m))), (r) => r.summary)
  const uploadTitle = 'Upload the Node.js runtime (the node has no usable one)'
  if (!facts.nodeVersion) {
    await run.step('upload-runtime', uploadTitle, h.node.name, async (note) => {
      const r = await install(note)
      return r.runtime === 'uploaded' ? r.summary : 'not needed: the deployer found a usable Node.js'
    })
    return
  }
  const r = await install(() => {})
  if (r.runtime === 'uploaded') {
    // The node's Node.js was not usable (too old): the deployer uploaded one all the same.
    await run.step('upload-runtime', uploadTitle, h.node.name, async () => r.summary)
  }
}

const SERVICE_INSTALLED: Record<ServiceKind, string> = {
  systemd: 'systemd unit havip-agent.service installed and enabled',
  supervisor: 'supervised by havip-agent supervise (no systemd on this node)',
  'windows-service': 'Windows service havip-agent installed (automatic start, restarted on failure)'
}

export function installService(run: OperationRun, deps: OperationDeps, h: NodeHandle): Promise<ServiceKind> {
  return run.step('install-service', 'Install and enable the service', h.node.name, () => deps.deployer.installService(h.session), (kind) => SERVICE_INSTALLED[kind])
}

/**
 * Starts the agent; one already running (a rerun) re-reads its config instead. `kind`: what
 * installService returned in this operation (spares a read of it on the node).
 */
export function startAgent(run: OperationRun, deps: OperationDeps, h: NodeHandle, install?: NodeInstallState, kind?: ServiceKind): Promise<unknown> {
  const running = install?.service?.running === true
  return run.step('start', running ? 'Reload the running agent' : 'Start the agent', h.node.name, () => (running ? deps.deployer.reload(h.session) : deps.deployer.start(h.session, kind)), () => (running ? 'already running: reloaded' : 'started'))
}
