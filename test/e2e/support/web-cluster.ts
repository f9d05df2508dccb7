// A cluster on the lab made through browser mode's public API (the way the e2e tests and the
// browser benches arrange one before they open the console): the lab's host keys pinned, the
// nodes connected as root, Create Cluster run to its end with validation skipped (saying why),
// and every cluster of the server destroyed again at the end (also after a failure).
import type { LabState } from '../../lab/lab'
import { waitFor } from '../../support/wait-for'
import { callApi } from './api-client'
import type { RunningWebServer } from './web-server'

export interface WebOperationReport {
  outcome: string
  masters: { role: string; node: string | null }[]
  error?: { message: string; node?: string; hint?: string }
}

/** One API call to the running server. */
export function webCall(s: RunningWebServer, method: string, input: unknown): Promise<unknown> {
  return callApi(s.baseUrl, s.token, method, input)
}

/** Pins the named lab nodes' host keys and connects them as root (remembered); their connection ids. */
export async function connectLabNodes(s: RunningWebServer, lab: LabState, names: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const name of names) {
    const n = lab.nodes.find((x) => x.name === name)
    if (!n) throw new Error(`the lab has no node ${name} (lab:up with more nodes)`)
    await webCall(s, 'hostKeys.trust', { host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })
    const r = (await webCall(s, 'connections.connect', { host: n.address, port: n.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath }, remember: true })) as {
      status: string
      connection?: { id: string }
    }
    if (r.status !== 'connected' || !r.connection) throw new Error(`connecting ${name}: ${r.status}`)
    ids.push(r.connection.id)
  }
  return ids
}

/** Waits (bounded) for an operation to end; its report, whatever the outcome. */
export async function waitForOperation(s: RunningWebServer, operationId: string, timeoutMs: number): Promise<WebOperationReport> {
  let report: WebOperationReport | undefined
  await waitFor(`operation ${operationId} to end`, async () => {
    report = (await webCall(s, 'clusters.operation', { operationId })) as WebOperationReport
    return report.outcome !== 'running'
  }, timeoutMs, 250)
  return report!
}

/** Connects `nodes` and creates cluster `name` of them with one role; throws when Create did not succeed. */
export async function createWebCluster(
  s: RunningWebServer,
  lab: LabState,
  c: { name: string; nodes: string[]; role: Record<string, unknown>; skipReason: string }
): Promise<{ clusterId: string; report: WebOperationReport }> {
  const ids = await connectLabNodes(s, lab, c.nodes)
  const created = (await webCall(s, 'clusters.create', { name: c.name, nodes: ids.map((connectionId) => ({ connectionId })), role: c.role, validation: { skipReason: c.skipReason } })) as {
    operationId: string
    clusterId: string
  }
  const report = await waitForOperation(s, created.operationId, 150_000)
  if (report.outcome !== 'succeeded') throw new Error(`Create Cluster ${c.name} ${report.outcome}: ${JSON.stringify(report.error)}`)
  return { clusterId: created.clusterId, report }
}

/** Destroys every cluster the server knows, each waited for (bounded); their names. Errors are left to the caller's own checks. */
export async function destroyWebClusters(s: RunningWebServer): Promise<string[]> {
  const known = (await webCall(s, 'clusters.list', {})) as { id: string; name: string }[]
  for (const c of known) {
    const op = (await webCall(s, 'clusters.destroy', { clusterId: c.id, confirmName: c.name }).catch(() => null)) as { operationId: string } | null
    if (op) await waitForOperation(s, op.operationId, 120_000).catch(() => undefined)
  }
  return known.map((c) => c.name)
}
