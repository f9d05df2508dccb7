// Turns a named script and its parameters into the one command an SSH exec carries to a
// Windows node: `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass
// -EncodedCommand <base64 of UTF-16LE>` (DESIGN.md §9).
//
// Values never become script text. The parameters travel as JSON, base64-encoded, in one
// single-quoted literal at a fixed place of the script; the base64 alphabet (A-Z a-z 0-9 + / =)
// cannot end a PowerShell single-quoted string, so no value can change what the script does.
// The script decodes the block itself into $HavipParams.
//
// Every element of the resulting argv is in the POSIX "safe" set and in cmd's and
// PowerShell's, so the same command line works whichever default shell sshd runs it with.
// The encoding (switches, UTF-16LE base64, the parameter block as one base64 literal) is the
// one module the agent uses too: agent/os/windows/powershell-encoding.ts. This file is the
// app's frame around a body and its {"havip":1,...} envelope.
import {
  decodeParams,
  decodeScript,
  encodeParams as encodeParamsBlock,
  encodeScript,
  paramsLiteral,
  powershellArgv,
  POWERSHELL_SWITCHES,
  scriptOfArgv
} from '../../../../agent/os/windows/powershell-encoding'

/** The envelope marker the script prints its one JSON document under. */
export const ENVELOPE_VERSION = 1

/**
 * Longest command line we send. Win32-OpenSSH runs the exec request through the default shell
 * (`cmd.exe /c <command>` unless DefaultShell is set), and cmd.exe refuses lines over 8191
 * characters (learn.microsoft.com/troubleshoot/windows-client/shell-experience/command-line-string-limitation).
 */
export const MAX_COMMAND_CHARS = 8000

/** powershell.exe as the node's PATH finds it (the SSH login's default shell starts it). */
const PROGRAM = 'powershell.exe'

export const POWERSHELL_ARGV_PREFIX = [PROGRAM, ...POWERSHELL_SWITCHES] as const

/** Marks where the parameter block goes; replaced by a base64 string, never by a value. */
export const PARAMS_SLOT = '__HAVIP_PARAMS_B64__'

export class EncodedCommandTooLong extends Error {
  constructor(
    readonly scriptName: string,
    readonly length: number
  ) {
    super(
      `The PowerShell command for "${scriptName}" would be ${length} characters long, over the ${MAX_COMMAND_CHARS} a Windows ` +
        `command line can carry through cmd.exe; its parameters are too large.`
    )
    this.name = 'EncodedCommandTooLong'
  }
}

/**
 * The text every script starts with. It runs under constrained language too (only cmdlets,
 * hashtables and string concatenation of an enum name), so a node in that mode answers with
 * a structured error instead of a parse failure in the middle of the real script.
 */
const PREAMBLE = [
  "$ProgressPreference='SilentlyContinue'",
  "$ErrorActionPreference='Stop'",
  "$WarningPreference='SilentlyContinue'",
  "$VerbosePreference='SilentlyContinue'",
  "$InformationPreference='SilentlyContinue'",
  "$HavipMode=[string]$ExecutionContext.SessionState.LanguageMode",
  "if($HavipMode -ne 'FullLanguage'){'{\"havip\":1,\"error\":{\"type\":\"LanguageMode\",\"category\":\"SecurityError\",\"languageMode\":\"'+$HavipMode+'\",\"message\":\"PowerShell runs in '+$HavipMode+' on this node.\"}}';exit 3}",
  // JSON written as pure ASCII (\uXXXX for the rest): the console code page of an SSH
  // session is the OEM one, which would mangle anything else on the way out.
  "function Out-Havip($o,$d){$j=ConvertTo-Json -InputObject $o -Depth $d -Compress;[Console]::Out.Write([regex]::Replace($j,'[^\\x20-\\x7e]',{param($m)'\\u{0:x4}' -f [int][char]$m.Value})+\"`n\")}",
  `$HavipParams=ConvertFrom-Json ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${PARAMS_SLOT}')))`
].join('\n')

/** The full script text for a body, with the parameter slot still empty. */
export function scriptTemplate(body: string, depth: number): string {
  if (!Number.isInteger(depth) || depth < 1 || depth > 100) throw new Error(`scriptTemplate: depth ${depth} is not 1..100`)
  return [
    PREAMBLE,
    'try{',
    `$r=& {\n${body}\n}`,
    `Out-Havip @{havip=1;result=$r} ${depth}`,
    '}catch{',
    '$e=$_',
    "Out-Havip @{havip=1;error=@{type=$e.Exception.GetType().FullName;message=$e.Exception.Message;category=[string]$e.CategoryInfo.Category;errorId=[string]$e.FullyQualifiedErrorId;hresult=$e.Exception.HResult;line=$e.InvocationInfo.ScriptLineNumber}} 4",
    'exit 1',
    '}'
  ].join('\n')
}

/** The parameters as the script receives them: UTF-8 JSON, base64. */
export function encodeParams(params: unknown): string {
  return encodeParamsBlock(params)
}

export const encodeUtf16LeBase64 = encodeScript
export const decodeUtf16LeBase64 = decodeScript

export interface EncodedCommand {
  /** The argv for SshSession.exec: the powershell.exe prefix and the encoded script. */
  argv: string[]
  /** The script as PowerShell will see it (for logs of tests; it holds the parameter block). */
  script: string
  /** The command line as sent (argv joined by spaces: every element is shell-safe). */
  commandLine: string
}

/** Build the command for one script run. Throws EncodedCommandTooLong past MAX_COMMAND_CHARS. */
export function encodeCommand(scriptName: string, body: string, depth: number, params: unknown): EncodedCommand {
  const script = scriptTemplate(body, depth).replace(`'${PARAMS_SLOT}'`, paramsLiteral(params))
  const argv = powershellArgv(PROGRAM, script)
  const commandLine = argv.join(' ')
  if (commandLine.length > MAX_COMMAND_CHARS) throw new EncodedCommandTooLong(scriptName, commandLine.length)
  return { argv, script, commandLine }
}

/**
 * The reverse of encodeCommand, for the replay side and tests: the script text and the
 * parameters an argv carries, or undefined when it is not one of ours.
 */
export function decodeCommand(argv: readonly string[]): { script: string; params: unknown } | undefined {
  const script = scriptOfArgv(argv, PROGRAM)
  if (script === undefined) return undefined
  const m = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(script)
  if (!m) return undefined
  return { script, params: decodeParams(m[1]!) }
}
