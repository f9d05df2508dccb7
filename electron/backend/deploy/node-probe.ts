// What is on a node, read in one root call without changing anything: our releases, runtime
// and links, the node's own Node.js, free space, the service and its state, install.json and
// cluster.json. inspect() reports it; installRelease() plans from it.
import type { SshSession } from '../ssh/session'
import type { NodeInstallState } from './node-deployer'
import { CLUSTER_JSON, CURRENT, INSTALL_JSON, NODE_LINK, OPT, RELEASES, RUNTIMES, SUPERVISOR_PID, UNIT_NAME, UNIT_PATH } from './layout'
import { nodeOf, rootScript, runRoot, scriptFailure } from './remote-run'
import { parseInstallRecord, type InstallRecord } from './install-record'

/**
 * Prints key=value lines, one value per line (JSON files base64-encoded). Paths are constants
 * passed as arguments. The node's Node.js is looked up on the fixed PATH root scripts use, and
 * asked for its version and module ABI (which raw-socket prebuild it loads).
 */
const PROBE = rootScript('probe', [
  'opt=$1; rels=$2; rts=$3; cur=$4; nl=$5; pidf=$6; unitp=$7; unitn=$8; inst=$9; shift 9; clus=$1; ask_node=$2',
  'p() { printf "%s=%s\\n" "$1" "$2"; }',
  'p arch "$(uname -m)"',
  'n=$(command -v node 2>/dev/null || true)',
  'if [ -n "$n" ] && [ "$ask_node" = yes ]; then p system_node "$n"; p system_node_version "$(timeout 15 "$n" -p \'process.version+" "+process.versions.modules\' 2>/dev/null | head -n 1 || true)"; fi',
  'if [ -L "$cur" ]; then p current "$(readlink "$cur")"; fi',
  'if [ -L "$nl" ]; then p node_link "$(readlink "$nl")"; fi',
  'for d in "$rels"/*/; do if [ -d "$d" ]; then d=${d%/}; p release "${d##*/}"; fi; done',
  'for d in "$rts"/*/; do if [ -x "${d}bin/node" ]; then d=${d%/}; p runtime "${d##*/}"; fi; done',
  'free_kb() { df -Pk "$1" 2>/dev/null | { read -r _ || true; read -r _ _ _ a _ || true; printf "%s" "${a:-}"; }; }',
  'd=$opt; while [ ! -d "$d" ]; do d=${d%/*}; [ -n "$d" ] || d=/; done',
  'p opt_free_kb "$(free_kb "$d")"',
  'p tmp_free_kb "$(free_kb /tmp)"',
  'if [ -d /run/systemd/system ]; then p systemd 1; p unit_active "$(systemctl is-active "$unitn" 2>/dev/null || true)"; fi',
  'if [ -f "$unitp" ]; then p unit 1; fi',
  'if [ -f "$pidf" ]; then',
  '  pid=$(head -c 32 "$pidf" | tr -dc 0-9)',
  '  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr "\\000" " " 2>/dev/null < "/proc/$pid/cmdline" | grep -q "havip-agent.* supervise"; then p supervisor_pid "$pid"; fi',
  'fi',
  'if [ -f "$inst" ]; then p install_json "$(head -c 65536 "$inst" | base64 | tr -d "\\n")"; fi',
  'if [ -f "$clus" ]; then p cluster_json "$(head -c 262144 "$clus" | base64 | tr -d "\\n")"; fi'
])

export interface NodeProbe {
  arch: string
  /** The node's own `node` on root's PATH, and what it said (null: absent or did not run). */
  systemNode: { path: string; version: string | null; abi: string | null } | null
  current: string | null
  nodeLink: string | null
  releases: string[]
  runtimes: string[]
  optFreeBytes: number | null
  tmpFreeBytes: number | null
  systemd: boolean
  unitInstalled: boolean
  unitActive: string | null
  supervisorPid: number | null
  install: InstallRecord | { unreadable: string } | null
  clusterJson: string | null
}

