/**
 * havip-agent command line:
 *   run          --config F | --keepalived-conf F [--socket P] [--log-file F]
 *   supervise    --config F | --keepalived-conf F [--log-file F] [--pid-file F]
 *   check-config --config F | --keepalived-conf F [--json]
 *   ctl          status|watch|takeover|release|pause|resume|reload [INSTANCE] [--json] [--socket P]
 *   ctl          simulate-failure [INSTANCE] --duration-ms N | --cancel [--json] [--socket P]
 *   probe        TARGET --interval-ms N [--count N] [--timeout-ms N] [--json]
 *   version
 * Exit codes: 0 ok, 1 failure (or invalid config), 2 usage error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { checkControlSocketPath, checkHost } from './config/host-checks'
import { loadConfig, formatIssues } from './config/load'
import { defaultControlSocket, type AgentConfig, type ConfigTarget } from './config/model'
import { Agent } from './agent'
import { request, watch } from './control/client'
import { formatEvent, formatInstances, formatReload, formatStatus } from './control/format'
import { CONTROL_COMMANDS, type ControlCommand } from './control/protocol'
import { ControlServer, isPipePath } from './control/server'
import { newToken, readTokenFile, writeTokenFile } from './control/token'
import type { AgentStatus } from './agent'
import type { AgentEvent, InstanceStatus } from './instance'
import { createLogger } from './log'
import { runProbe } from './net/icmp-probe'
import { durationProblem, SIMULATE_FAILURE_MAX_MS, SIMULATE_FAILURE_MIN_MS } from './track/simulated-failure'
import { makeReloader } from './reload/from-file'
import type { ReloadResult } from './reload/plan'
import { SUPERVISED_ENV } from './supervise/child-process'
import { runSupervisor } from './supervise/command'
import { platformRuntime } from './platform'
import { AGENT_VERSION } from './version'

export const USAGE = `usage:
  havip-agent run --config FILE | --keepalived-conf FILE [--socket PATH] [--log-file FILE]
  havip-agent supervise --config FILE | --keepalived-conf FILE [--log-file FILE] [--pid-file FILE]
  havip-agent check-config --config FILE | --keepalived-conf FILE [--json]
  havip-agent ctl status|watch|takeover|release|pause|resume|reload [INSTANCE] [--json] [--socket PATH]
  havip-agent ctl simulate-failure [INSTANCE] --duration-ms N | --cancel [--json] [--socket PATH]
  havip-agent probe TARGET --interval-ms N [--count N] [--timeout-ms N] [--json]
  havip-agent win-capture --out DIR --interface ALIAS [--vip A.B.C.D/P]   # Windows: write replay fixtures
  havip-agent version`

export class UsageError extends Error {}

type Out = { out: (s: string) => void; err: (s: string) => void }
const stdio: Out = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') }

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** The OS this node's config is read for: Windows names its interfaces and control endpoint differently. */
function configTarget(): ConfigTarget {
  return process.platform === 'win32' ? 'windows' : 'linux'
}

function configSource(v: Record<string, unknown>): { configPath?: string; keepalivedConfPath?: string; target: ConfigTarget } {
  const configPath = v.config as string | undefined
  const keepalivedConfPath = v['keepalived-conf'] as string | undefined
  if (!configPath === !keepalivedConfPath) throw new UsageError('give exactly one of --config FILE or --keepalived-conf FILE')
  return { configPath, keepalivedConfPath, target: configTarget() }
}

function positiveInt(name: string, v: unknown, min = 1): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${String(v)}"`)
  return n
}

/** The config as check-config --json prints it: never a password (it would end up in logs and terminals). */
function redactSecrets(config: AgentConfig): AgentConfig {
  return { ...config, instances: config.instances.map((i) => (i.auth ? { ...i, auth: { ...i.auth, password: '(hidden)' } } : i)) }
}

async function cmdCheckConfig(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string' }, 'keepalived-conf': { type: 'string' }, json: { type: 'boolean' } })
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const res = loadConfig(configSource(values))
  // What only this node can tell: script security, users, the control socket path.
  if (res.config) res.issues.push(...checkHost(res.config))
  const valid = res.config !== undefined && !res.issues.some((i: { severity: string }) => i.severity === 'error')
  if (values.json) io.out(JSON.stringify({ valid, issues: res.issues, config: res.config && redactSecrets(res.config) }))
  else {
    if (res.issues.length > 0) io.out(formatIssues(res.issues))
    io.out(valid ? `config is valid (${res.config!.instances.length} instance(s))` : 'config is INVALID')
  }
  return valid ? 0 : 1
}

