// The composition root: builds the stores, the SSH pool and the services, and maps every
// method of the API table (electron/api/contract.ts) to the service that owns it. Services
// own their state and talk to each other only through small interfaces (NodeSessions,
// NodeFactsSource, PlatformResolver); the API table is the only door from outside.
// Both transports (Electron IPC in electron/main, WebSocket in electron/web) reach it only
// through dispatch(). Never imports 'electron': the desktop passes a SecretCodec instead.
import * as path from 'node:path'
import pkg from '../../package.json'
import type { ApiHandlers } from '../api/contract'
import type { DispatchTarget } from '../api/dispatch'
import { ConnectionSecrets } from './connections/connection-secrets'
import { ConnectionService } from './connections/connection-service'
import { rejectedReport, SavedConnections } from './connections/saved-connections'
import { createEventHub, type EventHub } from './events'
import { FactsService } from './facts/facts-service'
import { HostKeyService } from './host-keys/host-key-service'
import { createBackendLog } from './log'
import type { PlatformResolver } from './platform/platform-adapter'
import { platformForSession } from './platform/resolve-platform'
import { SshPool } from './ssh/pool'
import { CredentialStore, type SecretCodec } from './store/credential-store'
import { HostKeyStore } from './store/host-key-store'
import { toApiError } from './to-api-error'
import { ClusterDirectory } from './clusters/cluster-directory'
import { ConsoleService } from './live/console-service'
import { LiveStateService } from './live/live-state-service'
import { platformAgentAccess } from './live/agent-access'
import { linuxAgentAccess } from './live/linux-agent-access'
import { windowsAgentAccess } from './live/windows-agent-access'
import { KnownClusters } from './clusters/known-clusters'
import { ClusterOperations } from './clusters/operations/cluster-operations'
import { DEFAULT_TIMING, type OperationTiming } from './clusters/operations/deps'
import { nodeAccessor } from './clusters/operations/node-access'
import { OperationStore } from './clusters/operations/operation-store'
import { validationVridScan } from './clusters/operations/vrid-scan'
import { LinuxDeployer } from './deploy/linux-deployer'
import { PlatformDeployer } from './deploy/platform-deployer'
import { WindowsDeployer } from './deploy/windows/windows-deployer'
import { allTests } from './validation/groups/catalogue'
import { ValidationService } from './validation/validation-service'
import { LocalPtyLoader } from './terminal/local-pty'
import { TerminalService } from './terminal/terminal-service'
import { ClusterEventsService } from './cluster-events/cluster-events-service'
import { nodeActionOutcome, recordedAction } from './cluster-events/action-events'
import { agentWatchEvent, alertEvent, operationEvent } from './cluster-events/event-sources'
import { liveOwnership } from './reachability/live-ownership'
import { ReachabilityService } from './reachability/reachability-service'
import type { SshSession } from './ssh/session'

export interface BackendOptions {
  /** Where host keys, saved connections and credentials live (created 0700). */
  dataDir: string
  /** Electron's safeStorage; without it secrets sit in a 0600 file. */
  secretCodec?: SecretCodec
  mode: 'electron' | 'browser'
  /** SSH connect timeout (tests use a short one). */
  connectTimeoutMs?: number
  /** SSH keepalive interval; a dead link is reported after 3 unanswered ones. Default 15 s. */
  keepaliveIntervalMs?: number
  /** Time bound of one validation test on one node (tests of slow nodes use a short one). */
  validationTestTimeoutMs?: number
  /** How often each watched node sends its full agent status (live state). Default 5 s. */
  liveStatusPeriodMs?: number
  /** Waits of the cluster operations (tests of a slow lab may lengthen the margin). */
  operationTiming?: Partial<OperationTiming>
  /** How node-pty is loaded for the local shell (tests pass a failing one). */
  localPty?: LocalPtyLoader
}

export interface Backend extends DispatchTarget {
  readonly events: EventHub
  dispose(): Promise<void>
}

