// The PowerShell seam's runners and the reading of what comes back: every recorded run gives
// its result or a clear, structured error (access denied, constrained language, no
// powershell.exe, not JSON), through the same interpretation for replay and SSH.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeCommand } from '../../../../electron/backend/platform/windows/encoded-command'
import { renderFixtureIndex, parseFixture } from '../../../../electron/backend/platform/windows/fixtures'
import { identifyScript, MissingFixture, SshPowerShellRunner } from '../../../../electron/backend/platform/windows/runner'
import { windowsPlatform } from '../../../../electron/backend/platform/windows/windows-platform'
import { interpretRun, type ScriptOutcome, type WindowsScriptError } from '../../../../electron/backend/platform/windows/script-result'
import type { ExecResult, SshSession } from '../../../../electron/backend/ssh/session'
import { allWindowsFixtures, replayNode, WINDOWS_FIXTURE_DIR, windowsFixture } from '../../../support/windows-fixtures'

const HOST = '198.51.100.21'

function errorOf(o: ScriptOutcome): WindowsScriptError {
  if (o.ok) throw new Error(`expected an error, got ${JSON.stringify(o.value)}`)
  return o.error
}

describe('Windows fixtures', () => {
  it('all load, each with its provenance, and INDEX.md lists exactly them', () => {
    const all = allWindowsFixtures()
    expect(all.length).toBeGreaterThanOrEqual(17)
    for (const f of all) expect(f.source).toMatch(/^(public sample: |written from the documented format: |captured from )/)
    expect(fs.readFileSync(path.join(WINDOWS_FIXTURE_DIR, 'INDEX.md'), 'utf8')).toBe(renderFixtureIndex(all))
  })

  it('refuses a fixture that does not say where it came from', () => {
    const f = { ...windowsFixture('probe', 'server-2022-admin') }
    expect(() => parseFixture(JSON.stringify({ ...f, source: 'captured' }), 'x.json')).toThrow(/source must say where it came from/)
    expect(() => parseFixture(JSON.stringify({ ...f, source: '' }), 'x.json')).toThrow(/source/)
    expect(() => parseFixture(JSON.stringify({ ...f, script: 'Remove-Item' }), 'x.json')).toThrow(/unknown script/)
  })
})

describe('ReplayPowerShellRunner', () => {
  it('gives the parsed result of a run', async () => {
    const r = await replayNode(HOST, { probe: 'server-2022-admin' }).run('probe')
    expect(r).toEqual({
      ok: true,
      value: expect.objectContaining({ languageMode: 'FullLanguage', elevated: true, build: '20348', caption: 'Microsoft Windows Server 2022 Datacenter' })
    })
  })

  it('reports constrained language as its own error, with what to do', async () => {
    const e = errorOf(await replayNode(HOST, { probe: 'constrained-language' }).run('probe'))
    expect(e).toMatchObject({ kind: 'language-mode', languageMode: 'ConstrainedLanguage', exitCode: 3, host: HOST })
    expect(e.message).toContain(`PowerShell on ${HOST} runs in ConstrainedLanguage`)
    expect(e.hint).toMatch(/AppLocker or WDAC/)
  })

  it('reports a cmd.exe that cannot find powershell.exe', async () => {
    const e = errorOf(await replayNode(HOST, { probe: 'cmd-powershell-not-found' }).run('probe'))
    expect(e.kind).toBe('powershell-missing')
    expect(e.message).toMatch(/cmd\.exe\) cannot find powershell\.exe/)
    expect(e.output).toMatch(/is not recognized as an internal or external command/)
  })

  it('says a POSIX shell answered when the node is not Windows after all', async () => {
    const e = errorOf(await replayNode(HOST, { probe: 'posix-shell' }).run('probe'))
    expect(e.kind).toBe('powershell-missing')
    expect(e.message).toMatch(/does not look like a Windows node/)
  })

  it('reports output that is not the JSON document, quoting its start', async () => {
    const e = errorOf(await replayNode(HOST, { probe: 'banner-before-output' }).run('probe'))
    expect(e.kind).toBe('not-json')
    expect(e.message).toContain('Welcome to the CONTOSO jump host.')
    expect(e.hint).toMatch(/DefaultShell/)
  })

  it('reports access denied with the exception PowerShell raised', async () => {
    const f = windowsFixture('vrrp-firewall-rule', 'access-denied')
    const e = errorOf(await replayNode(HOST, { 'vrrp-firewall-rule': 'access-denied' }).run('vrrp-firewall-rule', f.params))
    expect(e).toMatchObject({
      kind: 'access-denied',
      exception: { type: 'Microsoft.Management.Infrastructure.CimException', category: 'PermissionDenied', errorId: 'Windows System Error 5,New-NetFirewallRule' }
    })
    expect(e.message).toContain('Access is denied.')
    expect(e.hint).toMatch(/Administrators group/)
  })

  it('carries hostile values as data, and they come back intact', async () => {
    const f = windowsFixture('vrrp-firewall-rule', 'hostile-name')
    const runner = replayNode(HOST, { 'vrrp-firewall-rule': 'hostile-name' })
    const r = await runner.run('vrrp-firewall-rule', f.params)
    expect(r).toEqual({ ok: true, value: { name: f.params.name, enabled: 'True', action: 'Allow' } })
    expect(runner.calls).toEqual([{ name: 'vrrp-firewall-rule', params: f.params }])
  })

  it('fails loudly when no fixture matches the parameters', async () => {
    const runner = replayNode(HOST, { 'vrrp-firewall-rule': 'created' })
    await expect(runner.run('vrrp-firewall-rule', { name: 'other', displayName: 'x', peers: [] })).rejects.toBeInstanceOf(MissingFixture)
  })
})

