// A replayed Windows node for cluster operations (Create, Add Node, Evict, Destroy, Connect to
// Cluster): the in-process ssh2 server of replayed-windows-node.ts, whose choice of recording
// follows what the app told it, as a real node's answers would: deploy-inspect answers "fresh"
// until the app placed current.json, "installed" after, "running" once the service was started;
// the agent's `ctl status` answers as the master or a backup of role web (VRID 51) once started;
// deploy-remove takes it back to fresh. Every answer is a recorded fixture (test/fixtures/windows,
// each saying where it came from; the agent's replies are written from our own agent's JSON
// format), except the two the replayed node computes (uploads, and the cluster.json it was sent,
// read back). It proves the orchestration and every command sent; it runs no agent and elects
// nothing: who is master is this script's choice (`role`).
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
}

export interface WindowsClusterNode extends ReplayedWindowsNode {
  readonly which: 1 | 2
  /** The node's state as its answers show it. */
  readonly state: { serviceInstalled: boolean; running: boolean }
  /** The scripts run on it, in order ("deploy-service start", "run-argv ctl status"), for the tests to read. */
  steps(): string[]
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
  const state = { serviceInstalled: false, running: false }
  const i = o.which - 1
  const node = await startReplayedWindowsNode({
    listen: o.listen,
    password: o.password,
    ...(o.hostKey ? { hostKey: o.hostKey } : {}),
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
            return 'started'
          }
          if (params.action === 'stop') {
            if (!state.serviceInstalled) return 'stop-not-installed'
            state.running = false
            return 'stopped'
          }
          return undefined
        case 'deploy-remove':
          state.serviceInstalled = false
          state.running = false
          return 'removed'
        case 'run-argv':
          return agentReply((params.argv as string[]).slice(2), state.running, o.role)
        default:
          return undefined
      }
    }
  })
  return Object.assign(node, { which: o.which, state, steps: () => node.runs.map((r) => stepOf(r.name, r.params)) })
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