async function cmdRun(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    config: { type: 'string' }, 'keepalived-conf': { type: 'string' }, socket: { type: 'string' }, 'log-file': { type: 'string' }
  })
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const res = loadConfig(configSource(values))
  if (!res.config || res.issues.some((i: { severity: string }) => i.severity === 'error')) {
    io.err(formatIssues(res.issues))
    io.err('not starting: the config has errors (check with "havip-agent check-config")')
    return 1
  }
  const config = { ...res.config }
  if (values.socket) config.controlSocket = values.socket as string
  const sockIssue = isPipePath(config.controlSocket) ? undefined : checkControlSocketPath(config.controlSocket)
  if (sockIssue) {
    io.err(`error: ${sockIssue.message}`)
    io.err('not starting: the control socket path is taken')
    return 1
  }
  if (values['log-file']) config.logFile = values['log-file'] as string
  const logger = createLogger({ file: config.logFile })
  for (const i of res.issues) logger.log('warn', `config: ${i.message}`, { line: i.line, path: i.path })
  let runtime: ReturnType<typeof platformRuntime>
  try {
    runtime = platformRuntime(process.platform)
  } catch (err) {
    logger.log('error', (err as Error).message)
    return 1
  }
  let token: string | undefined
  if (runtime.tokenFile) {
    // A fresh token at every start, written only once the directory is known to be private.
    try {
      await runtime.checkTokenDir?.()
      token = newToken()
      writeTokenFile(runtime.tokenFile, token)
    } catch (err) {
      logger.log('error', `not starting: ${(err as Error).message}`)
      await logger.close()
      return 1
    }
  }
  const agent = new Agent(config, { os: runtime.makeOs(config, (m) => logger.log('warn', m)), logger })
  const reload = makeReloader({ ...configSource(values), overrides: { controlSocket: values.socket as string | undefined, logFile: values['log-file'] as string | undefined } }, agent, logger)
  const control = new ControlServer(agent, config.controlSocket, { reload, token })
  control.onDropped = (why) => logger.log('warn', why)
  let exiting = false
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (exiting) return
    exiting = true
    logger.log('info', `stopping: ${why}`)
    // Hard bound: never hang on the way out while holding a VIP forever.
    const guard = setTimeout(() => process.exit(code || 1), 10_000)
    guard.unref()
    try {
      await agent.stop()
    } finally {
      await control.close().catch(() => undefined)
      await logger.close() // the log file's queued lines, including "stopped" (bounded by the guard above)
      process.exit(code)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0))
  process.on('SIGINT', () => void shutdown('SIGINT', 0))
  if (process.env[SUPERVISED_ENV] === '1') {
    // Started by `havip-agent supervise` (supervise/child-process.ts): its end of our stdin closes
    // when it dies, even by SIGKILL; stop cleanly then rather than run on unsupervised.
    process.stdin.on('error', () => undefined)
    process.stdin.once('close', () => void shutdown('the supervisor is gone (stdin closed)', 0))
    process.stdin.resume()
  }
  process.on('SIGHUP', () => {
    logger.log('info', 'SIGHUP: reloading the config')
    reload().catch(() => undefined) // a failed reload is logged by the reloader; the old config keeps running
  })
  process.on('uncaughtException', (err) => {
    logger.log('error', `internal error: ${err.stack ?? err.message}`)
    void shutdown('internal error', 1)
  })
  try {
    await control.start()
    await agent.start()
  } catch (err) {
    logger.log('error', (err as Error).message)
    await shutdown('start-up failed', 1)
    return 1
  }
  return await new Promise<number>(() => {}) // runs until a signal
}

async function cmdSupervise(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    config: { type: 'string' }, 'keepalived-conf': { type: 'string' }, 'log-file': { type: 'string' }, 'pid-file': { type: 'string' }
  })
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  if (process.platform !== 'linux') {
    io.err(`havip-agent supervise supports Linux only (this is ${process.platform}); use the platform's service manager`)
    return 1
  }
  return await runSupervisor({ ...configSource(values), logFile: values['log-file'] as string | undefined, pidFile: values['pid-file'] as string | undefined }, io)
}

/** simulate-failure's options (a duration or --cancel); refused on every other command. */
function simulateOptions(cmd: string, values: Record<string, unknown>): { durationMs?: number; cancel?: boolean } {
  const duration = values['duration-ms']
  const cancel = values.cancel === true
  if (cmd !== 'simulate-failure') {
    if (duration !== undefined || cancel) throw new UsageError(`--duration-ms and --cancel belong to "ctl simulate-failure", not "ctl ${cmd}"`)
    return {}
  }
  if (cancel && duration !== undefined) throw new UsageError('give either --duration-ms N or --cancel, not both')
  if (cancel) return { cancel: true }
  if (duration === undefined) throw new UsageError(`ctl simulate-failure needs --duration-ms N (${SIMULATE_FAILURE_MIN_MS} to ${SIMULATE_FAILURE_MAX_MS}), or --cancel`)
  const problem = durationProblem(Number(duration))
  if (problem) throw new UsageError(`--duration-ms ${String(duration)}: ${problem}`)
  return { durationMs: Number(duration) }
}

