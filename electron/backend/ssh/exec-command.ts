// Running one command on a session: argv checked and quoted into one remote command line
// (remote-command.ts), sudo's password made ready for sudo-dialogue.ts, a channel slot taken
// (channel-slots.ts), the channel run (run-channel.ts), and every way it can end turned into
// an SshError that says what happened on which node: timed out, stopped on request, output
// over the cap, sudo refused, or (execOk) a non-zero exit. A command stopped early is also
// killed on the node by its process group, from a second channel.
import type { Client } from 'ssh2'
import { mapSshError, SshError } from './errors'
import type { ChannelSlots } from './channel-slots'
import { buildRemoteCommand, classifySudoFailure, usesSudo } from './remote-command'
import { ExecAborted, ExecOutputTooLarge, ExecTimeout, MAX_EXEC_OUTPUT_BYTES, runChannel, type ChannelResult } from './run-channel'
import type { ExecOptions, ExecResult } from './session-types'
import { newSudoMarkers, sudoFailureError, type SudoAnswer } from './sudo-dialogue'

const DEFAULT_EXEC_TIMEOUT_MS = 60_000

/** What running a command needs from its session. */
export interface CommandHost {
  readonly target: { host: string; port: number; username: string }
  readonly slots: ChannelSlots
  /** The connected client, reconnecting if the link dropped. */
  liveClient(): Promise<Client>
  /**
   * Whether the node is Windows (known once connected): its default shell (cmd or PowerShell)
   * has no printf, $$ or exec, so a command goes without the POSIX PID report, and a stopped
   * one has no PID to kill by.
   */
  isWindows(): boolean
  /** The password to give sudo if it asks; undefined when none is known. */
  sudoPassword(): string | undefined
  log(line: string): void
}

export function describeArgv(argv: readonly string[]): string {
  // Only the program name: arguments may hold paths or data the log has no business keeping.
  return argv[0] ?? '(empty)'
}

/** Run argv on the node; with killOnTimeout, a command stopped early is also killed there. */
export async function execCommand(session: CommandHost, argv: string[], opts: ExecOptions, killOnTimeout: boolean): Promise<ExecResult> {
  const { host, port, username } = session.target
  if (argv.length === 0 || argv.some((a) => typeof a !== 'string' || a.includes('\0'))) {
    throw new SshError({
      kind: 'invalid-input',
      host,
      port,
      message: argv.length === 0 ? 'No command given.' : 'A command argument contains a NUL byte or is not a string.',
      hint: 'Pass the program and its arguments as an array of strings without NUL bytes.'
    })
  }
  const sudo = usesSudo({ sudo: opts.sudo, username })
  let sudoAnswer: SudoAnswer | undefined
  if (sudo) {
    const pw = session.sudoPassword()
    if (pw !== undefined && /[\r\n]/.test(pw)) {
      throw new SshError({
        kind: 'invalid-input',
        host,
        port,
        message: 'The sudo password contains a line break, which sudo cannot read from stdin.',
        hint: 'Check the sudo password.'
      })
    }
    // Sent only if sudo asks (NOPASSWD never does), so it may well be unknown here.
    sudoAnswer = { markers: newSudoMarkers(), password: pw === '' ? undefined : pw }
  }
  const command = buildRemoteCommand(argv, { sudo: opts.sudo, username, markers: sudoAnswer?.markers })
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS

  const release = await session.slots.acquire()
  try {
    const client = await session.liveClient()
    if (!opts.quiet) session.log(`exec on ${host}${sudo ? ' (sudo)' : ''}: ${describeArgv(argv)}`)
    let run: ChannelResult
    try {
      run = await runChannel(client, command, {
        timeoutMs,
        sudo: sudoAnswer,
        stdin: opts.stdin,
        onStdout: opts.onStdout,
        onStderr: opts.onStderr,
        maxOutputBytes: opts.maxOutputBytes ?? MAX_EXEC_OUTPUT_BYTES,
        streamOnly: opts.streamOnly === true,
        signal: opts.signal,
        reportPid: !session.isWindows()
      })
    } catch (e) {
      if (e instanceof ExecAborted) {
        release()
        const stopped = e.pid !== undefined && (await killRemote(session, e.pid, sudo))
        throw new SshError({
          kind: 'command-failed',
          host,
          port,
          message: `${describeArgv(argv)} on ${host} was stopped on request${stopped ? '' : '; it could not be confirmed stopped on the node'}.`,
          hint: 'Nothing to do: the app stopped it.'
        })
      }
      if (e instanceof ExecTimeout || e instanceof ExecOutputTooLarge) {
        release() // the clean-up below needs a channel of its own
        const stopped = killOnTimeout && e.pid !== undefined && (await killRemote(session, e.pid, sudo))
        const what = describeArgv(argv)
        throw new SshError(
          e instanceof ExecTimeout
            ? {
                kind: 'timeout',
                host,
                port,
                message:
                  `${what} on ${host} did not finish within ${timeoutMs} ms` +
                  (stopped ? ' and was stopped.' : '; it could not be confirmed stopped on the node.'),
                hint: 'The node may be overloaded or the command may wait for input; retry, or allow a longer timeout.'
              }
            : {
                kind: 'command-failed',
                host,
                port,
                message:
                  `${what} on ${host} wrote more than ${e.limit} bytes to ${e.stream}, the output cap of HAVIP Manager, ` +
                  (stopped ? 'and was stopped.' : 'and was cut off; it could not be confirmed stopped on the node.'),
                hint: 'The command printed far more than expected: run it on the node to see why, or send its output to a file there.'
              }
        )
      }
      throw mapSshError(e, { host, port, phase: 'exec' })
    }
    const { sudoPrompts, sudoStarted, ...result } = run
    if (sudoAnswer && !sudoStarted) {
      // sudo itself failed (the command never ran): say why, from what sudo did and said.
      const failure =
        sudoPrompts > 0 && sudoAnswer.password === undefined
          ? 'password-required'
          : sudoPrompts > 1
            ? 'wrong-password'
            : classifySudoFailure(result.code, result.stderr)
      if (failure) throw sudoFailureError(failure, { host, port, username, code: result.code, stderr: result.stderr })
    }
    return result
  } finally {
    release()
  }
}

