// The agent as a systemd service, where systemd runs (/run/systemd/system exists): a hardened
// unit (the agent needs raw IP and packet sockets and to add addresses, nothing else), written
// atomically, enabled, and driven with systemctl.
import type { SshSession } from '../ssh/session'
import { AGENT_JSON, AGENT_LOG, CONTROL_SOCKET, CURRENT, ETC, LOG_DIR, NODE_LINK, RUN_DIR, UNIT_NAME, UNIT_PATH } from './layout'
import { rootScript, runRoot, scriptFailure } from './remote-run'

export interface UnitPaths {
  node: string
  agent: string
  agentJson: string
  agentLog: string
  etcDir: string
  logDir: string
  runDir: string
  kill: string
}

export const NODE_UNIT_PATHS: UnitPaths = {
  node: NODE_LINK,
  agent: `${CURRENT}/havip-agent.cjs`,
  agentJson: AGENT_JSON,
  agentLog: AGENT_LOG,
  etcDir: ETC,
  logDir: LOG_DIR,
  runDir: RUN_DIR,
  kill: '/bin/kill'
}

/**
 * The unit text. Paths are parameters only so a test can render it under a temp root and run
 * `systemd-analyze verify` on it (verify checks that ExecStart's binary exists).
 *  - ExecStartPre checks the config, so a bad agent.json fails the start with check-config's
 *    message in the journal instead of a restart loop of `run`.
 *  - Capabilities: CAP_NET_RAW (VRRP over raw IP, gratuitous ARP over a packet socket) and
 *    CAP_NET_ADMIN (adding and removing the VIP) only, as bounding and ambient set: root without
 *    every other capability. Track scripts that name another user need CAP_SETUID/SETGID, which
 *    this unit does not grant: such scripts fail (the agent reports it) rather than widen the unit.
 *  - ProtectSystem=strict makes the whole tree read-only but the three paths the agent writes;
 *    RuntimeDirectory/LogsDirectory create /run/havip and /var/log/havip if missing, since a
 *    ReadWritePaths entry that does not exist fails the namespace set-up.
 *  - RestrictAddressFamilies keeps AF_NETLINK (ip route/addr) and AF_PACKET (gratuitous ARP).
 */
export function renderUnit(p: UnitPaths = NODE_UNIT_PATHS): string {
  return [
    '# Installed by HAVIP Manager; removed by "Evict Node" / "Destroy Cluster". Do not edit: it is rewritten.',
    '[Unit]',
    'Description=HAVIP agent (VRRP virtual IPs, keepalived-compatible)',
    'After=network-online.target',
    'Wants=network-online.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    `ExecStartPre=${p.node} ${p.agent} check-config --config ${p.agentJson}`,
    `ExecStart=${p.node} ${p.agent} run --config ${p.agentJson} --log-file ${p.agentLog}`,
    `ExecReload=${p.kill} -HUP $MAINPID`,
    'Restart=always',
    'RestartSec=2',
    'TimeoutStopSec=20',
    'KillMode=mixed',
    'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW',
    'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${p.etcDir} ${p.logDir} ${p.runDir}`,
    'RuntimeDirectory=havip',
    'RuntimeDirectoryPreserve=yes',
    'LogsDirectory=havip',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'PrivateMounts=yes',
    'ProtectHome=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelLogs=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    'SystemCallErrorNumber=EPERM',
    'UMask=0077',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    ''
  ].join('\n')
}

/** stdin: the unit. Written beside its place and renamed; systemd re-reads units; enabled (not started). */
const INSTALL_UNIT = rootScript('install-unit', [
  'unit=$1; name=$2; t=',
  `trap 'rm -f -- "$t"' EXIT`,
  "trap 'exit 1' HUP INT TERM PIPE",
  't=$(mktemp "${unit%/*}/.${unit##*/}.XXXXXX")',
  'cat > "$t"; chmod 0644 "$t"; mv -f -- "$t" "$unit"; t=',
  'systemctl daemon-reload',
  'systemctl enable --quiet "$name"'
])

export async function installUnit(session: SshSession): Promise<void> {
  const r = await runRoot(session, INSTALL_UNIT, [UNIT_PATH, UNIT_NAME], { stdin: renderUnit(), timeoutMs: 60_000 })
  if (r.code !== 0) throw scriptFailure(session, `Installing the systemd unit ${UNIT_NAME}`, r)
}

/**
 * start|stop|reload through systemctl. start then waits (bounded) for the agent's control
 * socket, so "started" means the agent runs, not only that systemd forked it.
 */
const SYSTEMCTL = rootScript('systemctl', [
  'verb=$1; name=$2; sock=$3',
  'if [ "$verb" = start ]; then',
  '  if ! systemctl is-active --quiet "$name"; then rm -f -- "$sock"; fi',
  'fi',
  'systemctl "$verb" "$name"',
  '[ "$verb" = start ] || exit 0',
  'i=0; while [ $i -lt 150 ]; do [ -S "$sock" ] && exit 0; systemctl is-active --quiet "$name" || sleep 0.2; sleep 0.1; i=$((i+1)); done',
  'echo "the agent did not open its control socket within 15 s; see journalctl -u $name" >&2; exit 25'
])

export async function systemctl(session: SshSession, verb: 'start' | 'stop' | 'reload'): Promise<void> {
  const r = await runRoot(session, SYSTEMCTL, [verb, UNIT_NAME, CONTROL_SOCKET], { timeoutMs: 60_000 })
  if (r.code !== 0) {
    throw scriptFailure(session, `systemctl ${verb} ${UNIT_NAME}`, r, {
      25: { why: 'the agent did not come up within 15 s', hint: `Read the agent's log on the node (journalctl -u ${UNIT_NAME}, ${AGENT_LOG}); the config was checked, so look for a missing interface or address.` }
    })
  }
}