describe('interpretRun', () => {
  it('finds the document after stray lines, and ignores JSON that is not ours', () => {
    const out = 'WARNING: something\r\n{"not":"ours"}\r\n{"havip":1,"result":{"a":1}}\r\n'
    expect(interpretRun('probe', HOST, { code: 0, stdout: out, stderr: '' })).toEqual({ ok: true, value: { a: 1 } })
  })

  it('keeps any other exception as a script error with its type and category', () => {
    const stdout = '{"havip":1,"error":{"type":"Microsoft.PowerShell.Commands.WriteErrorException","message":"No MSFT_NetRoute objects found","category":"ObjectNotFound","errorId":"CmdletizationQuery_NotFound,Get-NetRoute","hresult":-2146233087}}\n'
    const e = errorOf(interpretRun('network', HOST, { code: 1, stdout, stderr: '' }))
    expect(e).toMatchObject({ kind: 'script-error', exitCode: 1, exception: { category: 'ObjectNotFound' } })
    expect(e.message).toBe(`"network" failed on ${HOST}: No MSFT_NetRoute objects found`)
  })

  it('recognises PowerShell as default shell without powershell.exe on its PATH', () => {
    const stderr = "powershell.exe : The term 'powershell.exe' is not recognized as the name of a cmdlet, function, script file, or operable program.\r\n"
    expect(errorOf(interpretRun('probe', HOST, { code: 1, stdout: '', stderr })).kind).toBe('powershell-missing')
  })

  it('says when nothing came back at all', () => {
    expect(errorOf(interpretRun('probe', HOST, { code: 0, stdout: '', stderr: '' })).message).toMatch(/printed nothing/)
  })
})

describe('SshPowerShellRunner', () => {
  it('sends the encoded command through the session and reads the answer the same way', async () => {
    const f = windowsFixture('vrrp-firewall-rule', 'created')
    const seen: string[][] = []
    const session = {
      target: { host: HOST, port: 22, username: 'administrator' },
      exec: async (argv: string[]): Promise<ExecResult> => {
        seen.push(argv)
        return { code: f.exitCode, stdout: f.stdout, stderr: f.stderr }
      }
    } as unknown as SshSession
    const r = await new SshPowerShellRunner(session).run('vrrp-firewall-rule', f.params)
    expect(r).toEqual({ ok: true, value: { name: 'HAVIP-VRRP-cluster-one', enabled: 'True', action: 'Allow' } })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.slice(0, 6)).toEqual(['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand'])
    expect(decodeCommand(seen[0]!)?.params).toEqual(f.params)
  })
})

describe('windowsPlatform.commandLine', () => {
  it('runs an argv through the run-argv script with the argv as data, and refuses sudo', () => {
    const argv = ['C:\\Program Files\\HAVIP\\node.exe', "--eval=process.exit(0)'; Stop-Computer", '$(whoami)']
    const line = windowsPlatform.commandLine(argv, { username: 'administrator' })
    expect(line).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/)
    expect(identifyScript(line.split(' '))).toEqual({ name: 'run-argv', params: { argv } })
    expect(() => windowsPlatform.commandLine(['net.exe'], { username: 'administrator', sudo: true })).toThrow(/no sudo on Windows/)
    expect(windowsPlatform.quote("it's")).toBe("'it''s'")
  })
})