async function cmdCtl(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, socket: { type: 'string' }, 'duration-ms': { type: 'string' }, cancel: { type: 'boolean' } })
  const [cmd, instance, extra] = positionals
  if (!cmd) throw new UsageError(`ctl needs a command: ${CONTROL_COMMANDS.join(', ')}`)
  if (!(CONTROL_COMMANDS as readonly string[]).includes(cmd)) throw new UsageError(`unknown ctl command "${cmd}"; use one of ${CONTROL_COMMANDS.join(', ')}`)
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`)
  if (instance !== undefined && (cmd === 'status' || cmd === 'watch' || cmd === 'reload')) throw new UsageError(`ctl ${cmd} takes no instance name`)
  const simulate = simulateOptions(cmd, values)
  const path = (values.socket as string | undefined) ?? defaultControlSocket(configTarget())
  // Windows: the agent admits only requests carrying the token it wrote at start (control/token.ts).
  const tokenFile = process.platform === 'win32' ? platformRuntime('win32').tokenFile : undefined
  const token = tokenFile ? readTokenFile(tokenFile) : undefined
  if (cmd === 'watch') {
    const ac = new AbortController()
    process.once('SIGINT', () => ac.abort())
    process.once('SIGTERM', () => ac.abort())
    await watch(path, (msg) => {
      if (values.json) return io.out(JSON.stringify(msg))
      if ('event' in msg) io.out(formatEvent(msg.event as AgentEvent))
      else if (msg.ok === false) io.err(`error: ${String(msg.error)}`)
      else io.out(`watching havip-agent on ${path} (Ctrl-C to stop)`)
    }, ac.signal, token)
    return 0
  }
  const res = await request(path, { cmd: cmd as ControlCommand, instance, ...simulate }, undefined, token)
  if (values.json) {
    io.out(JSON.stringify(res))
    return res.ok ? 0 : 1
  }
  if (!res.ok) {
    io.err(`error: ${res.error}`)
    return 1
  }
  if (cmd === 'status') io.out(formatStatus(res.result as AgentStatus))
  else if (cmd === 'reload') io.out(formatReload(res.result as ReloadResult))
  else io.out(`${cmd}: done\n${formatInstances(res.result as InstanceStatus[])}`)
  return 0
}

async function cmdProbe(args: string[], io: Out): Promise<number> {
  const { values, positionals } = parse(args, {
    'interval-ms': { type: 'string' }, count: { type: 'string' }, 'timeout-ms': { type: 'string' }, json: { type: 'boolean' }
  })
  const [target, extra] = positionals
  if (!target) throw new UsageError('probe needs a TARGET IPv4 address')
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`)
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(target)) throw new UsageError(`TARGET must be an IPv4 address, got "${target}"`)
  const intervalMs = positiveInt('interval-ms', values['interval-ms'] ?? '1000')!
  const count = positiveInt('count', values.count)
  const timeoutMs = positiveInt('timeout-ms', values['timeout-ms'])
  const ac = new AbortController()
  process.once('SIGINT', () => ac.abort())
  process.once('SIGTERM', () => ac.abort())
  let lost = 0
  let ok = 0
  await runProbe({
    target, intervalMs, count, timeoutMs, signal: ac.signal,
    onResult: (r) => {
      if (r.lost) lost++
      else ok++
      if (values.json) io.out(JSON.stringify(r))
      else io.out(r.lost ? `seq ${r.seq}: lost` : `seq ${r.seq}: reply from ${target} in ${r.rttMs} ms`)
    }
  })
  if (!values.json) io.out(`${ok + lost} probes, ${ok} replies, ${lost} lost`)
  return 0
}

export async function main(argv: string[], io: Out = stdio): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case 'run': return await cmdRun(rest, io)
      case 'supervise': return await cmdSupervise(rest, io)
      case 'check-config': return await cmdCheckConfig(rest, io)
      case 'ctl': return await cmdCtl(rest, io)
      case 'probe': return await cmdProbe(rest, io)
      case 'scan': return await (await import('./diag/scan-command')).cmdScan(rest, io) // diagnostics for validation (agent/diag)
      case 'win-capture': return await (await import('./diag/win-capture-command')).cmdWinCapture(rest, io) // replay fixtures from a real Windows node
      case 'version': case '--version':
        io.out(AGENT_VERSION)
        return 0
      case 'help': case '--help': case '-h':
        io.out(USAGE)
        return 0
      default:
        throw new UsageError(cmd ? `unknown command "${cmd}"` : 'no command given')
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`havip-agent: ${err.message}\n${USAGE}`)
      return 2
    }
    io.err(`havip-agent: ${(err as Error).message}`)
    return 1
  }
}

// Run only as the program entry (the bundle, or `tsx agent/main.ts`), not when imported by tests.
const entry = process.argv[1] ?? ''
if (/havip-agent(\.cjs)?$|agent[\\/]main\.ts$/.test(entry)) {
  void main(process.argv.slice(2)).then((code) => process.exit(code))
}
