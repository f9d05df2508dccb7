// The agent's service, whichever kind the node has: a systemd unit where systemd runs, else the
// agent's own supervisor. The kind is decided once, at installService, and recorded in
// install.json; start/stop/reload read it back from the node (one probe) so they work from any
// desktop, also after the app restarted.
import type { SshSession } from '../ssh/session'
import type { ServiceKind } from './node-deployer'
import { DeployError, INSTALL_JSON, LOG_DIR, RUN_DIR } from './layout'
import { readable } from './install-record'
import { probeNode, type NodeProbe } from './node-probe'
import { nodeOf, rootScript, runRoot, scriptFailure } from './remote-run'
import { installRecordText, writeInstallRecord } from './root-files'
import { reloadSupervisor, startSupervisor, stopSupervisor } from './supervisor'
import { installUnit, systemctl } from './systemd-unit'

/**
 * The supervisor's directories, and install.json rewritten (stdin, temp + rename) when $3 names
 * it: one sudo call for the whole step (each costs a round trip, and a password round where sudo
 * asks every time).  $1 log dir  $2 run dir  $3 install.json or ''
 */
const SUPERVISOR_SERVICE = rootScript('service-supervisor', [
  'logd=$1; rund=$2; rec=$3; t=',
  'mkdir -p "$logd" "$rund"',
  '[ -n "$rec" ] || exit 0',
  `trap 'rm -f -- "$t"' EXIT`,
  "trap 'exit 1' HUP INT TERM PIPE",
  't=$(mktemp "$rec.XXXXXX")',
  'cat > "$t"; chmod 0644 "$t"; mv -f -- "$t" "$rec"; t='
])

export async function installService(session: SshSession): Promise<ServiceKind> {
  const probe = await probeNode(session, { askNode: false })
  const rec = readable(probe.install)
  if (!rec) {
    throw new DeployError({ node: nodeOf(session), what: 'Installing the agent service', why: 'no agent release is installed (install.json is missing or unreadable)', hint: 'Install the release first, then the service.' })
  }
  const kind: ServiceKind = probe.systemd ? 'systemd' : 'supervisor'
  const record = rec.service !== kind ? { ...rec, service: kind } : undefined
  if (kind === 'systemd') {
    await installUnit(session)
    if (record) await writeInstallRecord(session, record)
    return kind
  }
  const r = await runRoot(session, SUPERVISOR_SERVICE, [LOG_DIR, RUN_DIR, record ? INSTALL_JSON : ''], { timeoutMs: 15_000, ...(record ? { stdin: installRecordText(record) } : {}) })
  if (r.code !== 0) throw scriptFailure(session, 'Creating the agent\'s log and run directories and recording the service', r)
  return kind
}

function kindOf(probe: NodeProbe): ServiceKind {
  const rec = readable(probe.install)
  if (rec?.service) return rec.service
  return probe.unitInstalled ? 'systemd' : 'supervisor'
}

export async function serviceAction(session: SshSession, action: 'start' | 'stop' | 'reload'): Promise<void> {
  const probe = await probeNode(session, { askNode: false })
  const kind = kindOf(probe)
  if (kind === 'systemd') {
    if (!probe.unitInstalled) {
      if (action === 'stop') return
      throw new DeployError({ node: nodeOf(session), what: `${action} the agent`, why: 'the systemd unit is not installed', hint: 'Install the service first.' })
    }
    return systemctl(session, action)
  }
  if (action === 'start') return startSupervisor(session)
  if (action === 'stop') return stopSupervisor(session)
  return reloadSupervisor(session)
}
