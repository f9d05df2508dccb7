// The one seam every Windows command goes through: run(scriptName, params) gives the script's
// parsed JSON result or a structured error. Two implementations: over SSH (a real node) and
// replay (recorded fixtures, for tests and browser mode). Both build the same encoded command
// and read the output through the same interpretRun, so replay tests cover the real path
// except the wire itself.
import type { SshSession } from '../../ssh/session'
import { decodeCommand, EncodedCommandTooLong, encodeCommand, MAX_COMMAND_CHARS, type EncodedCommand } from './encoded-command'
import { interpretRun, type RawRun, type ScriptOutcome } from './script-result'
import { WINDOWS_SCRIPTS, type WindowsScriptName } from './scripts'
import { sameParams, type WindowsFixture } from './fixtures'
import { ScriptLines, type PowerShellStreamer, type ScriptStreamOptions } from './script-stream'

export type ScriptParams = Record<string, unknown>

export interface PowerShellRunner {
  /** The node, as named in errors. */
  readonly host: string
  /**
   * Run a named script with its parameters. Resolves with the result or a structured error;
   * rejects only when the command could not be run at all (the SSH session's SshError).
   */
  run<T = unknown>(name: WindowsScriptName, params?: ScriptParams): Promise<ScriptOutcome<T>>
}

/** The encoded command for a run, or the command-too-long outcome. */
export function prepareRun(name: WindowsScriptName, params: ScriptParams, host: string): EncodedCommand | ScriptOutcome<never> {
  const def = WINDOWS_SCRIPTS[name]
  try {
    return encodeCommand(name, def.body, def.depth, params)
  } catch (e) {
    if (!(e instanceof EncodedCommandTooLong)) throw e
    return {
      ok: false,
      error: {
        kind: 'command-too-long',
        script: name,
        host,
        message: `${e.message}`,
        hint: `Shorten the values given to "${name}" (names, address lists): the whole command must stay under ${MAX_COMMAND_CHARS} characters.`
      }
    }
  }
}

function isOutcome(v: EncodedCommand | ScriptOutcome<never>): v is ScriptOutcome<never> {
  return 'ok' in v
}

/** A runner that also hands out the raw output of a run: what capture mode records. */
export interface RawPowerShellRunner extends PowerShellRunner {
  runRaw(name: WindowsScriptName, params?: ScriptParams): Promise<RawRun | ScriptOutcome<never>>
}

export class SshPowerShellRunner implements RawPowerShellRunner, PowerShellStreamer {
  readonly host: string
  constructor(
    private readonly session: SshSession,
    private readonly opts: { timeoutMs?: number } = {}
  ) {
    this.host = session.target.host
  }

  /** The raw output of a run, for capture mode; run() is this plus interpretRun. */
  async runRaw(name: WindowsScriptName, params: ScriptParams = {}): Promise<RawRun | ScriptOutcome<never>> {
    const cmd = prepareRun(name, params, this.host)
    if (isOutcome(cmd)) return cmd
    const r = await this.session.exec(cmd.argv, { timeoutMs: this.opts.timeoutMs ?? 60_000 })
    return { code: r.code, stdout: r.stdout, stderr: r.stderr }
  }

  async run<T = unknown>(name: WindowsScriptName, params: ScriptParams = {}): Promise<ScriptOutcome<T>> {
    const raw = await this.runRaw(name, params)
    if ('ok' in raw) return raw
    return interpretRun(name, this.host, raw) as ScriptOutcome<T>
  }

  /** A streaming run: the exec's stdout as it comes (session.exec's onStdout, streamOnly), aborted by the signal. */
  async stream<T = unknown>(name: WindowsScriptName, params: ScriptParams, o: ScriptStreamOptions): Promise<ScriptOutcome<T>> {
    const cmd = prepareRun(name, params, this.host)
    if (isOutcome(cmd)) return cmd
    const lines = new ScriptLines(o.onLine)
    let stderr = ''
    const r = await this.session.exec(cmd.argv, {
      quiet: true,
      streamOnly: true,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      ...(o.maxOutputBytes !== undefined ? { maxOutputBytes: o.maxOutputBytes } : {}),
      onStdout: (chunk) => {
        o.onRaw?.('stdout', chunk)
        lines.push(chunk)
      },
      onStderr: (chunk) => {
        o.onRaw?.('stderr', chunk)
        stderr = (stderr + chunk).slice(-4000)
      }
    })
    lines.end()
    return interpretRun(name, this.host, { code: r.code, stdout: lines.envelope, stderr }) as ScriptOutcome<T>
  }
}

