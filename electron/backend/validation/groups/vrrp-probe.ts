// One protocol-112 probe per validation run, shared by the VRRP group's tests: upload the agent
// bundle to every node once, run `havip-agent scan` on all of them at the same moment (each
// listens ~3 advert intervals and, meanwhile, sends marked test adverts to the others), then
// remove the bundle again, also on failure and cancel. The router id scan, the protocol 112
// test and the heartbeat source test all read this one result, so the group costs one window.
import { randomBytes } from 'node:crypto'
import type { ClusterContext, NodeContext } from '../test-module'
import { ownAddress } from './vrrp-addresses'
import { findAgentBundleDir, NODE_RUNTIME_NOTE, removeAgent, runThenRemove, uploadAgent, whyAgentCannotRun, type UploadedAgent } from './vrrp-bundle'
import { ScanReportSchema, type ScanReport } from './vrrp-scan-schema'

export type NodeProbe =
  | { kind: 'ok'; address: string; report: ScanReport }
  | { kind: 'not-run' | 'failed'; address?: string; details: string; remediation?: string }

export interface ProbeResult {
  windowMs: number
  /** Nodes' own addresses, by node id (also for nodes where the scan could not run). */
  nodes: Map<string, NodeProbe>
  /** Problems removing the temp dirs, if any (reported, never silent). */
  cleanup: string[]
}

/** Test adverts per peer and way; three, as three adverts are what a backup waits for. */
export const TEST_ROUNDS = 3

/** At least three advert intervals of the requested interval, plus a margin for SSH start skew. */
export function scanWindowMs(advertIntervalMs: number): number {
  return Math.max(1500, 3 * advertIntervalMs + 500)
}

export function scanArgv(o: {
  node: string; agent: string; iface: string; source: string; windowMs: number; advertIntervalMs: number; token: string; peers: string[]; vrid?: number
}): string[] {
  return [
    o.node, o.agent, 'scan', '--interface', o.iface, '--duration-ms', String(o.windowMs), '--source', o.source, '--json',
    '--advert-interval-ms', String(o.advertIntervalMs), '--test-token', o.token, '--count', String(TEST_ROUNDS), '--multicast',
    ...o.peers.flatMap((p) => ['--peer', p]),
    ...(o.vrid !== undefined ? ['--avoid-vrid', String(o.vrid)] : [])
  ]
}

/** The last line of stdout as a scan report, or why not. */
export function parseScanOutput(stdout: string): ScanReport | { error: string } {
  const line = stdout.trim().split('\n').pop() ?? ''
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    return { error: `the agent printed no JSON (${line.slice(0, 200) || 'nothing'})` }
  }
  const parsed = ScanReportSchema.safeParse(json)
  return parsed.success ? parsed.data : { error: `the agent's report has an unexpected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}` }
}

interface Shared {
  /** The run's node contexts: a settings object reused by a later run must not get this run's probe. */
  nodes: readonly object[]
  result: Promise<ProbeResult>
  last?: ProbeResult
  signals: AbortSignal[]
  controller: AbortController
}

// Keyed by the run's settings object: the runner hands every test of one run the same one
// (each test gets its own ClusterContext and signal, so neither can be the key).
const runs = new WeakMap<object, Shared>()

/**
 * The run's probe, started by the first test that asks. It is cancelled only when every test
 * that asked has been cancelled (or timed out): one test ending must not stop the others' probe.
 */
export function sharedProbe(cluster: ClusterContext): Promise<ProbeResult> {
  let s = runs.get(cluster.settings)
  if (!s || s.nodes.length !== cluster.nodes.length || s.nodes.some((n, i) => n !== cluster.nodes[i])) {
    const controller = new AbortController()
    const created: Shared = { nodes: [...cluster.nodes], signals: [], controller, result: Promise.resolve(undefined as never) }
    created.result = runProbe(cluster, controller.signal).then((r) => (created.last = r))
    runs.set(cluster.settings, created)
    s = created
  }
  const shared = s
  shared.signals.push(cluster.signal)
  const onAbort = (): void => {
    if (shared.signals.every((sig) => sig.aborted)) shared.controller.abort()
  }
  if (cluster.signal.aborted) onAbort()
  else cluster.signal.addEventListener('abort', onAbort, { once: true })
  return shared.result
}

/** The finished probe of this run, if one ran (for proposals, read after the tests). */
export function finishedProbe(cluster: ClusterContext): ProbeResult | undefined {
  return runs.get(cluster.settings)?.last
}

const CANCELLED = { kind: 'not-run' as const, details: 'Not run: the validation was cancelled before the scan finished.' }