export function createBackend(opts: BackendOptions): Backend {
  const events = createEventHub()
  const log = createBackendLog(events)
  const hostKeyStore = new HostKeyStore(path.join(opts.dataDir, 'host-keys.json'))
  const pool = new SshPool({
    hostKeys: hostKeyStore,
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: opts.keepaliveIntervalMs } : {}),
    log: (line) => log('info', line)
  })

  const credentials = new CredentialStore(path.join(opts.dataDir, 'credentials'), opts.secretCodec)
  const hostKeys = new HostKeyService(hostKeyStore, log)
  const secrets = new ConnectionSecrets(credentials, log)
  const connections = new ConnectionService({
    pool,
    saved: new SavedConnections(opts.dataDir, (moved, where) => log('warn', rejectedReport(moved, where))),
    secrets,
    hostKeys: hostKeyStore,
    events,
    log
  })
  // Windows or Linux per connection, from the SSH server's identification string.
  const platformOf: PlatformResolver = (connectionId) => platformForSession(connections.sessionOf(connectionId))
  const facts = new FactsService(connections, platformOf)
  const validation = new ValidationService({
    sessions: connections,
    listConnections: () => connections.list(),
    connect: (target) => connections.connect(target),
    facts,
    platformOf,
    events,
    log,
    dataDir: opts.dataDir,
    appVersion: pkg.version,
    tests: allTests(),
    ...(opts.validationTestTimeoutMs !== undefined ? { testTimeoutMs: opts.validationTestTimeoutMs } : {})
  })

  const known = new KnownClusters(opts.dataDir, (damage) => log('warn', damage.message))
  const clusters = new ClusterDirectory({
    sessions: connections,
    connect: (target) => connections.connect(target),
    reconnect: (id) => connections.reconnect(id),
    listConnections: () => connections.list(),
    targetOf: (id) => secrets.targetOf(connections.savedOf(id)),
    known,
    log
  })
  // A node detected as Windows at connect (Win32-OpenSSH) gets the Windows deployer.
  const deployer = new PlatformDeployer(new LinuxDeployer(), new WindowsDeployer())
  const operations = new ClusterOperations({
    deployer,
    connections,
    access: nodeAccessor(connections, log),
    facts,
    validation,
    vridScan: validationVridScan(validation),
    known,
    definitions: { current: async (clusterId) => (await clusters.read(clusterId)).definition },
    events,
    log,
    store: new OperationStore(opts.dataDir),
    appVersion: pkg.version,
    now: () => new Date(),
    timing: { ...DEFAULT_TIMING, ...opts.operationTiming }
  })

  /** A node's SSH session by its saved connection, reconnecting once if it dropped. */
  const sessionFor = async (connectionId: string): Promise<SshSession> => {
    try {
      return connections.sessionOf(connectionId)
    } catch {
      const r = await connections.reconnect(connectionId)
      if (r.status !== 'connected') throw new Error(`the host key of ${r.hostKey.host}:${r.hostKey.port} is not trusted (${r.status})`)
      return connections.sessionOf(connectionId)
    }
  }
  // The live console reaches each node's agent the same way: sudo + exec on Linux, the PowerShell seam on Windows.
  const agentAccess = platformAgentAccess(linuxAgentAccess, windowsAgentAccess())
  const live = new LiveStateService({
    // Cluster Events: the agents' events as they stream, and the cross-checks' alerts.
    onAgentEvent: (clusterId, node, e) => {
      const input = agentWatchEvent(node, e)
      if (input) clusterEvents.record(clusterId, [input])
    },
    onAlerts: (clusterId, change) => {
      const now = Date.now()
      clusterEvents.record(clusterId, [...change.raised.map((a) => alertEvent(a, true, now)), ...change.cleared.map((a) => alertEvent(a, false, now))])
    },
    read: (clusterId) => clusters.read(clusterId),
    sessionFor,
    agent: agentAccess,
    events,
    log,
    ...(opts.liveStatusPeriodMs !== undefined ? { statusPeriodMs: opts.liveStatusPeriodMs } : {})
  })
  const consoleActions = new ConsoleService(live, { start: (s) => deployer.start(s), stop: (s) => deployer.stop(s) })
  // The live reachability graph (issue 12): owners and transitions from the live state.
  const reachability = new ReachabilityService({
    read: (id) => clusters.read(id),
    sessionFor,
    agent: agentAccess,
    owners: liveOwnership({ state: (id) => live.state(id), subscribe: (l) => events.on('cluster.state', l) }),
    events,
    log
  })
  // A cluster destroyed (or no longer known) is not watched nor probed any more; one that an
  // operation changed (a node evicted or added, a role) is read again at once, so the live views
  // follow now rather than at the next minutely re-read.
  events.on('cluster.finished', ({ clusterId }) => {
    const known = clusters.list().find((c) => c.id === clusterId)
    if (known) {
      live.readAgain(clusterId).catch((err: Error) => log('warn', `reading cluster ${known.name} again after its operation failed: ${err.message}`))
      return
    }
    void live.forget(clusterId)
    void reachability.stopCluster(clusterId)
  })

  const terminals = new TerminalService({
    sessions: connections,
    events,
    log,
    ...(opts.localPty ? { localPty: opts.localPty } : {})
  })

  // Cluster Events (issue 12): the nodes' agent logs are read through each node's saved connection.
  const clusterEvents = new ClusterEventsService({
    dataDir: opts.dataDir,
    events,
    log,
    nodesOf: async (clusterId) => {
      const reading = await clusters.read(clusterId)
      return Object.entries(reading.connectionIds).map(([node, id]) => ({
        node,
        session: async () => {
          try {
            return connections.sessionOf(id)
          } catch {
            await connections.reconnect(id) // a node not connected since the app started
            return connections.sessionOf(id)
          }
        }
      }))
    }
  })
  // The admin's cluster operations are events of their cluster.
  const unsubscribeOperations = events.on('cluster.finished', (done) => {
    void handlers['clusters.operation']({ operationId: done.operationId })
      .catch(() => undefined)
      .then((report) => clusterEvents.record(done.clusterId, [operationEvent(done, report, Date.now())]))
  })

  const handlers: ApiHandlers = {
    // secretStorage is asked each time: in Electron, safeStorage's answer can change after start.
    'app.info': async () => ({ version: pkg.version, mode: opts.mode, secretStorage: credentials.protection }),

    'connections.list': async () => connections.list(),
    'connections.connect': (input) => connections.connect(input),
    'connections.reconnect': ({ id }) => connections.reconnect(id),
    'connections.disconnect': async ({ id }) => {
      // Its terminals end first, saying why (not as a dropped link).
      terminals.closeForConnection(id, 'The connection was disconnected, so this terminal was closed.')
      await connections.disconnect(id)
      return {}
    },
    'connections.forget': async ({ id }) => {
      terminals.closeForConnection(id, 'The connection was forgotten, so this terminal was closed.')
      await connections.forget(id)
      return {}
    },

    'hostKeys.list': async () => hostKeys.list(),
    'hostKeys.trust': async (info) => {
      const { replace, previousFingerprint, ...key } = info
      hostKeys.trust(key, {
        ...(replace !== undefined ? { replace } : {}),
        ...(previousFingerprint !== undefined ? { previousFingerprint } : {})
      })
      return {}
    },
    'hostKeys.forget': async ({ host, port }) => {
      hostKeys.forget(host, port)
      return {}
    },

    'nodes.facts': ({ connectionId, refresh }) => facts.factsOf(connectionId, { refresh: refresh === true }),

    'validation.catalogue': async () => validation.catalogue(),
    'validation.start': async (request) => validation.start(request),
    'validation.cancel': async ({ runId }) => {
      validation.cancel(runId)
      return {}
    },
    'validation.report': async ({ runId }) => validation.report(runId),
    'validation.reportHtml': async ({ runId }) => validation.reportHtml(runId),
    'validation.createFirewallRule': async ({ runId, nodeId }) => validation.createFirewallRule(runId, nodeId),

    // Clusters (issue 11): the read side (ClusterDirectory) and the operations on the nodes (ClusterOperations).
    'clusters.list': async () => clusters.list(),
    'clusters.get': ({ clusterId }) => clusters.get(clusterId),
    'clusters.connect': (input) => clusters.connect(input),
    'clusters.forget': async ({ clusterId }) => {
      clusters.forget(clusterId)
      await reachability.stopCluster(clusterId)
      await live.forget(clusterId)
      return {}
    },
    'clusters.export': ({ clusterId, format }) => clusters.export(clusterId, format),
    'clusters.create': async (request) => operations.create(request),
    'clusters.addNode': async (request) => operations.addNode(request),
    'clusters.evictNode': async (request) => operations.evictNode(request),
    'clusters.destroy': async (request) => operations.destroy(request),
    'clusters.addRole': async (request) => operations.addRole(request),
    'clusters.setRole': async (request) => operations.setRole(request),
    'clusters.removeRole': async (request) => operations.removeRole(request),
    'clusters.rollback': async ({ operationId }) => operations.rollback(operationId),
    'clusters.operation': async ({ operationId }) => operations.operation(operationId),

    // The console (issue 12): live state and actions.
    'clusters.state': ({ clusterId }) => consoleActions.state(clusterId),
    // Each action is also an event of its cluster (its result, or its error naming the node).
    'clusters.move': ({ clusterId, role, to }) =>
      recordedAction(clusterEvents, { clusterId, what: `Move role ${role}${to ? ` to ${to}` : ' (best possible node)'}`, role }, () => consoleActions.move(clusterId, role, to), (r) => ({ message: r.message })),
    'clusters.simulateFailure': ({ clusterId, role, durationMs }) =>
      recordedAction(clusterEvents, { clusterId, what: `Simulate failure of role ${role}'s owner for ${durationMs / 1000} s`, role }, () => consoleActions.simulateFailure(clusterId, role, durationMs), (r) => ({ message: r.message })),
    'clusters.pauseNode': ({ clusterId, node, drain }) =>
      recordedAction(clusterEvents, { clusterId, what: `Pause node ${node}${drain ? ' (drain roles)' : ' (do not drain)'}`, node }, () => consoleActions.pause(clusterId, node, drain), nodeActionOutcome),
    'clusters.resumeNode': ({ clusterId, node, failback }) =>
      recordedAction(clusterEvents, { clusterId, what: `Resume node ${node}${failback ? ' (fail roles back)' : ''}`, node }, () => consoleActions.resume(clusterId, node, failback), nodeActionOutcome),
    'clusters.nodeService': ({ clusterId, node, action }) =>
      recordedAction(clusterEvents, { clusterId, what: `${action === 'stop' ? 'Stop' : 'Start'} Cluster Service on ${node}`, node }, () => consoleActions.nodeService(clusterId, node, action), nodeActionOutcome),

    'events.query': async (q) => clusterEvents.query(q),
    'events.export': async (f) => clusterEvents.export(f),
    'events.readBack': ({ clusterId }) => clusterEvents.readBack(clusterId),
    'events.setFlapping': async ({ clusterId, ...settings }) => clusterEvents.setFlapping(clusterId, settings),

    // Terminals (issue 12): a shell on a node over its connection, or a local one.
    'terminal.capabilities': () => terminals.capabilities(),
    'terminal.open': (request) => terminals.open(request),
    'terminal.input': async ({ id, data }) => {
      terminals.input(id, data)
      return {}
    },
    'terminal.resize': async ({ id, cols, rows }) => {
      terminals.resize(id, cols, rows)
      return {}
    },
    'terminal.ack': async ({ id, chars }) => {
      terminals.ack(id, chars)
      return {}
    },
    'terminal.close': async ({ id }) => {
      terminals.close(id)
      return {}
    },
    'terminal.list': async () => terminals.list(),

    // The live reachability graph (issue 12).
    'reachability.start': (request) => reachability.start(request),
    'reachability.stop': async ({ sessionId }) => {
      await reachability.stop(sessionId)
      return {}
    }
  }

  return {
    handlers,
    events,
    toApiError: (err, method) => toApiError(err, method, log),
    async dispose() {
      // Probes first: each is a process on a node until its channel is closed.
      await reachability.dispose()
      // Operations next: one stopped between two steps on a node is worse than a late exit.
      await operations.dispose()
      await live.dispose()
      terminals.dispose()
      unsubscribeOperations()
      await validation.dispose()
      await connections.dispose()
      events.clear()
    }
  }
}
