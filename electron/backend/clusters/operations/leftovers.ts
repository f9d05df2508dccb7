// "What is left on which node", in words, for the summary of an operation that did not finish:
// read with `inspect` where the node answers, said plainly where it does not.
import type { OperationReport } from '../../../api/cluster'
import type { NodeInstallState } from '../../deploy/node-deployer'
import type { PlatformName } from '../../platform/platform-adapter'
import { layoutOf, sessionPlatform } from '../node-layout'
import { settleBounded } from './bounded'
import type { OperationDeps } from './deps'
import type { NodeHandle } from './preflight'
import { errorText } from './operation-run'

type Leftover = OperationReport['leftovers'][number]

/** What `inspect` found, in words (with the paths of the node's platform); empty when nothing of ours is there. */
export function describeInstall(s: NodeInstallState, platform: PlatformName = 'linux'): string[] {
  const at = layoutOf(platform)
  const out: string[] = []
  if (s.service?.installed) out.push(`the havip-agent service (${s.service.kind}) is installed${s.service.running ? ' and running' : ', not running'}`)
  else if (s.service?.running) out.push(`a havip-agent (${s.service.kind}) is running`)
  if (s.cluster && 'unreadable' in s.cluster) out.push(`an unreadable ${at.clusterFile} (${s.cluster.unreadable})`)
  else if (s.cluster) out.push(`${at.clusterFile} of ${s.cluster.name} (${s.cluster.id}) generation ${s.cluster.generation}`)
  if (s.releases.length > 0) out.push(`agent release${s.releases.length > 1 ? 's' : ''} ${s.releases.join(', ')} under ${at.releasesDir}${s.currentRelease ? ` (current: ${s.currentRelease})` : ''}`)
  if (s.uploadedRuntime) out.push(`the Node.js runtime ${s.uploadedRuntime} this app uploaded under ${at.runtimesDir}`)
  return out
}

/** Leftovers of the nodes given, each read now (bounded). A node that does not answer is said so. */
export async function collectLeftovers(deps: OperationDeps, handles: NodeHandle[], unreachable: { name: string; why: string }[] = []): Promise<Leftover[]> {
  const read = await settleBounded(handles, (h) => deps.deployer.inspect(h.session))
  const out: Leftover[] = []
  read.forEach((r, i) => {
    const name = handles[i]!.node.name
    if (r.status === 'fulfilled') {
      const what = describeInstall(r.value, sessionPlatform(handles[i]!.session))
      if (what.length > 0) out.push({ node: name, what: clipWhat(`${what.join('; ')}.`) })
    } else {
      out.push({ node: name, what: clipWhat(`could not be read (${errorText(r.reason)}): what the steps above did there may still be there.`) })
    }
  })
  for (const u of unreachable) out.push({ node: u.name, what: clipWhat(`not reached (${u.why}): what the steps above did there may still be there.`) })
  return out
}

function clipWhat(s: string): string {
  return s.length <= 1000 ? s : `${s.slice(0, 999)}…`
}