export function parseProbe(stdout: string): NodeProbe {
  const one = new Map<string, string>()
  const many = new Map<string, string[]>()
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const k = line.slice(0, eq)
    const v = line.slice(eq + 1)
    one.set(k, v)
    many.set(k, [...(many.get(k) ?? []), v])
  }
  const kb = (k: string): number | null => (/^\d+$/.test(one.get(k) ?? '') ? Number(one.get(k)) * 1024 : null)
  const b64 = (k: string): string | null => (one.has(k) ? Buffer.from(one.get(k)!, 'base64').toString('utf8') : null)
  const nodeVer = /^(v\d+\.\d+\.\d+\S*) (\d+)$/.exec(one.get('system_node_version') ?? '')
  const installText = b64('install_json')
  return {
    arch: one.get('arch') ?? '',
    systemNode: one.has('system_node') ? { path: one.get('system_node')!, version: nodeVer?.[1] ?? null, abi: nodeVer?.[2] ?? null } : null,
    current: one.get('current') ?? null,
    nodeLink: one.get('node_link') ?? null,
    releases: many.get('release') ?? [],
    runtimes: many.get('runtime') ?? [],
    optFreeBytes: kb('opt_free_kb'),
    tmpFreeBytes: kb('tmp_free_kb'),
    systemd: one.get('systemd') === '1',
    unitInstalled: one.get('unit') === '1',
    unitActive: one.get('unit_active') || null,
    supervisorPid: /^\d+$/.test(one.get('supervisor_pid') ?? '') ? Number(one.get('supervisor_pid')) : null,
    install: installText === null ? null : parseInstallRecord(installText),
    clusterJson: b64('cluster_json')
  }
}

/**
 * `askNode: false` skips starting the node's own Node.js for its version (a Node.js start is most
 * of the probe's time): start, stop, reload and installService need only the service state.
 */
export async function probeNode(session: SshSession, opts: { askNode?: boolean } = {}): Promise<NodeProbe> {
  const askNode = opts.askNode !== false ? 'yes' : 'no'
  const r = await runRoot(session, PROBE, [OPT, RELEASES, RUNTIMES, CURRENT, NODE_LINK, SUPERVISOR_PID, UNIT_PATH, UNIT_NAME, INSTALL_JSON, CLUSTER_JSON, askNode], {
    timeoutMs: 45_000
  })
  if (r.code !== 0) throw scriptFailure(session, `Reading what HAVIP has installed on ${nodeOf(session)}`, r)
  return parseProbe(r.stdout)
}

/** The release `current` points to ("releases/<v>" or an absolute path to it). */
export function currentRelease(p: NodeProbe): string | null {
  if (!p.current) return null
  const name = p.current.replace(/\/+$/, '').split('/').pop() ?? ''
  return p.releases.includes(name) ? name : null
}

function clusterSummary(text: string | null): NodeInstallState['cluster'] {
  if (text === null) return null
  try {
    const c = JSON.parse(text) as { id?: unknown; name?: unknown; generation?: unknown }
    if (typeof c.id === 'string' && typeof c.name === 'string' && typeof c.generation === 'number') return { id: c.id, name: c.name, generation: c.generation }
    return { unreadable: 'cluster.json lacks its id, name or generation' }
  } catch (e) {
    return { unreadable: `cluster.json is not valid JSON (${(e as Error).message})` }
  }
}

/** A runtime directory's Node.js version: node-v22.23.5-linux-x64 -> v22.23.5. */
export function runtimeVersion(dir: string): string | null {
  return /^node-(v\d+\.\d+\.\d+)-/.exec(dir)?.[1] ?? null
}

export function installState(p: NodeProbe): NodeInstallState {
  const usedRuntime = p.nodeLink ? p.runtimes.find((r) => p.nodeLink!.startsWith(`${RUNTIMES}/${r}/`)) : undefined
  const runtime = usedRuntime ?? p.runtimes[0]
  const recordedKind = p.install && !('unreadable' in p.install) ? p.install.service : null
  let service: NodeInstallState['service'] = null
  if (p.unitInstalled || (p.systemd && recordedKind === 'systemd')) {
    service = { kind: 'systemd', installed: p.unitInstalled, running: p.unitActive === 'active' }
  } else if (recordedKind === 'supervisor' || p.supervisorPid !== null) {
    service = { kind: 'supervisor', installed: recordedKind === 'supervisor', running: p.supervisorPid !== null }
  }
  return {
    releases: [...p.releases].sort(),
    currentRelease: currentRelease(p),
    uploadedRuntime: runtime ? runtimeVersion(runtime) : null,
    nodePath: p.nodeLink,
    service,
    cluster: clusterSummary(p.clusterJson),
    optFreeBytes: p.optFreeBytes
  }
}
