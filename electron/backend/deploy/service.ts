// The agent's service, whichever kind the node has: a systemd unit where systemd runs, else the
// agent's own supervisor. The kind is decided once, at installService, and recorded in
// install.json; start/stop/reload read it back from the node (one probe) so they work from any
// desktop, also after the app restarted.
import type { SshSession } from '../ssh/session'
import type { ServiceKind } from './node-deployer'
import { DeployError, LOG_DIR, RUN_DIR } from './layout'
import { readable } from './install-record'
import { probeNode, type NodeProbe } from './node-probe'
import { nodeOf, rootScript, runRoot, scriptFailure } from './remote-run'
import { writeInstallRecord } from './root-files'
import { reloadSupervisor, startSupervisor, stopSupervisor } from './supervisor'
import { installUnit, systemctl } from './systemd-unit'

const MAKE_DIRS = rootScript('service-dirs', ['mkdir -p "$@"'])

export async function installService(session: SshSession): Promise<ServiceKind> {
  const probe = await probeNode(session, { askNode: false })
  const rec = readable(probe.install)
  if (!rec) {
    throw new DeployError({ node: nodeOf(session), what: 'Installing the agent service', why: 'no agent release is installed (install.json is missing or unreadable)', hint: 'Install the release first, then the service.' })
  }
  const kind: ServiceKind = probe.systemd ? 'systemd' : 'supervisor'
  if (kind === 'systemd') await installUnit(session)
  else {
    const r = await runRoot(session, MAKE_DIRS, [LOG_DIR, RUN_DIR], { timeoutMs: 15_000 })
    if (r.code !== 0) throw scriptFailure(session, 'Creating the agent\'s log and run directories', r)
  }
  if (rec.service !== kind) await writeInstallRecord(session, { ...rec, service: kind })
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
