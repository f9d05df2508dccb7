// What a script run on a Windows node means: its one JSON document, or a structured error an
// admin can act on. Shared by the SSH runner and the replay runner, so replay tests exercise
// exactly the reading that real runs get.
import { SshError } from '../../ssh/errors'
import { ENVELOPE_VERSION } from './encoded-command'

export type WindowsErrorKind =
  /** The login lacks the rights (not an administrator, or the token is not elevated). */
  | 'access-denied'
  /** PowerShell runs in ConstrainedLanguage (AppLocker / WDAC) or a stricter mode. */
  | 'language-mode'
  /** No powershell.exe answered: the default shell said so (cmd, PowerShell, or a POSIX shell). */
  | 'powershell-missing'
  /** Something answered, but not with the JSON document the script prints. */
  | 'not-json'
  /** The script ran and threw: the exception's type, category and message are kept. */
  | 'script-error'
  /** The parameters made the command longer than a Windows command line allows. */
  | 'command-too-long'

export interface WindowsScriptError {
  kind: WindowsErrorKind
  script: string
  host: string
  /** What failed, where and why. */
  message: string
  /** What the admin can do about it. */
  hint: string
  exitCode?: number
  /** The exception as PowerShell reported it (type, category, FullyQualifiedErrorId, HRESULT). */
  exception?: { type: string; category: string; errorId: string; hresult?: number; message: string }
  languageMode?: string
  /** The start of what came back instead of JSON (for not-json and powershell-missing). */
  output?: string
}

export type ScriptOutcome<T = unknown> = { ok: true; value: T } | { ok: false; error: WindowsScriptError }

export interface RawRun {
  code: number
  stdout: string
  stderr: string
}

const E_ACCESSDENIED = -2147024891 // 0x80070005

interface Envelope {
  havip: number
  result?: unknown
  error?: Record<string, unknown>
}

/** The last stdout line that is our envelope, if any (a stray line before it does no harm). */
function findEnvelope(stdout: string): Envelope | undefined {
  const lines = stdout.split(/\r?\n/)
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim()
    if (!line.startsWith('{')) continue
    try {
      const v = JSON.parse(line) as unknown
      if (v && typeof v === 'object' && (v as Envelope).havip === ENVELOPE_VERSION) return v as Envelope
    } catch {
      // not ours; keep looking
    }
  }
  return undefined
}

const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))

function excerpt(text: string, max = 300): string {
  const t = text.replace(/\r/g, '').trim()
  return t.length > max ? `${t.slice(0, max)}…` : t
}

const LANGUAGE_MODE_HINT =
  'HAVIP Manager needs FullLanguage PowerShell for the login it uses. An AppLocker or WDAC policy (or __PSLockdownPolicy) puts it in ' +
  'constrained language: exempt the administrators who manage this node, or use an account the policy allows full language for.'

export function interpretRun(script: string, host: string, run: RawRun): ScriptOutcome {
  const env = findEnvelope(run.stdout)
  if (env && 'result' in env && env.error === undefined) return { ok: true, value: env.result ?? null }
  const base = { script, host, exitCode: run.code }
  if (env?.error) {
    const e = env.error
    if (s(e.type) === 'LanguageMode') {
      const mode = s(e.languageMode) || 'ConstrainedLanguage'
      return {
        ok: false,
        error: { ...base, kind: 'language-mode', languageMode: mode, message: `PowerShell on ${host} runs in ${mode}, so "${script}" cannot run.`, hint: LANGUAGE_MODE_HINT }
      }
    }
    const exception = {
      type: s(e.type),
      category: s(e.category),
      errorId: s(e.errorId),
      message: s(e.message).trim(),
      ...(typeof e.hresult === 'number' ? { hresult: e.hresult } : {})
    }
    const denied =
      exception.category === 'PermissionDenied' ||
      exception.hresult === E_ACCESSDENIED ||
      /\bWindows System Error 5\b/.test(exception.errorId) ||
      /access (is )?denied/i.test(exception.message)
    if (denied) {
      return {
        ok: false,
        error: {
          ...base,
          kind: 'access-denied',
          exception,
          message: `"${script}" on ${host} was refused: ${exception.message || 'access denied'}.`,
          hint:
            'Log in with an account in the local Administrators group. Windows OpenSSH gives such a login an elevated token; ' +
            'if the account is an administrator and this still happens, check that no policy filters its token (UAC remote restrictions).'
        }
      }
    }
    return {
      ok: false,
      error: {
        ...base,
        kind: 'script-error',
        exception,
        message: `"${script}" failed on ${host}: ${exception.message || exception.type}`,
        hint: `PowerShell reported ${exception.type || 'an error'}${exception.category ? ` (${exception.category})` : ''}. Run the same cmdlet on the node to see why.`
      }
    }
  }

  const all = `${run.stderr}\n${run.stdout}`
  const output = excerpt(run.stderr.trim() ? run.stderr : run.stdout)
  const missing = POWERSHELL_MISSING.find((m) => m.seen.test(all))
  if (missing) {
    return { ok: false, error: { ...base, kind: 'powershell-missing', output, message: missing.message(host), hint: missing.hint } }
  }
  if (/language mode|Method invocation is supported only on core types/i.test(all)) {
    return { ok: false, error: { ...base, kind: 'language-mode', output, message: `PowerShell on ${host} refused "${script}" because of its language mode.`, hint: LANGUAGE_MODE_HINT } }
  }
  return {
    ok: false,
    error: {
      ...base,
      kind: 'not-json',
      output,
      message: `"${script}" on ${host} did not answer with JSON (exit code ${run.code})${output ? `: ${output.split('\n')[0]}` : ', and printed nothing'}.`,
      hint: 'Something on the node writes to the output of PowerShell (a logon script, a wrapper set as DefaultShell), or the script was cut off. Run it by hand over SSH to see what comes back.'
    }
  }
}

/** What each shell says when powershell.exe cannot be started, and what to do about it. */
const POWERSHELL_MISSING: ReadonlyArray<{ seen: RegExp; message: (host: string) => string; hint: string }> = [
  {
    seen: /'powershell(\.exe)?' is not recognized as an internal or external command/i,
    message: (host) => `${host}'s shell (cmd.exe) cannot find powershell.exe.`,
    hint: 'Windows PowerShell 5.1 ships with every Windows Server since 2016: check that %SystemRoot%\\System32\\WindowsPowerShell\\v1.0 is on the PATH of the SSH login.'
  },
  {
    seen: /The term 'powershell(\.exe)?' is not recognized/i,
    message: (host) => `${host}'s default shell (PowerShell) cannot find powershell.exe.`,
    hint: 'Check that %SystemRoot%\\System32\\WindowsPowerShell\\v1.0 is on the PATH of the SSH login, or set the OpenSSH DefaultShell to powershell.exe.'
  },
  {
    seen: /powershell(\.exe)?: (command )?not found|powershell(\.exe)?: No such file/i,
    message: (host) => `${host} answered with a POSIX shell that has no powershell.exe: it does not look like a Windows node.`,
    hint: 'Connect to it as a Linux node; only nodes that run the Windows OpenSSH server are handled as Windows.'
  }
]

/** The error as an SshError, for callers that report through the SSH error path (facts, validation). */
export function windowsErrorToSsh(e: WindowsScriptError, port?: number): SshError {
  return new SshError({
    kind: 'command-failed',
    host: e.host,
    ...(port !== undefined ? { port } : {}),
    message: e.message,
    hint: e.hint,
    ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
    ...(e.output ? { stderr: e.output } : {})
  })
}
