// Turns the request's nodes into what the tests run on: a saved connection's live session (the
// wizard connected it), or an SSH target that is connected here through the connections service
// (the CLI's --node; it is saved as the app saves it). A node that cannot be reached, or whose
// host key is unknown or changed, becomes an error value naming it, never an exception.
import type { ApiError } from '../../api/errors'
import { isInterfaceNameFor } from '../../api/interface-name'
import type { ConnectResult, Connection } from '../../api/contract'
import type { NetInterface, NodeFacts, SshTarget } from '../../api/model'
import type { ValidationNodeInput, ValidationReportNode } from '../../api/validation'
import type { NodeSessions } from '../connections/node-sessions'
import type { NodeFactsSource } from '../facts/facts-service'
import type { PlatformResolver } from '../platform/platform-adapter'
import { SshPowerShellRunner } from '../platform/windows/runner'
import { toApiError } from '../to-api-error'
import type { BackendLog } from '../log'
import type { NodeContext } from './test-module'
import { ipv4InSubnet } from './ipv4'

export interface ResolverDeps {
  sessions: NodeSessions
  /** The connections service's list and connect (connections.list / connections.connect). */
  listConnections(): Connection[]
  connect(target: SshTarget & { label?: string }): Promise<ConnectResult>
  facts: NodeFactsSource
  platformOf: PlatformResolver
  log: BackendLog
}

export type ResolvedNode =
  | { ok: true; context: NodeContext; report: ValidationReportNode }
  | { ok: false; report: ValidationReportNode & { error: ApiError } }

/** Connecting and reading facts of one node may take this long before the node counts as unreachable. */
export const NODE_PREPARE_TIMEOUT_MS = 30_000

/** The id results use for a node before (or without) a saved connection. */
export function provisionalNodeId(n: ValidationNodeInput): string {
  return 'connectionId' in n ? n.connectionId : `${n.target.username}@${n.target.host.toLowerCase()}:${n.target.port}`
}

/** The report's entry for a node before it is prepared (and for one that never connects). */
export function provisionalReportNode(n: ValidationNodeInput, deps: Pick<ResolverDeps, 'listConnections'>): ValidationReportNode {
  if ('connectionId' in n) {
    const c = deps.listConnections().find((x) => x.id === n.connectionId)
    return { id: n.connectionId, label: c?.label ?? n.connectionId, host: c?.host ?? '', port: c?.port ?? 22, username: c?.username ?? '', facts: null }
  }
  const t = n.target
  return { id: provisionalNodeId(n), label: n.label || `${t.username}@${t.host}`, host: t.host, port: t.port, username: t.username, facts: null }
}

export async function resolveNode(n: ValidationNodeInput, vip: { address: string; prefix: number }, deps: ResolverDeps, signal: AbortSignal): Promise<ResolvedNode> {
  const base = provisionalReportNode(n, deps)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          apiErr({
            kind: 'timeout',
            message: `${base.label} did not answer within ${NODE_PREPARE_TIMEOUT_MS / 1000} s (connecting and reading its facts).`,
            hint: 'Check that the node is up and its SSH server answers, then validate again.',
            node: base.host
          })
        ),
      NODE_PREPARE_TIMEOUT_MS
    )
  })
  let onAbort = (): void => {}
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(apiErr({ kind: 'disconnected', message: 'The validation was cancelled while connecting.', node: base.host }))
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) onAbort()
  })
  const prepared = prepare(n, vip, deps)
  prepared.catch(() => {}) // it may fail after the time bound or a cancel already decided: nobody waits then
  try {
    return await Promise.race([prepared, timeout, cancelled])
  } catch (err) {
    const error = (err as { apiError?: ApiError }).apiError ?? toApiError(err, 'validation.start', deps.log)
    return { ok: false, report: { ...base, error } }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
  }
}

