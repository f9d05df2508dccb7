/**
 * The one PowerShell encoder, for the agent (powershell.exe on its own node, ps-encode.ts) and
 * the app (a command sent over SSH to a Windows node, electron/backend/platform/windows/
 * encoded-command.ts). It lives here because the agent is bundled on its own
 * (`npm run build:agent`) and imports nothing outside agent/, while the app already imports
 * from agent/ (as it does the config model).
 *
 * What it guarantees on both sides: a script reaches PowerShell only as `-EncodedCommand
 * <base64 of its UTF-16LE text>` after the same switches, and every value travels as data:
 * base64 of UTF-8 JSON, either in the child's environment or as ONE single-quoted literal in
 * the script text, whose alphabet (A-Z a-z 0-9 + / =) cannot end a PowerShell single-quoted
 * string. So there is nothing to quote and nothing to escape, whatever a value holds.
 * Each side keeps its own frame around a body (preferences, language-mode check, one JSON
 * document out): the app's answers {"havip":1,...}, the agent's {"ok":...}; their readers and
 * recorded fixtures depend on those shapes, so the frames are not merged.
 */

/** powershell.exe's switches before the encoded script, the same for every run. */
export const POWERSHELL_SWITCHES = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand'] as const

/** Windows' limit for a whole command line (CreateProcess lpCommandLine), in UTF-16 units. */
export const MAX_COMMAND_LINE = 32_767

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** -EncodedCommand's argument: base64 of the script's UTF-16LE bytes (what powershell.exe decodes). */
export function encodeScript(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64')
}

/** The script an -EncodedCommand argument carries. */
export function decodeScript(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf16le')
}

/** The parameter block: base64 of the UTF-8 JSON of `params`; decoded by the script, never parsed as code. */
export function encodeParams(params: unknown): string {
  const json = JSON.stringify(params ?? {})
  if (json === undefined) throw new Error('encodeParams: parameters must be JSON values')
  return Buffer.from(json, 'utf8').toString('base64')
}

export function decodeParams(b64: string): unknown {
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
}

/**
 * The parameter block as one single-quoted PowerShell literal, the only way a value may enter
 * script text: checked to be base64 (Buffer's always is) before it goes in.
 */
export function paramsLiteral(params: unknown): string {
  const b64 = encodeParams(params)
  if (!BASE64.test(b64)) throw new Error('parameter block is not base64') // cannot happen: Buffer's base64
  return `'${b64}'`
}

/** The argv that runs `script`: the program, the switches, the encoded script. */
export function powershellArgv(program: string, script: string): string[] {
  return [program, ...POWERSHELL_SWITCHES, encodeScript(script)]
}

/** The script an argv of powershellArgv(program, ...) runs, or undefined when it is not one. */
export function scriptOfArgv(argv: readonly string[], program: string): string | undefined {
  if (argv.length !== POWERSHELL_SWITCHES.length + 2 || argv[0] !== program) return undefined
  if (POWERSHELL_SWITCHES.some((s, i) => argv[i + 1] !== s)) return undefined
  const b64 = argv[argv.length - 1]!
  return BASE64.test(b64) ? decodeScript(b64) : undefined
}
