// The console's methods (clusters.state, move, simulateFailure, pauseNode, resumeNode, nodeService) over the live
// state service. Actions on one cluster run one at a time: two moves at once would each wait for
// a state the other changes.
import type { ClusterState, MoveResult, NodeActionResult, SimulateFailureResult } from '../../api/console'
import { ApiException, apiError } from '../../api/errors'
import type { ClusterWatch } from './cluster-watch'
import type { LiveStateService } from './live-state-service'
import { moveRole } from './move-role'
import { nodeService, pauseNode, resumeNode, type ServiceControl } from './node-actions'
import { simulateFailure } from './simulate-failure'

export class ConsoleService {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(private readonly live: LiveStateService, private readonly service: ServiceControl) {}

  state(clusterId: string): Promise<ClusterState> {
    return this.live.state(clusterId)
  }

  move(clusterId: string, role: string, to?: string): Promise<MoveResult> {
    return this.serial(clusterId, (w) => moveRole(w, role, to))
  }

  simulateFailure(clusterId: string, role: string, durationMs: number): Promise<SimulateFailureResult> {
    return this.serial(clusterId, (w) => simulateFailure(w, role, durationMs))
  }

  pause(clusterId: string, node: string, drain: boolean): Promise<NodeActionResult> {
    return this.serial(clusterId, (w) => pauseNode(w, node, drain))
  }

  resume(clusterId: string, node: string, failback: boolean): Promise<NodeActionResult> {
    return this.serial(clusterId, (w) => resumeNode(w, node, failback))
  }

  nodeService(clusterId: string, node: string, action: 'stop' | 'start'): Promise<NodeActionResult> {
    return this.serial(clusterId, (w) => nodeService(w, this.service, node, action))
  }

  private serial<T>(clusterId: string, fn: (w: ClusterWatch) => Promise<T>): Promise<T> {
    const prev = this.queues.get(clusterId) ?? Promise.resolve()
    let name = clusterId
    const run = prev
      .then(async () => {
        const w = await this.live.watch(clusterId)
        name = w.definition.name
        return fn(w)
      })
      .catch((err: unknown) => {
        // A timeout waiting for the console to see a state is an Error, not an ApiException: say which cluster, by its name.
        if (err instanceof ApiException || !(err instanceof Error) || !/^timed out/.test(err.message)) throw err
        throw new ApiException(apiError('timeout', `The action on cluster ${name} did not settle: ${err.message}.`, { hint: 'Look at the cluster\'s live state (havip status) to see where it stands, then try again.' }))
      })
    const tail = run.catch(() => undefined)
    this.queues.set(clusterId, tail)
    void tail.then(() => {
      if (this.queues.get(clusterId) === tail) this.queues.delete(clusterId)
    })
    return run
  }
}
