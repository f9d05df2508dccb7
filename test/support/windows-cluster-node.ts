// A replayed Windows node for cluster operations (Create, Add Node, Evict, Destroy, Connect to
// Cluster): the in-process ssh2 server of replayed-windows-node.ts, whose choice of recording
// follows what the app told it, as a real node's answers would: deploy-inspect answers "fresh"
// until the app placed current.json, "installed" after, "running" once the service was started;
// the agent's `ctl status` answers as the master or a backup of role web (VRID 51) once started;
// deploy-remove takes it back to fresh. The live console's scripts follow the same state:
// agent-feed (held open, as the real stream is) streams the recorded status of this node as
// master or backup while the service runs, the agent-down marker once it is stopped, and
// "not installed" once removed; agent-ctl answers takeover/release/status of role web;
// agent-probe streams recorded probe results once the agent is installed. Every answer is a
// recorded fixture (test/fixtures/windows, each saying where it came from; the agent's replies,
// feeds included, are written from our own agent's JSON format, not captured on Windows), except the two the replayed node computes (uploads, and the cluster.json it was sent,
// read back). It proves the orchestration and every command sent; it runs no agent and elects
// nothing: who is master is this script's choice (`role`), and after a Move the test's
// (`report`, or `followMoves` for the choice a planned takeover makes: the target becomes master,
// the other node yields). A test through it proves the commands the console sent and what the
// console makes of the answers; not that a takeover really wins an election.
import { WIN_CLUSTER_JSON, WIN_CURRENT } from '../../electron/backend/deploy/windows/windows-layout'
import type { ScriptParams } from '../../electron/backend/platform/windows/runner'
import type { WindowsScriptName } from '../../electron/backend/platform/windows/scripts'
import { startReplayedWindowsNode, type ReplayedWindowsNode } from './replayed-windows-node'
import type { TestHostKey } from './ssh-host-key'

/** The role the agent replies are recorded for (run-argv/agent-status-web-*). */
export const WINDOWS_ROLE = { name: 'web', vip: '198.51.100.210/24', vrid: 51 } as const

export interface WindowsClusterNodeOptions {
  listen: { socketPath: string } | { port: number }
  password: string
  hostKey?: TestHostKey
  /** 1: WIN-NODE1 at 198.51.100.21; 2: WIN-NODE2 at 198.51.100.22 (their recorded facts). */
  which: 1 | 2
  /** What its agent says about role web once started. */
  role: 'master' | 'backup'
  /** The service does not start (deploy-service/start-fails: the agent refuses its config folder's ACL). */
  startFails?: boolean
  /** deploy-prepare's answer (default: the folders are created). */
  prepare?: 'access-denied' | 'acl-inherited'
  /** Told of each `ctl` command the console sent this node's agent (agent-ctl), before it is answered. */
  onAgentCommand?: (args: readonly string[]) => void
}

/** What a node's agent reports next, as the test decides it (a recorded feed continuation each). */
export type RoleChange = 'takes-over' | 'yields' | 'released'

export interface WindowsClusterNode extends ReplayedWindowsNode {
  readonly which: 1 | 2
  /** The node's state as its answers show it. */
  readonly state: { serviceInstalled: boolean; running: boolean; role: 'master' | 'backup'; takeover: boolean }
  /** The scripts run on it, in order ("deploy-service start", "run-argv ctl status"), for the tests to read. */
  steps(): string[]
  /** The arguments of every `ctl` command the console sent it (agent-ctl), in order. */
  agentCommands(): string[][]
  /**
   * The test's decision of what this node's agent reports from now on: its state changes, and
   * its open feeds print the recorded lines of that change (web-node<N>-takes-over, -yields, -released).
   */
  report(change: RoleChange): void
}

const READS: Partial<Record<WindowsScriptName, [string, string]>> = {
  probe: ['server-2022-admin', 'server-2022-admin'],
  'os-info': ['server-2022-datacenter', 'server-2022-node2'],
  network: ['server-2022-static', 'server-2022-node2-static'],
  firewall: ['server-2022-default', 'server-2022-default'],
  'vrrp-firewall-check': ['rule-for-peers', 'rule-for-peers'],
  'time-status': ['domain-synced', 'domain-synced'],
  'vip-check': ['free', 'free']
}

/** A run in words: the script and what it was asked (the service action, the agent's arguments). */
export function stepOf(name: WindowsScriptName, params: ScriptParams): string {
  if (name === 'deploy-service') return `${name} ${String(params.action)}`
  if (name === 'run-argv') return `${name} ${(params.argv as string[]).slice(2).join(' ')}`
  if (name === 'place-file') return `${name} ${String(params.dest)}`
  return name
}