/**
 * Stop a timed-out command by its process group. Signals over SSH (RFC 4254 §6.9) are
 * refused by OpenSSH for root logins ("session signalling requires privilege separation"),
 * so kill it from a second channel: TERM first (sudo relays it to its child), KILL after
 * up to 2 s. Returns whether the group is gone.
 */
async function killRemote(session: CommandHost, pid: number, sudo: boolean): Promise<boolean> {
  if (session.isWindows()) return false // no PID is reported there (see runChannel's reportPid)
  // `kill -s SIG -- -PGID` is the spelling dash, bash and busybox all accept.
  const script =
    'g="-$1"; kill -s TERM -- "$g" 2>/dev/null; i=0; ' +
    'while kill -s 0 -- "$g" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; ' +
    'kill -s KILL -- "$g" 2>/dev/null; i=0; ' +
    'while kill -s 0 -- "$g" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.1; i=$((i+1)); done; ' +
    '! kill -s 0 -- "$g" 2>/dev/null'
  try {
    const r = await execCommand(session, ['sh', '-c', script, 'sh', String(pid)], { sudo, timeoutMs: 10_000 }, false)
    return r.code === 0
  } catch {
    return false
  }
}

/** execOk: a non-zero exit (or a signal) becomes a command-failed SshError with the first line of stderr and a hint for 126/127. */
export function checkExitCode(target: { host: string; port: number }, argv: readonly string[], r: ExecResult): ExecResult {
  if (r.code !== 0) {
    const { host, port } = target
    const err = r.stderr.trim()
    const firstLine = err.split('\n').find((l) => l.trim() !== '') ?? ''
    throw new SshError({
      kind: 'command-failed',
      host,
      port,
      message:
        `${describeArgv(argv)} failed on ${host} with ${r.signal ? `signal ${r.signal}` : `exit code ${r.code}`}` +
        (firstLine ? `: ${firstLine}` : '.'),
      hint:
        r.code === 127
          ? `${describeArgv(argv)} is not installed on ${host} (or not on its PATH).`
          : r.code === 126
            ? `${describeArgv(argv)} is not executable on ${host}: check its permissions.`
            : 'See the command\'s error output for the cause.',
      exitCode: r.code,
      stderr: err
    })
  }
  return r
}

