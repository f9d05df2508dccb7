// Running programs inside a lab node (its net + mount + UTS namespaces) or inside the client
// namespace. Always argv arrays through nsenter, never a shell string.
import { spawn, type ChildProcess } from 'node:child_process'
import { BASE_ENV, isAlive, run, sleep, type RunResult } from './run'
import { CLIENT_NETNS, STATE_FILE, type LabNode, type LabState } from './types'
import { readFileSync } from 'node:fs'

export interface ExecOptions {
  timeoutMs?: number
  input?: string
  env?: Record<string, string>
}

export interface SpawnOpts {
  env?: Record<string, string>
  /** stdio for the child; default pipes on all three. */
  stdio?: 'pipe' | 'ignore' | 'inherit'
}

function loadState(): LabState {
  let text: string
  try {
    text = readFileSync(STATE_FILE, 'utf8')
  } catch {
    throw new Error('lab: the lab is not up (no state file). Run `npm run lab:up` or use the integration test config, whose globalSetup brings it up.')
  }
  return JSON.parse(text) as LabState
}

/** Accepts a LabNode, 'n1' or 'havip-n1'. */
export function resolveNode(node: LabNode | string): LabNode {
  if (typeof node !== 'string') return node
  const state = loadState()
  const found = state.nodes.find((n) => n.name === node || n.netns === node)
  if (!found) {
    throw new Error(`lab: no node named ${node}; the lab has ${state.nodes.map((n) => n.name).join(', ')}. Bring it up with more nodes (lab:up -- --nodes N).`)
  }
  return found
}

function nodePrefix(node: LabNode): string[] {
  if (!isAlive(node.holderPid)) {
    throw new Error(`lab: node ${node.name} is down (holder pid ${node.holderPid} is gone). Run \`npm run lab:up\` to rebuild the lab.`)
  }
  // -n -m -u: network, mount and UTS namespaces of the node's holder (its sshd). No -p, so nsenter
  // execs the program directly and the child pid is the program's own pid.
  return ['nsenter', '-t', String(node.holderPid), '-n', '-m', '-u', '--']
}

const CLIENT_PREFIX = ['nsenter', `--net=/run/netns/${CLIENT_NETNS}`, '--']

export async function nodeExec(node: LabNode | string, argv: string[], opts: ExecOptions = {}): Promise<RunResult> {
  const n = resolveNode(node)
  return run([...nodePrefix(n), ...argv], opts)
}

export async function clientExec(argv: string[], opts: ExecOptions = {}): Promise<RunResult> {
  return run([...CLIENT_PREFIX, ...argv], opts)
}

// Children started through nodeSpawn/clientSpawn; killed on exit so a failed test leaves no process.
const spawned = new Set<ChildProcess>()
let exitHookInstalled = false

function track(child: ChildProcess): ChildProcess {
  spawned.add(child)
  child.once('exit', () => spawned.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const c of spawned) signalGroup(c, 'SIGKILL')
    })
  }
  return child
}

function spawnIn(prefix: string[], argv: string[], opts: SpawnOpts): ChildProcess {
  const [file, ...args] = [...prefix, ...argv]
  // detached: its own process group, so killSpawned reaches the program's children too.
  return track(spawn(file as string, args, { env: { ...BASE_ENV, ...opts.env }, stdio: opts.stdio ?? 'pipe', detached: true }))
}

/** Starts a long-running program inside a node. The caller stops it with killSpawned(). */
export function nodeSpawn(node: LabNode | string, argv: string[], opts: SpawnOpts = {}): ChildProcess {
  return spawnIn(nodePrefix(resolveNode(node)), argv, opts)
}

export function clientSpawn(argv: string[], opts: SpawnOpts = {}): ChildProcess {
  return spawnIn(CLIENT_PREFIX, argv, opts)
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (!child.pid) return
  try {
    process.kill(-child.pid, sig)
  } catch {
    try {
      child.kill(sig)
    } catch {
      /* already gone */
    }
  }
}

/**
 * Stops a child from nodeSpawn/clientSpawn and its process group: `signal` first, SIGKILL after
 * `graceMs`. Resolves once it has exited (bounded: at most graceMs + 2 s).
 */
export async function killSpawned(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    signalGroup(child, 'SIGKILL') // the leader is gone; its group may not be
    return
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  signalGroup(child, signal)
  const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)])
  if (timedOut) {
    signalGroup(child, 'SIGKILL')
    await Promise.race([exited, sleep(2000)])
  }
  signalGroup(child, 'SIGKILL')
}