export async function startWindowsClusterNode(o: WindowsClusterNodeOptions): Promise<WindowsClusterNode> {
  const state = { serviceInstalled: false, running: false, role: o.role, takeover: false }
  const i = o.which - 1
  // What its open feeds print next, written after the answer that caused it (as a real feed prints it at its next status).
  const feedSays = (caseName: string): void => {
    setImmediate(() => node.continueStream('agent-feed', caseName))
  }
  const statusCase = (): string => `web-node${o.which}-${state.role}`
  const node = await startReplayedWindowsNode({
    listen: o.listen,
    password: o.password,
    ...(o.hostKey ? { hostKey: o.hostKey } : {}),
    holdOpen: ['agent-feed', 'agent-probe'],
    onRun: (name, params) => {
      if (name === 'agent-ctl') o.onAgentCommand?.((params.args as string[]).map(String))
    },
    cases: (name, params, n) => {
      const read = READS[name]
      if (read) return read[i]
      switch (name) {
        case 'deploy-inspect':
          return state.running ? 'installed-running' : n.files.has(WIN_CURRENT) ? 'installed-stopped' : 'fresh-no-node'
        case 'cluster-read':
          return n.files.has(WIN_CLUSTER_JSON) ? 'web-win-running' : n.files.has(WIN_CURRENT) ? 'installed-no-cluster' : 'no-cluster'
        case 'deploy-prepare':
          return o.prepare ?? (params.runtime ? 'created' : 'created-no-runtime')
        case 'deploy-service':
          if (params.action === 'install') {
            state.serviceInstalled = true
            return 'installed'
          }
          if (params.action === 'start') {
            if (o.startFails) return 'start-fails'
            state.running = true
            feedSays(statusCase())
            return 'started'
          }
          if (params.action === 'stop') {
            if (!state.serviceInstalled) return 'stop-not-installed'
            state.running = false
            feedSays('agent-stopped')
            return 'stopped'
          }
          return undefined
        case 'deploy-remove':
          state.serviceInstalled = false
          state.running = false
          feedSays('not-installed')
          return 'removed'
        case 'run-argv':
          return agentReply((params.argv as string[]).slice(2), state.running, state.role)
        case 'agent-feed':
          return !n.files.has(WIN_CURRENT) ? 'not-installed' : state.running ? statusCase() : 'agent-stopped'
        case 'agent-ctl':
          return !n.files.has(WIN_CURRENT) ? 'status-not-installed' : consoleCtlReply(params.args as string[], o.which, state)
        case 'agent-probe':
          // The probe is a command of its own (`havip-agent probe`): it runs whether the service does or not.
          return n.files.has(WIN_CURRENT) ? 'vip-answers' : 'not-installed'
        default:
          return undefined
      }
    }
  })
  return Object.assign(node, {
    which: o.which,
    state,
    steps: () => node.runs.map((r) => stepOf(r.name, r.params)),
    agentCommands: () => node.runs.filter((r) => r.name === 'agent-ctl').map((r) => (r.params.args as string[]).map(String)),
    report(change: RoleChange) {
      if (change === 'takes-over') Object.assign(state, { role: 'master', takeover: true })
      else if (change === 'yields') Object.assign(state, { role: 'backup', takeover: false })
      else state.takeover = false
      feedSays(`web-node${o.which}-${change}`)
    }
  })
}

/**
 * The replay's stand-in for the election a planned takeover starts, decided here, not run:
 * when the console sends `ctl takeover web` to one of the nodes, that node reports it took the
 * role over and every other node that it yielded; `ctl release web` ends the takeover on that
 * node (it stays master: failback "never"). Wire it through each node's onAgentCommand.
 */
export function followMoves(nodes: () => readonly WindowsClusterNode[]): (which: 1 | 2) => (args: readonly string[]) => void {
  return (which) => (args) => {
    if (args[1] !== WINDOWS_ROLE.name) return
    const self = nodes().find((n) => n.which === which)!
    if (args[0] === 'takeover') {
      self.report('takes-over')
      for (const other of nodes()) if (other !== self && other.state.role === 'master') other.report('yields')
    }
    if (args[0] === 'release') self.report('released')
  }
}

/** The agent's answer to one `ctl` command of the console (agent-ctl), as this node's state has it. */
function consoleCtlReply(args: readonly string[], which: 1 | 2, state: { running: boolean; role: 'master' | 'backup' }): string | undefined {
  // A stopped agent: ctl finds no one on the named pipe, whatever it was asked.
  if (!state.running) return 'takeover-agent-stopped'
  const a = args.join(' ')
  if (a === 'status --json') return `status-web-node${which}-${state.role}`
  if (a === `takeover ${WINDOWS_ROLE.name} --json`) return `takeover-web-node${which}`
  if (a === `release ${WINDOWS_ROLE.name} --json`) return `release-web-node${which}`
  // Commands with no recording (pause, resume, simulate-failure): answered as an unknown command.
  return undefined
}

function agentReply(args: string[], running: boolean, role: 'master' | 'backup'): string | undefined {
  const a = args.join(' ')
  if (a === 'ctl status --json') return running ? `agent-status-web-${role}` : 'agent-not-running'
  if (!running) return undefined
  if (a === 'ctl reload --json') return 'agent-reload'
  if (a === `ctl release ${WINDOWS_ROLE.name} --json`) return 'agent-release-web'
  if (a.startsWith(`probe ${WINDOWS_ROLE.vip.split('/')[0]} `)) return 'agent-probe-vip-answers'
  return undefined
}
