// The PowerShell seam's encoding, fuzzed with hostile values: whatever the parameters hold,
// the script text PowerShell runs is the same, the values arrive only as a base64 block the
// script decodes itself, and the command line is one any default shell (cmd, PowerShell, sh)
// passes through untouched.
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../support/seeded-random'
import {
  decodeCommand,
  decodeUtf16LeBase64,
  encodeCommand,
  MAX_COMMAND_CHARS,
  PARAMS_SLOT,
  POWERSHELL_ARGV_PREFIX,
  scriptTemplate
} from '../../../../electron/backend/platform/windows/encoded-command'
import { posixCommand } from '../../../../electron/backend/platform/quote'
import { prepareRun } from '../../../../electron/backend/platform/windows/runner'
import { WINDOWS_SCRIPTS, type WindowsScriptName } from '../../../../electron/backend/platform/windows/scripts'

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
  'x'.repeat(300)
]

const ALPHABET = ["'", '"', '`', '$', '(', ')', '{', '}', '@', '#', ';', '&', '|', '%', '^', '\n', '\r', '\\', ' ', 'a', 'Z', '0', 'é', '中', '🦄', '\u2019', '\u0000']

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

describe('encodeCommand', () => {
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
    for (const value of HOSTILE) {
      const { argv, commandLine } = encodeCommand('vrrp-firewall-rule', WINDOWS_SCRIPTS['vrrp-firewall-rule'].body, 3, { name: value, peers: [value] })
      // POSIX-safe elements need no quoting (posixCommand leaves them as they are) ...
      expect(posixCommand(argv)).toBe(commandLine)
      // ... and none holds a character cmd.exe or PowerShell would act on.
      expect(commandLine).toMatch(/^[A-Za-z0-9+/=. -]+$/)
    }
  })

  it('keeps the script text independent of the values, for every script and every hostile value', () => {
    const values = [...HOSTILE, ...fuzzStrings(200, 13)]
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
