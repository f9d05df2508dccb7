// The Windows half of cluster-reader.ts: what a Windows node says about its cluster, through the
// 'cluster-read' PowerShell script (platform/windows/deploy-scripts.ts): cluster.json under
// C:\ProgramData\HAVIP (readable by SYSTEM and Administrators only, so the login must be an
// administrator, as for every HAVIP action there), the release current.json names, and the
// havip-agent service. Nothing is changed on the node.
import { ApiException } from '../../api/errors'
import { parseCurrent, WIN_CLUSTER_JSON } from '../deploy/windows/windows-layout'
import type { PowerShellRunner } from '../platform/windows/runner'
import type { NodeClusterRead } from './cluster-reader'
import { parseDefinitionFile } from './definition'

interface ClusterReadResult {
  clusterJson?: unknown
  current?: unknown
  service?: unknown
}

const RELEASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,79}$/

export async function readWindowsNodeCluster(ps: PowerShellRunner, where: string): Promise<NodeClusterRead> {
  const r = await ps.run<ClusterReadResult>('cluster-read')
  if (!r.ok) {
    throw new ApiException({
      kind: 'command-failed',
      node: ps.host,
      message: `Reading ${WIN_CLUSTER_JSON} on ${where} failed: ${r.error.message.replace(/\.$/, '')}.`,
      hint: r.error.hint
    })
  }
  const v = r.value ?? {}
  const release = parseCurrent(typeof v.current === 'string' ? v.current : null)?.release ?? ''
  const info = {
    agentVersion: RELEASE_NAME.test(release) ? release : null,
    // Installed (whatever its state) is what the Linux reader says too: the kind of service there.
    serviceKind: typeof v.service === 'string' && v.service !== '' ? ('windows-service' as const) : null
  }
  if (typeof v.clusterJson !== 'string' || v.clusterJson === '') return { definition: null, ...info }
  return { definition: parseDefinitionFile(v.clusterJson, `${WIN_CLUSTER_JSON} on ${where}`), ...info }
}
