// removeAll: the node as it was before HAVIP came. Stop the agent (it removes its VIPs), then
// whatever a crash or kill may have left: agent processes, VIPs still on an interface, the
// systemd unit, and the contents of /opt/havip, /etc/havip, /var/log/havip, /run/havip (the
// directories too, unless they are mount points, as on the lab's nodes). The node's own Node.js
// is never touched; a runtime we uploaded lives under /opt/havip and goes with it. Safe to run
// again at any point; returns what is still there, in words.
import type { SshSession } from '../ssh/session'
import type { StepNote } from './node-deployer'
import { AGENT_JSON, OPT, OWNED_DIRS, UNIT_NAME, UNIT_PATH } from './layout'
import { probeNode } from './node-probe'
import { rootScript, runRoot, scriptFailure } from './remote-run'
import { stopSupervisor } from './supervisor'

export interface VipToRemove {
  address: string
  prefix: number
  dev: string
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/

/** The VIPs an agent.json names (instances[].vips[], on the VIP's dev or the instance's interface). */
export function vipsOfAgentConfig(text: string): VipToRemove[] {
  let conf: unknown
  try {
    conf = JSON.parse(text)
  } catch {
    return []
  }
  const out: VipToRemove[] = []
  const instances = (conf as { instances?: unknown }).instances
  if (!Array.isArray(instances)) return out
  for (const inst of instances as { interface?: unknown; vips?: unknown }[]) {
    if (!Array.isArray(inst?.vips)) continue
    for (const v of inst.vips as { address?: unknown; prefix?: unknown; dev?: unknown }[]) {
      const dev = typeof v?.dev === 'string' ? v.dev : inst.interface
      const prefix = typeof v?.prefix === 'number' ? v.prefix : 32
      if (typeof v?.address === 'string' && IPV4.test(v.address) && typeof dev === 'string' && IFNAME.test(dev) && prefix >= 0 && prefix <= 32) {
        out.push({ address: v.address, prefix, dev })
      }
    }
  }
  return out
}

/**
 * $1 unit path  $2 unit name  then the owned dirs up to "--", then VIP triples (address prefix dev).
 * Prints `left=<what>` for everything still there at the end.
 */
const REMOVE = rootScript('remove', [
  'unit=$1; name=$2; shift 2',
  'dirs=; while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs="$dirs $1"; shift; done; [ $# -gt 0 ] && shift',
  // Ours: started as /opt/havip/node ..., or a Node.js binary running a havip-agent.cjs of
  // /opt/havip (the supervisor's child runs as process.execPath with the release's real path).
  // Judged by the program (argv[0]) first: a shell or sudo running this very script has those
  // words in its command line too. Only in this node's network namespace: containers (and the
  // lab's nodes) share one process table, and their agents are not ours.
  'ours() {',
  '  for p in /proc/[0-9]*; do',
  '    [ "$p/ns/net" -ef /proc/$$/ns/net ] || continue',
  '    c=$(tr "\\000" " " 2>/dev/null < "$p/cmdline") || continue',
  '    case "${c%% *}" in',
  `      ${OPT}/*) ;;`,
  `      */node|*/nodejs) case "$c" in *" ${OPT}/current/havip-agent.cjs "*|*" ${OPT}/releases/"*"/havip-agent.cjs "*) ;; *) continue;; esac;;`,
  '      *) continue;;',
  '    esac',
  '    printf "%s\\n" "${p#/proc/}"',
  '  done',
  '}',
  // The unit first (stopping it stops the agent, which removes its VIPs; killing the agent under
  // systemd would only make Restart=always start it again).
  'if [ -f "$unit" ] || [ -L "$unit" ]; then',
  '  if [ -d /run/systemd/system ]; then systemctl disable --now --quiet "$name" 2>/dev/null || true; fi',
  '  rm -f -- "$unit"',
  '  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; systemctl reset-failed "$name" 2>/dev/null || true; fi',
  'fi',
  // An agent or supervisor still running from /opt/havip (started by hand, or one that would not stop).
  'pids=$(ours); if [ -n "$pids" ]; then kill -s TERM $pids 2>/dev/null || true; i=0; while [ $i -lt 50 ] && [ -n "$(ours)" ]; do sleep 0.1; i=$((i+1)); done; pids=$(ours); [ -z "$pids" ] || kill -s KILL $pids 2>/dev/null || true; sleep 0.2; fi',
  'while [ $# -ge 3 ]; do',
  '  if ip -o -4 addr show dev "$3" 2>/dev/null | grep -q "inet $1/"; then ip addr del "$1/$2" dev "$3" || true; fi',
  '  shift 3',
  'done',
  'for d in $dirs; do',
  '  [ -d "$d" ] || continue',
  '  rm -rf -- "$d"/* "$d"/.[!.]* "$d"/..?* 2>/dev/null || true',
  '  if mountpoint -q "$d" 2>/dev/null || [ "$(stat -c %d "$d")" != "$(stat -c %d "$d/..")" ]; then continue; fi',
  '  rmdir -- "$d" || true',
  'done',
  'for d in $dirs; do if [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then printf "left=%s is not empty: %s\\n" "$d" "$(ls -A "$d" | head -n 5 | tr "\\n" " ")"; fi; done',
  '[ ! -e "$unit" ] || printf "left=%s\\n" "$unit"',
  'for p in $(ours); do printf "left=process %s: %s\\n" "$p" "$(tr "\\000" " " 2>/dev/null < "/proc/$p/cmdline" | head -c 200)"; done'
])

export async function removeAll(session: SshSession, note: StepNote): Promise<string[]> {
  const probe = await probeNode(session, { askNode: false })
  // The VIPs the agent was configured with: removed below if the agent could not remove them itself.
  const conf = await session.exec(['cat', '--', AGENT_JSON], { sudo: true, timeoutMs: 15_000, maxOutputBytes: 1024 * 1024 })
  const vips = conf.code === 0 ? vipsOfAgentConfig(conf.stdout) : []
  if (probe.supervisorPid !== null) {
    note('stopping the agent (supervisor)')
    await stopSupervisor(session)
  }
  note(`removing the service, ${vips.length} VIP(s) if still present, and ${OWNED_DIRS.join(', ')}`)
  const r = await runRoot(session, REMOVE, [UNIT_PATH, UNIT_NAME, ...OWNED_DIRS, '--', ...vips.flatMap((v) => [v.address, String(v.prefix), v.dev])], {
    timeoutMs: 90_000
  })
  if (r.code !== 0) throw scriptFailure(session, 'Removing HAVIP from the node', r)
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('left='))
    .map((l) => l.slice(5))
}
