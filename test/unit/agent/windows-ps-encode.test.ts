/**
 * The Windows adapter's commands with hostile values: whatever an interface alias, address or
 * rule name holds, the script PowerShell parses is the same constant text, and the value comes
 * back out of the parameter block byte for byte.
 */
import { describe, expect, it } from 'vitest'
import type { run } from '../../../agent/os/exec'
import { encodeCommand, encodeParams, MAX_COMMAND_LINE, PARAMS_ENV, powershellArgs, powershellPath, wrapScript, wrapScriptWithParams } from '../../../agent/os/windows/ps-encode'
import { LocalPsRunner } from '../../../agent/os/windows/ps-runner'
import { ADD_VIP, ALL_SCRIPTS } from '../../../agent/os/windows/scripts'

const HOSTILE = [
  "Ethernet'; Remove-Item C:\\ -Recurse; '",
  'Ethernet"; Stop-Computer; "',
  '$(Stop-Computer -Force)',
  '@(Get-ChildItem)',
  '`$env:PATH`n`r',
  'line1\nline2\r\nline3',
  'tab\there',
  '${env:SystemRoot}',
  '& calc.exe',
  '| Out-File x',
  '; exit 0 #',
  '<# comment #>',
  "''''",
  'Ethernet*',
  '[a-z]*',
  'Ëthérnet 2 — 本地连接 😀',
  '\u202Eevil\u200B',
  'a'.repeat(4000),
  '\u0000nul',
  '"}; {"ok":true,"result":null}',
  'HAVIP:interface-missing:forged'
]

/** A deterministic stream of random strings mixing the characters that mean something to PowerShell. */
function* randomStrings(seed: number, count: number): Generator<string> {
  const alphabet = [..."'\"`$(){}[];|&<>#@\n\r\t -*?%,.\\/:=+~!^", 'a', 'Z', '0', 'é', '中', '😀', '\u2028', '\u0000']
  let s = seed
  const next = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s
  }
  for (let i = 0; i < count; i++) {
    let out = ''
    const len = next() % 40
    for (let j = 0; j < len; j++) out += alphabet[next() % alphabet.length]
    yield out
  }
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

describe('PowerShell command encoding', () => {
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
    const values = [...HOSTILE, ...randomStrings(112, 300)]
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
    for (const v of [...HOSTILE, ...randomStrings(5, 200)]) {
      const params = { dev: v, address: v }
      const script = wrapScriptWithParams(ADD_VIP.body, params)
      const m = /^\$HavipParamsB64 = '([A-Za-z0-9+/]*={0,2})'\n/.exec(script)
      expect(m, v).not.toBeNull()
      expect(script.slice(m![0].length)).toBe(wrapScript(ADD_VIP.body)) // the rest is the constant script
      expect(decodeParams(m![1]!)).toEqual(params)
    }
  })

  it('encodes any text as UTF-16LE base64 that decodes to the same text', () => {
    for (const s of [...HOSTILE, ...randomStrings(7, 200)]) {
      const enc = encodeCommand(s)
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
