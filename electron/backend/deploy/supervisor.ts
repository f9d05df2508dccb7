// The agent's own supervisor, where there is no systemd (containers, the lab's nodes):
// `havip-agent supervise` started detached in its own session, found again by its pid file,
// stopped with TERM (it stops the agent, which removes its VIPs, then exits), reloaded with HUP.
// A pid file only counts when that pid is a running supervisor: after a reboot or a kill -9 the
// pid may belong to anything else.
import type { SshSession } from '../ssh/session'
import { AGENT, AGENT_JSON, AGENT_LOG, CONTROL_SOCKET, LOG_DIR, NODE_LINK, RUN_DIR, SUPERVISOR_LOG, SUPERVISOR_PID } from './layout'
import { rootScript, runRoot, scriptFailure } from './remote-run'

/** Shared by the scripts below: `running` sets $pid to the live supervisor's pid, or fails. */
const RUNNING = [
  'running() {',
  '  pid=$(head -c 32 "$pidf" 2>/dev/null | tr -dc 0-9) || pid=',
  '  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1',
  '  grep -q "^State:[[:space:]]*Z" "/proc/$pid/status" 2>/dev/null && return 1',
  '  tr "\\000" " " 2>/dev/null < "/proc/$pid/cmdline" | grep -q "havip-agent.* supervise"',
  '}'
]

const ARGS = `pidf=${SUPERVISOR_PID}; node=${NODE_LINK}; agent=${AGENT}; conf=${AGENT_JSON}; sock=${CONTROL_SOCKET}; alog=${AGENT_LOG}; slog=${SUPERVISOR_LOG}`

/**
 * Starts the supervisor unless one runs, then waits (bounded) until it wrote its pid file and
 * the agent opened its control socket. A stale socket is removed first so its appearance
 * means this agent is up. Exit codes: 20 not installed, 23 no setsid, 24 the supervisor did
 * not start, 25 the agent did not come up (the supervisor keeps retrying).
 */
const START = rootScript('supervisor-start', [
  ARGS,
  ...RUNNING,
  'if running; then echo "already running as pid $pid"; exit 0; fi',
  'for f in "$node" "$agent" "$conf"; do [ -e "$f" ] || { echo "$f is missing" >&2; exit 20; }; done',
  `mkdir -p ${LOG_DIR} ${RUN_DIR}`,
  'command -v setsid >/dev/null 2>&1 || { echo "setsid (util-linux) is not installed" >&2; exit 23; }',
  'rm -f -- "$sock"',
  'setsid -f "$node" "$agent" supervise --config "$conf" --log-file "$alog" --pid-file "$pidf" </dev/null >>"$slog" 2>&1',
  'i=0; while [ $i -lt 100 ] && ! running; do sleep 0.1; i=$((i+1)); done',
  'running || { tail -n 3 "$slog" >&2; exit 24; }',
  'i=0; while [ $i -lt 150 ]; do [ -S "$sock" ] && { echo "started as pid $pid"; exit 0; }; sleep 0.1; i=$((i+1)); done',
  'tail -n 3 "$alog" >&2 2>/dev/null; exit 25'
])

/** TERM to the supervisor, then wait up to 20 s until it is gone. Exit 30: still there. */
const STOP = rootScript('supervisor-stop', [
  ARGS,
  ...RUNNING,
  'running || exit 0',
  'kill -s TERM "$pid" 2>/dev/null || true',
  'i=0; while [ $i -lt 200 ] && running; do sleep 0.1; i=$((i+1)); done',
  'if running; then echo "the supervisor (pid $pid) did not stop within 20 s" >&2; exit 30; fi'
])

/** HUP to the supervisor, which makes the agent re-read its config. Exit 31: not running. */
const RELOAD = rootScript('supervisor-reload', [ARGS, ...RUNNING, 'running || { echo "the supervisor is not running" >&2; exit 31; }', 'kill -s HUP "$pid"'])

export async function startSupervisor(session: SshSession): Promise<void> {
  const r = await runRoot(session, START, [], { timeoutMs: 60_000 })
  if (r.code !== 0) {
    throw scriptFailure(session, 'Starting the agent (supervisor)', r, {
      20: { why: 'the agent is not installed completely', hint: 'Install the release and write the config first, then start.' },
      23: { why: 'setsid is not installed', hint: 'Install util-linux on the node, then start again.' },
      24: { why: 'havip-agent supervise did not start', hint: `Read ${SUPERVISOR_LOG} on the node for the reason.` },
      25: {
        why: 'the agent did not open its control socket within 15 s',
        hint: `The supervisor keeps restarting it; read ${AGENT_LOG} on the node (a missing interface or address is the usual cause), fix it and start again.`
      }
    })
  }
}

export async function stopSupervisor(session: SshSession): Promise<void> {
  const r = await runRoot(session, STOP, [], { timeoutMs: 60_000 })
  if (r.code !== 0) {
    throw scriptFailure(session, 'Stopping the agent (supervisor)', r, {
      30: { why: 'the supervisor did not stop within 20 s', hint: `Look at ${AGENT_LOG} on the node; if it hangs, kill it with kill -9 (the pid is in ${SUPERVISOR_PID}) and remove leftover VIPs by hand.` }
    })
  }
}

export async function reloadSupervisor(session: SshSession): Promise<void> {
  const r = await runRoot(session, RELOAD, [], { timeoutMs: 30_000 })
  if (r.code !== 0) throw scriptFailure(session, 'Reloading the agent config', r, { 31: { why: 'the agent is not running', hint: 'Start it instead.' } })
}