async function prepare(n: ValidationNodeInput, vip: { address: string; prefix: number }, deps: ResolverDeps): Promise<ResolvedNode> {
  let connectionId: string
  if ('connectionId' in n) {
    connectionId = n.connectionId
  } else {
    connectionId = await connectTarget(n.target, n.label, deps)
  }
  const saved = deps.sessions.savedOf(connectionId)
  const session = deps.sessions.sessionOf(connectionId)
  // Fresh facts: a run judges the node as it is now, not as it was when the admin connected.
  const facts = await deps.facts.factsOf(connectionId, { refresh: true })
  // A name outside the node's own rule (a Windows adapter name asked of a Linux node) is never
  // looked up, so it cannot reach a Linux command; the interface test says why it is refused.
  const requestedOk = n.interface === undefined || isInterfaceNameFor(facts.platform, n.interface)
  const iface = requestedOk ? chooseInterface(facts, n.interface, vip) : undefined
  const ipv4 = iface?.addresses.find((a) => a.family === 'inet')
  const report: ValidationReportNode = {
    id: connectionId,
    label: saved.label,
    host: saved.host,
    port: saved.port,
    username: saved.username,
    facts: {
      hostname: facts.hostname.slice(0, 253),
      osPrettyName: (facts.os.prettyName || facts.os.name).slice(0, 200),
      kernel: facts.kernel.slice(0, 200),
      arch: facts.arch.slice(0, 64),
      nodeVersion: facts.nodeVersion ? facts.nodeVersion.slice(0, 64) : null,
      platform: facts.platform,
      ...(iface && isInterfaceNameFor(facts.platform, iface.name) ? { interface: iface.name } : {}),
      ...(ipv4 ? { ipv4: `${ipv4.address}/${ipv4.prefix}` } : {})
    }
  }
  const platform = deps.platformOf(connectionId)
  const context: NodeContext = {
    nodeId: connectionId,
    label: saved.label,
    host: saved.host,
    session,
    facts,
    platform,
    ...(platform.platform === 'windows' ? { powershell: new SshPowerShellRunner(session) } : {}),
    ...(iface ? { iface } : {}),
    ...(n.interface ? { requestedInterface: n.interface } : {})
  }
  return { ok: true, context, report }
}

/** Reuse the admin's live connection to this target if there is one; otherwise connect (and save) it. */
async function connectTarget(target: SshTarget, label: string | undefined, deps: ResolverDeps): Promise<string> {
  const live = deps
    .listConnections()
    .find((c) => c.state === 'connected' && c.host.toLowerCase() === target.host.toLowerCase() && c.port === target.port && c.username === target.username)
  if (live) return live.id
  const result = await deps.connect({ ...target, ...(label ? { label } : {}) })
  const where = `${target.host}:${target.port}`
  if (result.status === 'host-key-unknown') {
    throw apiErr({
      kind: 'host-key-unknown',
      message: `${where} offers the host key ${result.hostKey.fingerprint} (${result.hostKey.keyType}), which is not trusted yet.`,
      hint: 'Compare the fingerprint with the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on its console), then trust it (the app asks; the CLI takes --trust-new-host-keys) and validate again.',
      node: target.host
    })
  }
  if (result.status === 'host-key-changed') {
    throw apiErr({
      kind: 'host-key-changed',
      message: `The host key of ${where} CHANGED: pinned ${result.expectedFingerprint}, now offered ${result.hostKey.fingerprint}. Refused: this may be an attack (or a reinstalled node).`,
      hint: 'Find out why the key changed. Only if the node was reinstalled, forget the old key (Host keys → Forget) and trust the new one after checking its fingerprint.',
      node: target.host
    })
  }
  return result.connection.id
}

/**
 * The interface the VIP would go on: the one the request names (undefined when the node has no
 * such interface), else the one whose IPv4 subnet holds the VIP, else the default route's.
 */
export function chooseInterface(facts: NodeFacts, requested: string | undefined, vip: { address: string; prefix: number }): NetInterface | undefined {
  if (requested) return facts.interfaces.find((i) => i.name === requested)
  const holding = facts.interfaces.find((i) => i.addresses.some((a) => a.family === 'inet' && ipv4InSubnet(vip.address, a.address, a.prefix)))
  if (holding) return holding
  const dev = facts.defaultRoute?.dev
  return dev ? facts.interfaces.find((i) => i.name === dev) : undefined
}

function apiErr(error: ApiError): Error & { apiError: ApiError } {
  return Object.assign(new Error(error.message), { apiError: error })
}
