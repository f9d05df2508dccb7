// The one PowerShell encoder (agent/os/windows/powershell-encoding.ts) as the app and the agent
// use it, fuzzed with hostile values: whatever the parameters hold, the script text PowerShell
// runs is the same constant, the values arrive only as a base64 block the script decodes
// itself, and the command line is one any default shell (cmd, PowerShell, sh) passes through
// untouched. One list of hostile values and one seeded fuzzer feed both sides.
import { describe, expect, it } from 'vitest'
import type { run } from '../../agent/os/exec'
import { decodeParams as decodeBlock, decodeScript, encodeParams as encodeBlock, encodeScript, paramsLiteral, powershellArgv, scriptOfArgv } from '../../agent/os/windows/powershell-encoding'
import { encodeCommand as encodeAgentScript, encodeParams, MAX_COMMAND_LINE, PARAMS_ENV, powershellArgs, powershellPath, wrapScript, wrapScriptWithParams } from '../../agent/os/windows/ps-encode'
import { LocalPsRunner } from '../../agent/os/windows/ps-runner'
import { ADD_VIP, ALL_SCRIPTS } from '../../agent/os/windows/scripts'
import { seededRandom } from '../support/seeded-random'
import {
  decodeCommand,
  decodeUtf16LeBase64,
  encodeCommand,
  MAX_COMMAND_CHARS,
  PARAMS_SLOT,
  POWERSHELL_ARGV_PREFIX,
  scriptTemplate
} from '../../electron/backend/platform/windows/encoded-command'
import { posixCommand } from '../../electron/backend/platform/quote'
import { identifyScript, prepareRun } from '../../electron/backend/platform/windows/runner'
import { WINDOWS_SCRIPTS, type WindowsScriptName } from '../../electron/backend/platform/windows/scripts'
import { allWindowsFixtures } from '../support/windows-fixtures'

/** Values that mean something to PowerShell, cmd or a POSIX shell, from both former test files. */
const HOSTILE: string[] = [
  '',
  "'",
  "''",
  '"',
  `it's "quoted"`,
  '$(Remove-Item C:\\ -Recurse)',
  '$env:USERPROFILE',
  '${function:x}',
  '`$x`',
  '`n`r`0',
  '@(1,2)',
  '& calc.exe',
  '; Stop-Computer -Force',
  '| Out-File x',
  '%PATH%',
  '^& echo pwned',
  '\u2018typographic\u2019 \u201Cquotes\u201D',
  '\u201A\u201B',
  "');Stop-Computer;('",
  "'+(Stop-Computer)+'",
  '#<# comment',
  '"@\n$(x)\n"@',
  "@'\nhere\n'@",
  'line1\nline2',
  '\r\n',
  '\t',
  '\u0000nul',
  '\u001b[31mred',
  'ünïcödé Ωμέγα 中文 العربية',
  '\u202Eright-to-left',
  'e\u0301 combining',
  '🦄 astral',
  '\ud800 lone surrogate',
  '\\\\server\\share',
  'C:\\Program Files\\HAVIP',
  '--%',
  '-EncodedCommand AAAA',
  'x'.repeat(300),
  "Ethernet'; Remove-Item C:\\ -Recurse; '",
  'Ethernet"; Stop-Computer; "',
  '$(Stop-Computer -Force)',
  '@(Get-ChildItem)',
  '`$env:PATH`n`r',
  'line1\nline2\r\nline3',
  'tab\there',
  '${env:SystemRoot}',
  '; exit 0 #',
  '<# comment #>',
  "''''",
  'Ethernet*',
  '[a-z]*',
  'Ëthérnet 2 — 本地连接 😀',
  '\u202Eevil\u200B',
  'a'.repeat(4000),
  '"}; {"ok":true,"result":null}',
  'HAVIP:interface-missing:forged'
]

const ALPHABET = ["'", '"', '`', '$', '(', ')', '{', '}', '[', ']', '@', '#', ';', '&', '|', '<', '>', '%', '^', '*', '?', ',', '.', '=', '+', '~', '!', '-', ':', '/', '\n', '\r', '\t', '\\', ' ', 'a', 'Z', '0', 'é', '中', '🦄', '😀', '\u2019', '\u2028', '\u0000']