async function runProbe(cluster: ClusterContext, signal: AbortSignal): Promise<ProbeResult> {
  const { settings } = cluster
  const windowMs = scanWindowMs(settings.advertIntervalMs)
  const token = randomBytes(4).toString('hex')
  const out = new Map<string, NodeProbe>()
  const cleanup: string[] = []
  const bundleDir = findAgentBundleDir()

  // 1. What can run where; then, on every node in parallel, find node and upload the bundle.
  const ready: { node: NodeContext; address: string; nodeBin: string; uploaded: UploadedAgent }[] = []
  await Promise.all(cluster.nodes.map(async (node) => {
    const address = ownAddress(node.iface, settings)
    const why = !node.iface
      ? `no interface for the VIP was found on ${node.label} (see the Network tests)`
      : !address ? `${node.iface.name} on ${node.label} has no IPv4 address of its own` : whyAgentCannotRun(node.facts)
    if (why || !address) return void out.set(node.nodeId, { kind: 'not-run', address, details: `Not run: ${why}.` })
    if (!bundleDir) {
      return void out.set(node.nodeId, {
        kind: 'failed', address, details: 'The agent bundle (resources/agent/havip-agent.cjs) is missing from this installation.',
        remediation: 'Build it with "npm run build:agent" (or reinstall the app), then validate again.'
      })
    }
    try {
      const which = await node.session.exec(['sh', '-c', 'command -v node'], { timeoutMs: 15_000 })
      const nodeBin = which.stdout.trim().split('\n')[0] ?? ''
      if (which.code !== 0 || !nodeBin.startsWith('/')) {
        return void out.set(node.nodeId, { kind: 'not-run', address, details: `Not run: "node" is not on the login PATH of ${node.label}; this test ${NODE_RUNTIME_NOTE}.` })
      }
      if (signal.aborted) return void out.set(node.nodeId, CANCELLED)
      cluster.progress(node.nodeId, 'uploading the diagnostic agent to a private temp dir')
      const uploaded = await uploadAgent(node.session, node.facts, bundleDir, token)
      ready.push({ node, address, nodeBin, uploaded })
    } catch (err) {
      out.set(node.nodeId, {
        kind: 'failed', address,
        details: `Could not put the diagnostic agent on ${node.label}: ${(err as Error).message}`,
        remediation: 'Check that the login can use sudo (or is root) and that /run has free space, then validate again.'
      })
    }
  }))

  // The scan command removes its own dir when it ends (runThenRemove); these are left only
  // where it never ran or its SSH call failed, and are removed separately.
  const leftBehind = new Set(ready)
  const removeLeftovers = async (): Promise<void> => {
    const left = [...leftBehind]
    const problems = await Promise.all(left.map((r) => removeAgent(r.node.session, r.uploaded.dir)))
    problems.forEach((p, i) => p && cleanup.push(`${left[i]!.node.label}: ${p}`))
  }

  // 2. Every ready node scans at once, so each one's window covers the others' test adverts.
  const scans = signal.aborted ? Promise.resolve() : Promise.all(ready.map(async (r) => {
    const peers = ready.filter((p) => p !== r).map((p) => p.address)
    cluster.progress(r.node.nodeId, `listening for VRRP on ${r.node.iface!.name} for ${(windowMs / 1000).toFixed(1)} s`)
    try {
      const argv = scanArgv({ node: r.nodeBin, agent: r.uploaded.agent, iface: r.node.iface!.name, source: r.address, windowMs, advertIntervalMs: settings.advertIntervalMs, token, peers, vrid: settings.vrid })
      const res = await r.node.session.exec(runThenRemove(r.uploaded, argv), { sudo: true, timeoutMs: windowMs + 20_000 })
      leftBehind.delete(r)
      const parsed = res.code === 0 ? parseScanOutput(res.stdout) : { error: `havip-agent scan exited ${res.code}: ${(res.stderr.trim() || res.stdout.trim()).slice(0, 600)}` }
      if ('error' in parsed) {
        out.set(r.node.nodeId, { kind: 'failed', address: r.address, details: `The VRRP scan on ${r.node.label} failed: ${parsed.error}`, remediation: 'The agent needs root (raw IP sockets); check sudo for the login, then validate again.' })
      } else out.set(r.node.nodeId, { kind: 'ok', address: r.address, report: parsed })
    } catch (err) {
      out.set(r.node.nodeId, { kind: 'failed', address: r.address, details: `The VRRP scan on ${r.node.label} failed: ${(err as Error).message}` })
    }
  }))

  const cancelled = new Promise<'cancelled'>((resolve) => {
    if (signal.aborted) resolve('cancelled')
    signal.addEventListener('abort', () => resolve('cancelled'), { once: true })
  })
  if (signal.aborted || (await Promise.race([scans.then(() => 'done' as const), cancelled])) === 'cancelled') {
    // The scans end on their own within the window; remove the bundle once they have.
    void scans.then(removeLeftovers, removeLeftovers)
    // A copy: the scans still running write into `out` when they end.
    const now = new Map(out)
    for (const n of cluster.nodes) if (!now.has(n.nodeId) || now.get(n.nodeId)!.kind === 'ok') now.set(n.nodeId, CANCELLED)
    return { windowMs, nodes: now, cleanup }
  }
  await removeLeftovers()
  return { windowMs, nodes: out, cleanup }
}
