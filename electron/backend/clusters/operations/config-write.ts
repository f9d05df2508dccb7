// A new generation reaches the nodes in two phases: first written everywhere (cluster.json and
// agent.json; the running agents keep running what they had), and only when every write
// succeeded are the agents told to reload. A write that fails anywhere puts the old generation
// back where the new one was already written, so no two nodes are left on different generations
// that an agent runs, and the report says where that could not be done.
import type { ClusterDefinition } from '../../../api/cluster'
import { ApiException } from '../../../api/errors'
import { agentConfigJson } from '../agent-config'
import { settleBounded } from './bounded'
import type { OperationDeps } from './deps'
import { errorText, type OperationRun } from './operation-run'
import type { NodeHandle } from './preflight'

export class GenerationNotWritten extends ApiException {
  constructor(message: string, hint: string, readonly restoreFailed: string[]) {
    super({ kind: 'command-failed', message, hint })
  }
}

export async function writeGeneration(run: OperationRun, deps: OperationDeps, target: ClusterDefinition, previous: ClusterDefinition | undefined, handles: NodeHandle[]): Promise<void> {
  const title = `Write generation ${target.generation} (cluster.json, agent.json)`
  const results = await settleBounded(handles, (h) =>
    run.step('write-config', title, h.node.name, () => deps.deployer.writeConfig(h.session, target, agentConfigJson(target, h.node.name)), () => `generation ${target.generation} written`)
  )
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ h: handles[i]!, why: errorText(r.reason) }] : []))
  if (failed.length === 0) return
  // Put the old generation back where the new one landed (nodes new to the cluster have none: nothing runs there yet).
  const written = handles.filter((h, i) => results[i]!.status === 'fulfilled' && previous?.nodes.some((n) => n.name === h.node.name))
  const restore = previous
    ? await settleBounded(written, (h) =>
        run.step('restore-config', `Write generation ${previous.generation} back`, h.node.name, () => deps.deployer.writeConfig(h.session, previous, agentConfigJson(previous, h.node.name)), () => `generation ${previous.generation} restored`)
      )
    : []
  const restoreFailed = written.filter((_, i) => restore[i]!.status === 'rejected').map((h) => h.node.name)
  const what = failed.map((f) => `${f.h.node.name}: ${f.why}`).join('; ')
  const back = previous && written.length > 0
    ? restoreFailed.length === 0
      ? ` Generation ${previous.generation} was written back on ${written.map((h) => h.node.name).join(', ')}; the agents kept running it.`
      : ` Generation ${previous.generation} could NOT be written back on ${restoreFailed.join(', ')}: those nodes hold generation ${target.generation} on disk (their agents still run generation ${previous.generation} until a reload or restart).`
    : ''
  throw new GenerationNotWritten(
    `Generation ${target.generation} could not be written on ${failed.map((f) => f.h.node.name).join(', ')} (${what}).${back}`,
    restoreFailed.length === 0 ? 'Fix what the message says on that node (reachable over SSH, space on the disk), then run the action again.' : 'Reach the nodes named and run the rollback the report offers.',
    restoreFailed
  )
}

/** Tells every running agent to re-read agent.json (unchanged instances keep their state). */
export async function reloadAgents(run: OperationRun, deps: OperationDeps, handles: NodeHandle[], generation: number): Promise<void> {
  const results = await settleBounded(handles, (h) => run.step('reload', `Reload the agent (generation ${generation})`, h.node.name, () => deps.deployer.reload(h.session), () => 'reloaded'))
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${handles[i]!.node.name}: ${errorText(r.reason)}`] : []))
  if (failed.length > 0) {
    throw new ApiException({
      kind: 'command-failed',
      message: `The agent could not reload generation ${generation} on ${failed.join('; ')}.`,
      hint: 'The file is written on every node; reach that node and run the action again (or roll back as the report offers).'
    })
  }
}
