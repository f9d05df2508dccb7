/**
 * How the Windows adapter hands a script to PowerShell: the whole script as
 * `-EncodedCommand <base64 of its UTF-16LE text>` and every value it works on as data, in an
 * environment variable holding base64 of a UTF-8 JSON object. The script text is a constant of
 * this module (scripts.ts) and never contains a value, so no interface alias, address or rule
 * name can change what PowerShell parses: there is nothing to quote and nothing to escape.
 * The encoding itself is the one the app uses too (powershell-encoding.ts); this module is the
 * agent's frame around a body. (test/unit/windows-powershell-encoding.test.ts fuzzes both with
 * hostile values.)
 */
import { encodeParams, encodeScript, MAX_COMMAND_LINE, paramsLiteral, POWERSHELL_SWITCHES } from './powershell-encoding'

export { encodeParams, MAX_COMMAND_LINE }

/** The environment variable the prelude reads the parameter block from. */
export const PARAMS_ENV = 'HAVIP_PS_PARAMS'

/**
 * Runs before every script body. In this order, because each step needs the one before:
 * - Constrained Language Mode (AppLocker/WDAC) forbids method calls on most .NET types, so it is
 *   detected first, with nothing but a comparison and ConvertTo-Json (both allowed there), and
 *   reported as such instead of failing later with an obscure "method invocation" error.
 * - $ErrorActionPreference='Stop' turns every cmdlet error into an exception the catch below
 *   reports; $ProgressPreference silences progress records (CLIXML noise on stderr).
 * - Output is one JSON line, made ASCII by escaping every other character as \uXXXX, so that
 *   the console code page (OEM 437/850... on PowerShell 5.1) cannot mangle an interface alias.
 */
const PRELUDE = String.raw`$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
  $o = @{ ok = $false; code = 'constrained-language'; message = [string]$ExecutionContext.SessionState.LanguageMode }
  Write-Output (ConvertTo-Json -InputObject $o -Compress)
  exit 1
}
function Out-HavipJson($o) {
  $j = ConvertTo-Json -InputObject $o -Depth 6 -Compress
  [Console]::Out.WriteLine([regex]::Replace($j, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value }))
}
function Fail-Havip([string]$code, [string]$message) {
  throw ('HAVIP:' + $code + ':' + $message)
}
try {
  $b64 = [string]$env:${PARAMS_ENV}
  if ($HavipParamsB64) { $b64 = $HavipParamsB64 }
  if (-not $b64) { $b64 = 'e30=' }
  $P = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64)) | ConvertFrom-Json
  $R = & {
`

/**
 * After the body: success is {"ok":true,"result":...}; a failure carries our own code
 * (Fail-Havip) or the error's category and id, which ps-errors.ts turns into advice.
 */
const POSTLUDE = String.raw`
  }
  Out-HavipJson @{ ok = $true; result = $R }
  exit 0
} catch {
  $e = $_
  $msg = [string]$e.Exception.Message
  $code = ''
  if ($msg -match '(?s)^HAVIP:([a-z-]+):(.*)$') { $code = $Matches[1]; $msg = $Matches[2] }
  $native = $null
  if ($e.Exception.PSObject.Properties['NativeErrorCode']) { $native = [string]$e.Exception.NativeErrorCode }
  Out-HavipJson @{ ok = $false; code = $code; message = $msg; category = [string]$e.CategoryInfo.Category; errorId = [string]$e.FullyQualifiedErrorId; native = $native }
  exit 1
}
`

/** The full script PowerShell runs: prelude, the body (a constant from scripts.ts), postlude. */
export function wrapScript(body: string): string {
  return PRELUDE + body + POSTLUDE
}

/**
 * The same script with the parameter block inside it, for runners that cannot set the child's
 * environment (a command sent over SSH, whose server passes no client variables by default).
 * Still no value in the script text: only the block's base64, whose alphabet [A-Za-z0-9+/=]
 * cannot end a single-quoted PowerShell string, in a first line of its own.
 */
export function wrapScriptWithParams(body: string, params: Record<string, unknown>): string {
  return `$HavipParamsB64 = ${paramsLiteral(params)}\n` + wrapScript(body)
}

/** -EncodedCommand's argument: base64 of the script's UTF-16LE bytes (what powershell.exe decodes). */
export const encodeCommand = encodeScript

/** powershell.exe's arguments for a script body; the same for every value the body is run with. */
export function powershellArgs(body: string): string[] {
  return [...POWERSHELL_SWITCHES, encodeScript(wrapScript(body))]
}

/**
 * The full path of Windows PowerShell 5.1 (present on every Windows Server since 2016), so that
 * no powershell.exe earlier on PATH is run by a service that runs as SYSTEM.
 */
export function powershellPath(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? 'C:\\Windows'
  return `${root}\\System32\\WindowsPowerShell\\v1.0\\powershell.exe`
}
