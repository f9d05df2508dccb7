// Temporary: the cluster methods answer "not in this build yet" until ClusterService is composed
// in backend.ts. Removed by the cluster service's merge.
import type { ApiHandlers } from '../../api/contract'
import { apiError, ApiException } from '../../api/errors'
import { clusterMethods } from '../../api/cluster'

type ClusterHandlers = { [M in keyof typeof clusterMethods]: ApiHandlers[M] }

export function clusterPlaceholders(): ClusterHandlers {
  const notYet = async (): Promise<never> => {
    throw new ApiException(apiError('internal', 'clusters are not in this build yet'))
  }
  return Object.fromEntries(Object.keys(clusterMethods).map((m) => [m, notYet])) as unknown as ClusterHandlers
}
