// Where things live on a Linux node (the layout node-deployer.ts describes), and the one error
// type of the deploy service. Paths are constants: scripts get them as positional arguments
// or have them written in, never built from input.

export const OPT = '/opt/havip'
export const RELEASES = `${OPT}/releases`
export const CURRENT = `${OPT}/current`
export const RUNTIMES = `${OPT}/runtime`
export const NODE_LINK = `${OPT}/node`
/** Where uploads land (root-owned) before a root script unpacks them; emptied on every install. */
export const STAGING = `${OPT}/.staging`
export const AGENT = `${CURRENT}/havip-agent.cjs`

export const ETC = '/etc/havip'
export const CLUSTER_JSON = `${ETC}/cluster.json`
export const AGENT_JSON = `${ETC}/agent.json`
export const INSTALL_JSON = `${ETC}/install.json`

export const LOG_DIR = '/var/log/havip'
export const AGENT_LOG = `${LOG_DIR}/agent.log`
export const SUPERVISOR_LOG = `${LOG_DIR}/supervisor.log`
export const RUN_DIR = '/run/havip'
export const SUPERVISOR_PID = `${RUN_DIR}/supervisor.pid`
export const CONTROL_SOCKET = `${RUN_DIR}/agent.sock`

export const UNIT_NAME = 'havip-agent.service'
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`

/** Every directory this app owns on a node: removeAll empties them (and removes them unless they are mount points). */
export const OWNED_DIRS = [OPT, ETC, LOG_DIR, RUN_DIR] as const

/**
 * Root scripts run with a fixed PATH: sudo's secure_path and root's login PATH differ between
 * distributions, and a script must find the same `tar`, `sha256sum`, `node` either way.
 */
export const SCRIPT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH'

/**
 * A deploy step that failed, as a person should read it: what failed, on which node, why, and
 * what to do (`hint`, also at the end of the message, since reports show only the message).
 */
export class DeployError extends Error {
  readonly node: string
  readonly hint: string
  constructor(init: { node: string; what: string; why: string; hint: string; cause?: unknown }) {
    super(`${init.what} on ${init.node} failed: ${init.why}. ${init.hint}`, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'DeployError'
    this.node = init.node
    this.hint = init.hint
  }
}

/** The install refused because this copy of the app was built without the agent bundle. */
export function noAgentBundle(node: string): DeployError {
  return new DeployError({
    node,
    what: 'Installing the agent',
    why: 'this copy of HAVIP Manager has no agent bundle (resources/agent/havip-agent.cjs)',
    hint: 'Run "npm run build" (or reinstall the app), then run the action again.'
  })
}

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}