export class MissingFixture extends Error {
  constructor(name: string, params: ScriptParams) {
    super(`No replay fixture for script "${name}" with parameters ${JSON.stringify(params)}.`)
    this.name = 'MissingFixture'
  }
}

/**
 * Replays recorded runs. The fixture is found by script name and equal parameters; the
 * command is still encoded (and decoded again, to prove the parameters reach the script as
 * given), so a run that could not be sent fails here as it would on a node.
 */
export class ReplayPowerShellRunner implements RawPowerShellRunner, PowerShellStreamer {
  /** Every run asked for, in order: what a test can check was (or was not) done. */
  readonly calls: Array<{ name: WindowsScriptName; params: ScriptParams }> = []
  constructor(
    readonly host: string,
    private readonly fixtures: readonly WindowsFixture[],
    /**
     * holdStreams: a streamed run stays open after its recorded lines until it is stopped (a node
     * that fell silent without closing the channel); without it the run ends with its recording.
     */
    private readonly opts: { holdStreams?: boolean } = {}
  ) {}

  async runRaw(name: WindowsScriptName, params: ScriptParams = {}): Promise<RawRun | ScriptOutcome<never>> {
    const f = this.recorded(name, params)
    return 'ok' in f ? f : { code: f.exitCode, stdout: f.stdout, stderr: f.stderr }
  }

  /** The fixture for a run (checked as runRaw documents), or the command-too-long outcome. */
  private recorded(name: WindowsScriptName, params: ScriptParams): WindowsFixture | ScriptOutcome<never> {
    this.calls.push({ name, params })
    const cmd = prepareRun(name, params, this.host)
    if (isOutcome(cmd)) return cmd
    const sent = decodeCommand(cmd.argv)
    if (!sent || !sameParams(sent.params, params)) throw new Error(`replay: the command for "${name}" does not carry its parameters intact`)
    const f = this.fixtures.find((x) => x.script === name && sameParams(x.params, params))
    if (!f) throw new MissingFixture(name, params)
    return f
  }

  /** The recorded stdout delivered line by line (one macrotask apart, as a stream comes), then the run ends. */
  async stream<T = unknown>(name: WindowsScriptName, params: ScriptParams, o: ScriptStreamOptions): Promise<ScriptOutcome<T>> {
    const f = this.recorded(name, params)
    if ('ok' in f) return f
    const stopped = (): Error => new Error(`replay: "${name}" on ${this.host} was stopped on request`)
    const lines = new ScriptLines(o.onLine)
    for (const piece of f.stdout.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
      await new Promise((r) => setImmediate(r))
      if (o.signal.aborted) throw stopped()
      o.onRaw?.('stdout', piece)
      lines.push(piece)
    }
    lines.end()
    if (f.stderr) o.onRaw?.('stderr', f.stderr)
    if (this.opts.holdStreams) {
      await new Promise<void>((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener('abort', () => resolve(), { once: true })))
      throw stopped()
    }
    return interpretRun(name, this.host, { code: f.exitCode, stdout: lines.envelope, stderr: f.stderr }) as ScriptOutcome<T>
  }

  async run<T = unknown>(name: WindowsScriptName, params: ScriptParams = {}): Promise<ScriptOutcome<T>> {
    const raw = await this.runRaw(name, params)
    if ('ok' in raw) return raw
    return interpretRun(name, this.host, raw) as ScriptOutcome<T>
  }
}

/**
 * Which named script (and parameters) an argv runs, or undefined: for a replayed node that
 * answers real SSH exec requests, and for tests. The script text must be exactly the
 * template of that script, so a changed script never matches a stale recording.
 */
export function identifyScript(argv: readonly string[]): { name: WindowsScriptName; params: ScriptParams } | undefined {
  const sent = decodeCommand(argv)
  if (!sent) return undefined
  for (const name of Object.keys(WINDOWS_SCRIPTS) as WindowsScriptName[]) {
    const def = WINDOWS_SCRIPTS[name]
    const again = encodeCommand(name, def.body, def.depth, sent.params)
    if (again.script === sent.script) return { name, params: sent.params as ScriptParams }
  }
  return undefined
}
