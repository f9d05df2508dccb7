// The agent on a Windows node, for the live console: every command is a named script of the
// PowerShell seam (platform/windows/agent-scripts.ts) with its values as data: 'agent-ctl' for
// one `ctl` command, the streaming 'agent-feed' and 'agent-probe' for the feed and the probe.
// No sudo: the login is an administrator (Win32-OpenSSH gives it an elevated token), and ctl
// reads the control token only an administrator may read.
import { ApiException, apiError } from '../../api/errors'
import { clip } from '../../api/limits'
import { streamMaxSeconds } from '../platform/windows/agent-scripts'
import { SshPowerShellRunner, type PowerShellRunner } from '../platform/windows/runner'
import type { WindowsScriptError } from '../platform/windows/script-result'
import type { PowerShellStreamer } from '../platform/windows/script-stream'
import type { SshSession } from '../ssh/session'
import { periodSeconds, type AgentAccess, type AgentStreamOptions } from './agent-access'

export type WindowsShell = (session: SshSession) => PowerShellRunner & PowerShellStreamer

interface CtlResult {
  installed?: unknown
  exitCode?: unknown
  stdout?: unknown
  stderr?: unknown
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const said = (e: WindowsScriptError): string => `${e.message.replace(/\.$/, '')}. ${e.hint}`
/** The stream's own bound on the node (agent-scripts.ts streamMaxSeconds). */
const maxSeconds = (o: AgentStreamOptions): number => streamMaxSeconds(o.timeoutMs)

/** The streaming options of the seam from the live layer's: lines handed on as lines. */
function streamOptions(o: AgentStreamOptions): Parameters<PowerShellStreamer['stream']>[2] {
  return { onLine: (line) => o.onStdout(`${line}\n`), signal: o.signal, timeoutMs: o.timeoutMs, ...(o.maxOutputBytes !== undefined ? { maxOutputBytes: o.maxOutputBytes } : {}) }
}

export function windowsAgentAccess(shell: WindowsShell = (s) => new SshPowerShellRunner(s)): AgentAccess {
  return {
    async ctl(session, node, args) {
      const r = await shell(session).run<CtlResult>('agent-ctl', { args: [...args] })
      if (!r.ok) {
        throw new ApiException(apiError('command-failed', clip(`Running "havip-agent ctl ${args[0] ?? ''}" on ${node} failed: ${r.error.message}`, 'message'), { hint: clip(r.error.hint, 'message'), node }))
      }
      const v = r.value ?? {}
      // No current.json: as "command not found" is on Linux.
      if (v.installed !== true) return { code: 127, stdout: '', stderr: str(v.stderr) || `the agent is not installed on ${node}` }
      return { code: typeof v.exitCode === 'number' ? v.exitCode : -1, stdout: str(v.stdout), stderr: str(v.stderr) }
    },

    async feed(session, node, periodMs, o) {
      const r = await shell(session).stream('agent-feed', { periodSeconds: periodSeconds(periodMs), maxSeconds: maxSeconds(o) }, streamOptions(o))
      if (!r.ok) return { code: r.error.exitCode ?? -1, why: said(r.error) }
      return { code: 0, why: `the live feed on ${node} ended after its time limit` }
    },

    async probe(session, node, req, o) {
      const r = await shell(session).stream<CtlResult>('agent-probe', { target: req.target, intervalMs: req.intervalMs, timeoutMs: req.timeoutMs, maxSeconds: maxSeconds(o) }, streamOptions(o))
      if (!r.ok) return { code: r.error.exitCode ?? -1, why: said(r.error) }
      const v = r.value ?? {}
      const err = str(v.stderr).trim()
      if (err) o.onStderr?.(err)
      if (v.installed !== true) return { code: 127, why: `The probe on ${node} cannot run: ${err || 'the agent is not installed there'}.` }
      const code = typeof v.exitCode === 'number' ? v.exitCode : -1
      const last = err.split('\n').pop() ?? ''
      return { code, why: `The probe on ${node} ended (exit code ${code})${last ? `: ${last}` : ''}.` }
    }
  }
}
