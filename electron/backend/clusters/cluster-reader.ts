// Reads what a node says about its cluster, in one command over the node's SSH session. The
// platform picks how (here, and only here): on Linux one root command reads
// /etc/havip/cluster.json (root 0600, so through sudo), and cheaply on the way the agent
// release `current` points to and which service runs it; on Windows the 'cluster-read'
// PowerShell script reads C:\ProgramData\HAVIP\cluster.json, current.json and the service
// (windows-cluster-reader.ts). Nothing is changed on the node.
import type { ClusterDefinition } from '../../api/cluster'
import { ApiException, type ApiError } from '../../api/errors'
import type { SshSession } from '../ssh/session'
import { CLUSTER_JSON, CURRENT, INSTALL_JSON, SUPERVISOR_PID, UNIT_PATH } from '../deploy/layout'
import { SshPowerShellRunner, type PowerShellRunner } from '../platform/windows/runner'
import { parseDefinitionFile } from './definition'
import { sessionPlatform } from './node-layout'
import { readWindowsNodeCluster } from './windows-cluster-reader'

const CLUSTER_FILE = CLUSTER_JSON
/** Larger than any definition (32 nodes, 16 roles are a few tens of KB). */
const MAX_DEFINITION_BYTES = 1024 * 1024

/**
 * $1 cluster.json, $2 the `current` link, $3 install.json, $4 the systemd unit, $5 the
 * supervisor's pid file (paths from deploy/layout.ts). Prints "release=<version>" (current ->
 * releases/<version>), "service=systemd|supervisor|" (as install.json records it, else what is
 * there) and a separator line, then cluster.json. Exit 3: no cluster.json.
 */
const READ_SCRIPT = [
  'r=$(readlink "$2" 2>/dev/null) || r=',
  'echo "release=${r##*/}"',
  's=$(grep -o \'"service" *: *"[a-z]*"\' "$3" 2>/dev/null | head -n 1 | sed \'s/.*"\\([a-z]*\\)"$/\\1/\') || s=',
  'if [ -z "$s" ] && [ -f "$4" ]; then s=systemd; elif [ -z "$s" ] && [ -f "$5" ]; then s=supervisor; fi',
  'echo "service=$s"',
  'echo ---havip-cluster-json---',
  '[ -e "$1" ] || exit 3',
  'exec cat -- "$1"'
].join('\n')

const SEPARATOR = '---havip-cluster-json---\n'

export interface NodeClusterRead {
  /** null: no cluster.json there (/etc/havip, or C:\ProgramData\HAVIP on Windows). */
  definition: ClusterDefinition | null
  /** The release `current` (current.json on Windows) points to (null: no agent installed by us). */
  agentVersion: string | null
  serviceKind: 'systemd' | 'supervisor' | 'windows-service' | null
}

export interface ReadNodeClusterOptions {
  /** How to reach PowerShell on a Windows node (default: over the session; tests: a replay). */
  powershell?: (session: SshSession) => PowerShellRunner
}

/**
 * Reads a node's cluster state. `where` names the node in messages ("n1 (198.51.100.11)").
 * A damaged cluster.json is an ApiException 'invalid-input' saying what is wrong; SSH and sudo
 * failures are the session's own errors (SshError), for the caller to classify.
 */
export async function readNodeCluster(session: SshSession, where: string, opts: ReadNodeClusterOptions = {}): Promise<NodeClusterRead> {
  if (sessionPlatform(session) === 'windows') {
    return readWindowsNodeCluster((opts.powershell ?? ((s) => new SshPowerShellRunner(s)))(session), where)
  }
  return readLinuxNodeCluster(session, where)
}

async function readLinuxNodeCluster(session: SshSession, where: string): Promise<NodeClusterRead> {
  const r = await session.exec(['sh', '-c', READ_SCRIPT, 'sh', CLUSTER_JSON, CURRENT, INSTALL_JSON, UNIT_PATH, SUPERVISOR_PID], { sudo: true, timeoutMs: 20_000, maxOutputBytes: MAX_DEFINITION_BYTES })
  const at = r.stdout.indexOf(SEPARATOR)
  if (at < 0 || (r.code !== 0 && r.code !== 3)) {
    throw new ApiException(readFailed(where, r.code, r.stderr))
  }
  const head = r.stdout.slice(0, at)
  const release = /^release=(.*)$/m.exec(head)?.[1]?.trim() ?? ''
  const service = /^service=(.*)$/m.exec(head)?.[1]?.trim() ?? ''
  const info = {
    agentVersion: /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(release) ? release : null,
    serviceKind: service === 'systemd' || service === 'supervisor' ? service : null
  } as const
  if (r.code === 3) return { definition: null, ...info }
  const text = r.stdout.slice(at + SEPARATOR.length)
  return { definition: parseDefinitionFile(text, `${CLUSTER_FILE} on ${where}`), ...info }
}

function readFailed(where: string, code: number, stderr: string): ApiError {
  const why = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)
  return {
    kind: 'command-failed',
    message: `Reading ${CLUSTER_FILE} on ${where} as root failed (exit ${code})${why ? `: ${why}` : ''}.`,
    hint: 'Check that the account can run commands as root through sudo on that node, and that the file system is readable.'
  }
}
