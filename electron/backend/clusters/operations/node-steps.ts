// The per-node steps of a deployment, each one report step, each idempotent on the node
// (NodeDeployer's promise), so a rerun after any interruption converges.
import type { NodeFacts } from '../../../api/model'
import type { NodeInstallState } from '../../deploy/node-deployer'
import type { OperationDeps } from './deps'
import type { OperationRun } from './operation-run'
import type { NodeHandle } from './preflight'

export function installRelease(run: OperationRun, deps: OperationDeps, h: NodeHandle, facts: NodeFacts): Promise<unknown> {
  const title = facts.nodeVersion ? 'Install the agent release' : 'Upload the Node.js runtime and install the agent release'
  return run.step('install-release', title, h.node.name, (note) => deps.deployer.installRelease(h.session, facts, note), (r) => r.summary)
}

export function installService(run: OperationRun, deps: OperationDeps, h: NodeHandle): Promise<unknown> {
  return run.step('install-service', 'Install and enable the service', h.node.name, () => deps.deployer.installService(h.session), (kind) => (kind === 'systemd' ? 'systemd unit havip-agent.service installed and enabled' : 'supervised by havip-agent supervise (no systemd on this node)'))
}

/** Starts the agent; one already running (a rerun) re-reads its config instead. */
export function startAgent(run: OperationRun, deps: OperationDeps, h: NodeHandle, install?: NodeInstallState): Promise<unknown> {
  const running = install?.service?.running === true
  return run.step('start', running ? 'Reload the running agent' : 'Start the agent', h.node.name, () => (running ? deps.deployer.reload(h.session) : deps.deployer.start(h.session)), () => (running ? 'already running: reloaded' : 'started'))
}
