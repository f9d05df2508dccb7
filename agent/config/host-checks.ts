/**
 * The checks of a config that depend on the node it runs on, for `check-config` (and, for the
 * control socket, `run`): every track script and notify hook must pass script security
 * (track/script-security.ts) as the user it runs as, and the control socket's path must not
 * be an existing file that is not a socket (the agent would delete it to listen there).
 */
import { lstatSync } from 'node:fs'
import { guardCommand } from '../track/script-guard'
import { NOTIFY_HOOKS, type AgentConfig, type ConfigIssue } from './model'

export function checkControlSocketPath(path: string): ConfigIssue | undefined {
  // A Windows named pipe (\\.\pipe\NAME) is no file: a name taken is reported when the agent listens.
  if (/^[\\/]{2}[.?][\\/]pipe[\\/]/i.test(path)) return undefined
  let st
  try {
    st = lstatSync(path)
  } catch {
    return undefined // absent (or its directory is): the agent creates it
  }
  if (st.isSocket()) return undefined // a stale socket from a crashed run, or a running agent (told at start)
  const what = st.isFile() ? 'a regular file' : st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'not a socket'
  return {
    severity: 'error',
    path: 'controlSocket',
    message: `controlSocket ${path} already exists and is ${what}; the agent will not replace it. Choose another path (e.g. /run/havip/agent.sock) or remove that file if it is not needed`
  }
}

const HOOK_KEYWORD = { master: 'notify_master', backup: 'notify_backup', fault: 'notify_fault', stop: 'notify_stop', generic: 'notify' } as const

export function checkHost(config: AgentConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const sock = checkControlSocketPath(config.controlSocket)
  if (sock) issues.push(sock)
  const tracked = new Set(config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)))
  config.scripts.forEach((s, i) => {
    if (!tracked.has(s.name)) return // never run
    const g = guardCommand(s.argv, s.user)
    if (!g.ok) {
      issues.push({
        severity: 'error',
        path: `scripts[${i}].argv`,
        message: `vrrp_script ${s.name}: script "${s.argv[0] ?? ''}" is refused: ${g.reason}. At run time the instances tracking it would go to FAULT`
      })
    }
  })
  config.instances.forEach((inst, i) => {
    for (const hook of NOTIFY_HOOKS) {
      const argv = inst.notify[hook]
      if (!argv) continue
      const g = guardCommand(argv, inst.notify.users?.[hook])
      if (!g.ok) {
        issues.push({
          severity: 'error',
          path: `instances[${i}].notify.${hook}`,
          message: `vrrp_instance ${inst.name}: ${HOOK_KEYWORD[hook]} "${argv[0] ?? ''}" is refused: ${g.reason}. At run time this hook would be skipped`
        })
      }
    }
  })
  return issues
}
