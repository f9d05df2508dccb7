/**
 * Starts the real `havip-agent run` child for the supervisor: the same Node.js and the same
 * script (bundle, or main.ts with its loader flags under tsx) as the supervisor itself.
 * - stdin is a pipe the child never reads from: with HAVIP_SUPERVISED=1 the agent stops cleanly
 *   (VIPs released) when it closes, so a supervisor killed with SIGKILL leaves no orphan holding
 *   a VIP and no second agent fighting the next supervisor's child for the control socket.
 * - stdout is discarded (`run` prints nothing there); stderr is read continuously (so the child
 *   never blocks on a full pipe) and its last lines are kept for the restart log line: they say
 *   why an agent exited before its logger ran (a config error, a crash).
 * - its own process group, so a Ctrl-C in a terminal reaches only the supervisor, which then
 *   stops the child in order.
 */
import { spawn } from 'node:child_process'
import type { ChildExit, ChildHandle } from './supervisor'

const TAIL_BYTES = 2000

export const SUPERVISED_ENV = 'HAVIP_SUPERVISED'

/**
 * The command the supervisor itself was started with, paths as given: the deploy service starts
 * it through symlinks (/opt/havip/node, /opt/havip/current) that an upgrade moves. process.execPath
 * is the resolved binary, which an upgrade may delete; argv0 (when it is a path) and argv[1] keep
 * the links, so a restart after an upgrade runs what the links name, never a removed release.
 */
export function agentCommand(runArgs: string[]): { file: string; args: string[] } {
  const script = process.argv[1]
  if (!script) throw new Error('cannot tell which havip-agent script is running (process.argv[1] is empty)')
  const node = process.argv0.includes('/') ? process.argv0 : process.execPath
  return { file: node, args: [...process.execArgv, script, 'run', ...runArgs] }
}

export function spawnAgent(runArgs: string[]): ChildHandle {
  const { file, args } = agentCommand(runArgs)
  const child = spawn(file, args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, [SUPERVISED_ENV]: '1' }
  })
  let tail = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    tail = (tail + d).slice(-TAIL_BYTES)
  })
  child.stdin?.on('error', () => {}) // EPIPE once the child is gone: expected
  let done = false
  let listener: ((e: ChildExit) => void) | undefined
  let pending: ChildExit | undefined
  const finish = (e: ChildExit): void => {
    if (done) return
    done = true
    if (listener) listener(e)
    else pending = e
  }
  child.once('exit', (code, signal) => {
    // What the child wrote just before it exited is usually already here; the exit is not
    // delayed for more (a grandchild holding the pipe must never stall a restart).
    const last = tail.trim().split('\n').slice(-5).join(' | ')
    finish({ code, signal, ...(code !== 0 && last ? { stderrTail: last } : {}) })
  })
  child.once('error', (err) => finish({ code: null, signal: null, error: err.message }))
  return {
    pid: child.pid,
    kill: (signal) => {
      try {
        child.kill(signal)
      } catch {
        // already gone
      }
    },
    onExit: (cb) => {
      listener = cb
      if (pending) cb(pending)
    }
  }
}