function fuzzStrings(count: number, seed: number): string[] {
  const r = seededRandom(seed)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const len = Math.floor(r() * 40)
    let s = ''
    for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!
    out.push(s)
  }
  return out
}

const SCRIPT_NAMES = Object.keys(WINDOWS_SCRIPTS) as WindowsScriptName[]
const B64_LITERAL = /FromBase64String\('([^']*)'\)/

function scriptOf(argv: string[]): string {
  return decodeUtf16LeBase64(argv[argv.length - 1]!)
}

function decodeParams(b64: string): unknown {
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
}

/** Runs LocalPsRunner with an exec that records what would have been started. */
async function recordRun(params: Record<string, unknown>): Promise<{ file: string; args: string[]; env: NodeJS.ProcessEnv }> {
  let seen: { file: string; args: string[]; env: NodeJS.ProcessEnv } | undefined
  const exec: typeof run = async (file, args, opts) => {
    seen = { file, args, env: opts?.env ?? {} }
    return { code: 0, stdout: '', stderr: '', timedOut: false }
  }
  await new LocalPsRunner('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', exec).run(ADD_VIP, params, 1000)
  return seen!
}

/** The hostile values short enough for the command line of an SSH exec (cmd.exe: 8191 characters). */
const FITS_SSH = HOSTILE.filter((v) => v.length <= 300)

describe('the shared encoding', () => {
  it('round-trips any script and any parameters, in the base64 alphabet only', () => {
    for (const v of [...HOSTILE, ...fuzzStrings(300, 21)]) {
      expect(encodeScript(v)).toMatch(/^[A-Za-z0-9+/]*={0,2}$/)
      expect(decodeScript(encodeScript(v))).toBe(v)
      const params = { v, list: [v], nested: { v } }
      expect(decodeBlock(encodeBlock(params))).toEqual(params)
      expect(paramsLiteral(params)).toMatch(/^'[A-Za-z0-9+/]*={0,2}'$/)
      const argv = powershellArgv('powershell.exe', v)
      expect(scriptOfArgv(argv, 'powershell.exe')).toBe(v)
      expect(scriptOfArgv(argv, 'pwsh.exe')).toBeUndefined()
    }
  })

  it('is the encoding of both sides: the same switches and the same parameter block', () => {
    expect(POWERSHELL_ARGV_PREFIX.slice(1)).toEqual(powershellArgs('').slice(0, -1))
    const params = { dev: 'Ethernet 2', peers: ['198.51.100.22'] }
    expect(encodeParams(params)).toBe(encodeBlock(params))
    const app = encodeCommand('vrrp-firewall-rule', WINDOWS_SCRIPTS['vrrp-firewall-rule'].body, 3, params)
    expect(app.script).toContain(`FromBase64String(${paramsLiteral(params)})`)
    expect(wrapScriptWithParams(ADD_VIP.body, params).startsWith(`$HavipParamsB64 = ${paramsLiteral(params)}\n`)).toBe(true)
  })

  it('leaves every recorded fixture of the app identifiable by its script text', () => {
    for (const f of allWindowsFixtures()) {
      const def = WINDOWS_SCRIPTS[f.script]
      const { argv } = encodeCommand(f.script, def.body, def.depth, f.params)
      expect(identifyScript(argv), `${f.script}/${f.case}`).toEqual({ name: f.script, params: f.params })
    }
  })
})

