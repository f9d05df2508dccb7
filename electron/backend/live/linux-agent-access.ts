// The agent on a Linux node, for the live console: `/opt/havip/node /opt/havip/current/havip-agent.cjs
// ctl|probe ...` as root (sudo) over exec, and the feed as one root shell script whose values
// are positional arguments. Stopping a stream aborts the exec, which closes the channel and
// kills the command's process group on the node (ssh/exec-command.ts).
import { AGENT, NODE_LINK } from '../deploy/layout'
import { rootArgv, rootScript } from '../deploy/remote-run'
import { periodSeconds, type AgentAccess } from './agent-access'
import { AGENT_DOWN_MARK } from './agent-report'

/**
 * $1 the Node.js link, $2 the agent, $3 the status period in seconds. The watch runs in a loop
 * of its own (an agent restart ends it; it comes back within a second and its ack carries a
 * full status). A status that fails prints the marker line with ctl's last words. One process
 * group: stopping the exec kills both loops. When the SSH channel goes away without that (a cut
 * link), the status loop dies on its next write (SIGPIPE), and the watch loop, which checks every
 * second that the status loop still lives, stops its `ctl watch` (which writes only on events,
 * so it would not notice by itself).
 */
const FEED_SCRIPT = rootScript('live-feed', [
  'n="$1"; a="$2"; p="$3"; me=$$',
  '( while kill -0 "$me" 2>/dev/null; do',
  '    "$n" "$a" ctl watch --json 2>/dev/null & w=$!',
  '    while kill -0 "$me" 2>/dev/null && kill -0 "$w" 2>/dev/null; do sleep 1; done',
  '    kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true; sleep 1',
  '  done ) &',
  'while :; do',
  '  if out=$("$n" "$a" ctl status --json 2>&1); then printf \'%s\\n\' "$out"',
  `  else printf '${AGENT_DOWN_MARK}%s\\n' "$(printf '%s' "$out" | tail -n 1)"; fi`,
  '  sleep "$p"',
  'done'
])

export function feedArgv(periodMs: number): string[] {
  return rootArgv(FEED_SCRIPT, [NODE_LINK, AGENT, String(periodSeconds(periodMs))])
}

export function probeArgv(target: string, intervalMs: number, timeoutMs: number): string[] {
  return [NODE_LINK, AGENT, 'probe', target, '--interval-ms', String(intervalMs), '--timeout-ms', String(timeoutMs), '--json']
}

export const linuxAgentAccess: AgentAccess = {
  ctl: (session, _node, args, o) => session.exec([NODE_LINK, AGENT, 'ctl', ...args], { sudo: true, timeoutMs: o.timeoutMs, ...(o.quiet ? { quiet: true } : {}) }),

  async feed(session, node, periodMs, o) {
    const r = await session.exec(feedArgv(periodMs), {
      sudo: true,
      quiet: true,
      streamOnly: true,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      ...(o.maxOutputBytes !== undefined ? { maxOutputBytes: o.maxOutputBytes } : {}),
      onStdout: o.onStdout
    })
    return { code: r.code, why: `the live feed on ${node} ended (exit code ${r.code})` }
  },

  async probe(session, node, req, o) {
    let stderr = ''
    const r = await session.exec(probeArgv(req.target, req.intervalMs, req.timeoutMs), {
      sudo: true,
      timeoutMs: o.timeoutMs,
      onStdout: o.onStdout,
      onStderr: (s) => {
        stderr = (stderr + s).slice(-2000)
        o.onStderr?.(s)
      },
      streamOnly: true,
      quiet: true,
      signal: o.signal
    })
    const last = stderr.trim().split('\n').pop() ?? ''
    return { code: r.code, why: `The probe on ${node} ended (exit code ${r.code})${last ? `: ${last}` : ''}.` }
  }
}
