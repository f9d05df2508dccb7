// `havip`: every action of HAVIP Manager as a command (bundled to out/node/havip.cjs by
// scripts/build-node.mjs; the package's bin). One more client of the API table: it builds the
// same backend as the app over the same data directory, so saved connections, pinned host keys
// and remembered credentials are shared with the app. Exit codes: see commands.ts.
import { createBackend, type Backend } from '../backend/backend'
import { ensurePrivateDir } from '../backend/store/atomic-file'
import { resolveDataDir } from '../backend/store/data-dir'
import { apiClient } from './api-client'
import { GLOBAL_OPTIONS, optionValue, parseArgs, UsageError, type OptionSpecs } from './args'
import { COMMANDS, findCommand, helpText, type CommandSpec } from './commands'
import { runClusterConnect, runClusterExport, runClusterList, runClusterShow } from './cluster-command'
import { runAddNode, runDestroy, runEvict, runRole, runRollback } from './cluster-change-commands'
import { runClusterCreate } from './cluster-create-command'
import { runMove, runPause, runResume, runService, runSimulateFailure, runStatus } from './console-command'
import { runValidate } from './validate-command'
import { runEvents } from './events-command'
import { EXIT_ERROR, EXIT_OK, makeOutput, reportError, type Output } from './output'

export interface CliIo {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Ends long-running commands (status --watch); the real CLI aborts it on SIGINT/SIGTERM. */
  signal?: AbortSignal
}

function allOptions(): OptionSpecs {
  const all: OptionSpecs = { ...GLOBAL_OPTIONS }
  for (const c of COMMANDS) Object.assign(all, c.options)
  return all
}

async function runCommand(cmd: CommandSpec, argv: string[], io: CliIo, out: Output): Promise<number> {
  const name = `havip ${cmd.words.join(' ')}`
  const p = parseArgs(argv, { ...GLOBAL_OPTIONS, ...cmd.options }, name)
  const args = p.positionals.slice(cmd.words.length)
  if (args.length < cmd.positionals[0] || args.length > cmd.positionals[1]) {
    throw new UsageError(`${name}: expected ${cmd.usage.slice(cmd.words.join(' ').length).trim() || 'no arguments'}; got ${args.length ? args.join(' ') : 'none'}.`)
  }
  if (!cmd.available) {
    throw new UsageError(`${name}: clusters are not in this build of HAVIP Manager yet (they come with Create Cluster). This build validates nodes: havip validate --node ... --vip CIDR.`)
  }
  const dataDir = resolveDataDir(optionValue(p, '--data-dir'), io.env)
  ensurePrivateDir(dataDir)
  const backend: Backend = createBackend({ dataDir, mode: 'browser' })
  try {
    const call = apiClient(backend)
    const env = { call, backend, parsed: p, out, env: io.env }
    switch (cmd.words.join(' ')) {
      case 'validate':
        return await runValidate(env)
      case 'cluster connect':
        return await runClusterConnect({ ...env, args })
      case 'cluster list':
        return await runClusterList({ ...env, args })
      case 'cluster show':
        return await runClusterShow({ ...env, args })
      case 'cluster export':
        return await runClusterExport({ ...env, args })
      case 'cluster create':
        return await runClusterCreate(env, args[0]!)
      case 'cluster add-node':
        return await runAddNode(env, args[0]!)
      case 'cluster evict':
        return await runEvict(env, args[0]!, args[1]!)
      case 'cluster destroy':
        return await runDestroy(env, args[0]!)
      case 'cluster role add':
      case 'cluster role set':
      case 'cluster role remove':
        return await runRole(env, cmd.words[2] as 'add' | 'set' | 'remove', args[0]!, args[1]!)
      case 'cluster rollback':
        return await runRollback(env, args[0]!)
        return await runClusterExport({ call, backend, parsed: p, out, env: io.env, args })
      case 'status':
        return await runStatus({ call, backend, parsed: p, out, env: io.env, args, ...(io.signal ? { signal: io.signal } : {}) })
      case 'move':
        return await runMove({ call, backend, parsed: p, out, env: io.env, args })
      case 'simulate-failure':
        return await runSimulateFailure({ call, backend, parsed: p, out, env: io.env, args })
      case 'pause':
        return await runPause({ call, backend, parsed: p, out, env: io.env, args })
      case 'resume':
        return await runResume({ call, backend, parsed: p, out, env: io.env, args })
      case 'service':
        return await runService({ call, backend, parsed: p, out, env: io.env, args })
      case 'events':
        return await runEvents({ call, backend, parsed: p, out, env: io.env, args, ...(io.signal ? { signal: io.signal } : {}), startLive: (clusterId) => call('clusters.state', { clusterId }) })
      default:
        throw new UsageError(`${name}: not implemented.`)
    }
  } finally {
    await backend.dispose()
  }
}

export async function runCli(io: CliIo): Promise<number> {
  const json = io.argv.includes('--json')
  const out = makeOutput(json, io.stdout, io.stderr)
  try {
    const shape = parseArgs(io.argv, allOptions(), 'havip')
    if (shape.flags.has('--help') || shape.positionals.length === 0 || shape.positionals[0] === 'help') {
      out.result(helpText())
      return shape.positionals.length === 0 && !shape.flags.has('--help') ? EXIT_ERROR : EXIT_OK
    }
    const cmd = findCommand(shape.positionals)
    if (!cmd) throw new UsageError(`unknown command "${shape.positionals.join(' ')}". Commands: ${[...new Set(COMMANDS.map((c) => c.words[0]))].join(', ')}.`)
    return await runCommand(cmd, io.argv, io, out)
  } catch (err) {
    reportError(out, err, io.stderr)
    return EXIT_ERROR
  }
}

if (require.main === module) {
  // Ctrl-C ends `status --watch` cleanly (its node feeds are stopped on the way out); any other
  // command, or a second Ctrl-C, exits at once as before.
  const stop = new AbortController()
  const watching = process.argv.includes('--watch') || process.argv.includes('--follow')
  const onSignal = (): void => {
    if (!watching || stop.signal.aborted) process.exit(130)
    stop.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  void runCli({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr, signal: stop.signal }).then((code) => {
    process.exitCode = code
  })
}