describe('the agent: powershell.exe on its own node', () => {
  it('runs powershell.exe with -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand', async () => {
    const r = await recordRun({ dev: 'Ethernet', address: '192.0.2.10', prefix: 24 })
    expect(r.file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')
    expect(r.args.slice(0, 5)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand'])
    expect(r.args).toHaveLength(6)
    expect(Buffer.from(r.args[5]!, 'base64').toString('utf16le')).toBe(wrapScript(ADD_VIP.body))
  })

  it('takes powershell.exe from %SystemRoot%, not from PATH', () => {
    expect(powershellPath({ SystemRoot: 'D:\\Win' })).toBe('D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')
    expect(powershellPath({})).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')
  })

  it('gives PowerShell the same script text whatever the values, and the values back exactly from the parameter block', async () => {
    const values = [...HOSTILE, ...fuzzStrings(300, 112)]
    const reference = (await recordRun({ dev: 'Ethernet', address: '192.0.2.10', prefix: 24 })).args
    for (const v of values) {
      const params = { dev: v, address: v, prefix: 24, list: [v, v], nested: { v } }
      const r = await recordRun(params)
      expect(r.args).toEqual(reference) // the script does not depend on the value...
      expect(decodeParams(r.env[PARAMS_ENV]!)).toEqual(params) // ...which arrives intact as data
      expect(r.env[PARAMS_ENV]).toMatch(/^[A-Za-z0-9+/]*={0,2}$/) // and only as base64 characters
      if (v.length >= 3) expect(Buffer.from(r.args[5]!, 'base64').toString('utf16le')).not.toContain(v)
    }
  })

  it('inlines the parameter block (for SSH) as one base64 literal and nothing else', () => {
    for (const v of [...HOSTILE, ...fuzzStrings(200, 5)]) {
      const params = { dev: v, address: v }
      const script = wrapScriptWithParams(ADD_VIP.body, params)
      const m = /^\$HavipParamsB64 = '([A-Za-z0-9+/]*={0,2})'\n/.exec(script)
      expect(m, v).not.toBeNull()
      expect(script.slice(m![0].length)).toBe(wrapScript(ADD_VIP.body)) // the rest is the constant script
      expect(decodeParams(m![1]!)).toEqual(params)
    }
  })

  it('encodes any text as UTF-16LE base64 that decodes to the same text', () => {
    for (const s of [...HOSTILE, ...fuzzStrings(200, 7)]) {
      const enc = encodeAgentScript(s)
      expect(enc).toMatch(/^[A-Za-z0-9+/]*={0,2}$/)
      expect(Buffer.from(enc, 'base64').toString('utf16le')).toBe(s)
      expect(decodeParams(encodeParams({ s }))).toEqual({ s })
    }
  })

  it('keeps every script within the Windows command line limit', () => {
    for (const s of ALL_SCRIPTS) {
      const line = ['powershell.exe', ...powershellArgs(s.body)].join(' ')
      expect(line.length, s.name).toBeLessThan(MAX_COMMAND_LINE)
    }
  })

  it('never pastes a parameter into a script: bodies read values only through $P', () => {
    for (const s of ALL_SCRIPTS) {
      // No string interpolation of $P inside double quotes, where PowerShell would expand subexpressions.
      expect(s.body, s.name).not.toMatch(/"[^"\n]*\$P[^"\n]*"/)
      // Names are compared with -eq, never handed to the wildcard-matching -InterfaceAlias/-IPAddress filters.
      expect(s.body, s.name).not.toMatch(/-InterfaceAlias\s+\$P|-IPAddress\s+\$P\.dev/)
    }
    expect(wrapScript('')).toContain(`$env:${PARAMS_ENV}`)
    expect(wrapScript('')).toContain("$ErrorActionPreference = 'Stop'")
    expect(wrapScript('')).toContain("$ProgressPreference = 'SilentlyContinue'")
  })
})

describe('the app: a command sent over SSH to a Windows node', () => {
  it('runs powershell.exe with the documented switches and one encoded script', () => {
    const { argv } = encodeCommand('probe', WINDOWS_SCRIPTS.probe.body, 3, {})
    expect(argv.slice(0, -1)).toEqual([
      'powershell.exe',
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-EncodedCommand'
    ])
    expect(argv).toHaveLength(POWERSHELL_ARGV_PREFIX.length + 1)
    // UTF-16LE: every ASCII character of the script is followed by a zero byte.
    const bytes = Buffer.from(argv[argv.length - 1]!, 'base64')
    expect(bytes.length % 2).toBe(0)
    expect(bytes[1]).toBe(0)
  })

  it('sets the preferences first and prints one compressed JSON document', () => {
    const script = scriptOf(encodeCommand('network', WINDOWS_SCRIPTS.network.body, 4, {}).argv)
    const lines = script.split('\n')
    expect(lines[0]).toBe("$ProgressPreference='SilentlyContinue'")
    expect(lines[1]).toBe("$ErrorActionPreference='Stop'")
    expect(script).toContain('ConvertTo-Json -InputObject $o -Depth $d -Compress')
    expect(script).toContain('Out-Havip @{havip=1;result=$r} 4')
    expect(script).toMatch(/\}catch\{\n\$e=\$_\nOut-Havip @\{havip=1;error=@\{type=/)
  })

  it('gives a command line every shell passes through untouched', () => {
    for (const value of FITS_SSH) {
      const { argv, commandLine } = encodeCommand('vrrp-firewall-rule', WINDOWS_SCRIPTS['vrrp-firewall-rule'].body, 3, { name: value, peers: [value] })
      // POSIX-safe elements need no quoting (posixCommand leaves them as they are) ...
      expect(posixCommand(argv)).toBe(commandLine)
      // ... and none holds a character cmd.exe or PowerShell would act on.
      expect(commandLine).toMatch(/^[A-Za-z0-9+/=. -]+$/)
    }
  })

  it('keeps the script text independent of the values, for every script and every hostile value', () => {
    const values = [...FITS_SSH, ...fuzzStrings(200, 13)]
    for (const name of SCRIPT_NAMES) {
      const def = WINDOWS_SCRIPTS[name]
      const template = scriptTemplate(def.body, def.depth)
      for (const value of values) {
        // Long values once only: the command line has room for about 700 characters of JSON.
        const params = value.length > 100 ? { name: value } : { name: value, peers: [value], nested: { v: value } }
        const { argv } = encodeCommand(name, def.body, def.depth, params)
        const script = scriptOf(argv)
        const literal = B64_LITERAL.exec(script)?.[1]
        expect(literal, 'the parameter block is one base64 literal').toMatch(/^[A-Za-z0-9+/]*={0,2}$/)
        // Put the slot back: what is left is byte-for-byte the template, whatever the value.
        expect(script.replace(`'${literal}'`, `'${PARAMS_SLOT}'`)).toBe(template)
        // The values arrive intact, as data.
        expect(decodeCommand(argv)?.params).toEqual(JSON.parse(JSON.stringify(params)))
        if (value.length >= 6 && !template.includes(value)) expect(script.includes(value)).toBe(false)
      }
    }
  })

  it('refuses parameters too long for a Windows command line with a clear error, and takes long ones that fit', () => {
    const fits = prepareRun('vrrp-firewall-rule', { name: 'n', displayName: 'd', peers: ['x'.repeat(400)] }, '198.51.100.21')
    expect('argv' in fits).toBe(true)
    const tooLong = prepareRun('vrrp-firewall-rule', { name: 'n', displayName: 'x'.repeat(5000), peers: [] }, '198.51.100.21')
    expect(tooLong).toMatchObject({ ok: false, error: { kind: 'command-too-long', script: 'vrrp-firewall-rule', host: '198.51.100.21' } })
    // The hostile values too long for the command line of an SSH exec are refused, never cut.
    for (const value of HOSTILE.filter((v) => !FITS_SSH.includes(v))) {
      expect(prepareRun('vrrp-firewall-rule', { name: value, displayName: 'd', peers: [] }, '198.51.100.21')).toMatchObject({ ok: false, error: { kind: 'command-too-long' } })
    }
    if ('ok' in tooLong && !tooLong.ok) {
      expect(tooLong.error.message).toMatch(new RegExp(`over the ${MAX_COMMAND_CHARS}`))
      expect(tooLong.error.hint).toMatch(/Shorten/)
    }
  })

  it('fits every named script with ordinary parameters under the command-line limit', () => {
    for (const name of SCRIPT_NAMES) {
      const def = WINDOWS_SCRIPTS[name]
      const { commandLine } = encodeCommand(name, def.body, def.depth, { name: 'HAVIP-VRRP-cluster-one', displayName: 'HAVIP VRRP (cluster one)', peers: ['198.51.100.21', '198.51.100.22', '198.51.100.23'] })
      expect(commandLine.length, name).toBeLessThan(MAX_COMMAND_CHARS)
    }
  })
})
