// Capture mode's recording and writing, through the replay runner (no Windows here): what it
// writes is in the replay format, says it was captured from which node, edition, build and
// date, replays to the same outcomes as what was recorded, and keeps INDEX.md in step.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { captureFixtures, caseNameOf, writeFixtures } from '../../../../electron/backend/platform/windows/capture'
import { loadFixtureDir, renderFixtureIndex } from '../../../../electron/backend/platform/windows/fixtures'
import { ReplayPowerShellRunner } from '../../../../electron/backend/platform/windows/runner'
import type { WindowsScriptName } from '../../../../electron/backend/platform/windows/scripts'
import { replayNode, SERVER_2022_CASES } from '../../../support/windows-fixtures'

const HOST = 'win-node1.example.com'
const NODE_2022 = SERVER_2022_CASES
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe('capture mode', () => {
  it('records every read-only script, writes fixtures that replay to the same outcomes, and rewrites INDEX.md', async () => {
    const node = replayNode(HOST, NODE_2022)
    const lines: string[] = []
    const fixtures = await captureFixtures(node, { withChanges: false, date: new Date('2026-12-02T10:00:00Z'), log: (l) => lines.push(l) })
    const readOnly = ['probe', 'os-info', 'network', 'firewall', 'vrrp-firewall-check', 'time-status', 'deploy-inspect']
    expect(fixtures.map((f) => f.script)).toEqual(readOnly)
    // The scripts that change the node were not run, nor the one that pings a VIP not given.
    expect(node.calls.map((c) => c.name)).toEqual(readOnly)
    expect(lines).toContain('skipped vrrp-firewall-rule (it changes the node; pass --with-changes to capture it)')
    expect(lines).toContain('skipped vip-check (it pings the VIP it checks; pass --vip with a candidate VIP of that segment to capture it)')

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-capture-'))
    dirs.push(dir)
    const written = writeFixtures(dir, fixtures)
    expect(written.map((f) => path.relative(dir, f))).toEqual(readOnly.map((s) => `${s}/captured-20348.json`))
    const back = loadFixtureDir(dir)
    for (const f of back) expect(f.source).toBe('captured from win-node1.example.com (Microsoft Windows Server 2022 Datacenter 20348) on 2026-12-02')
    expect(fs.readFileSync(path.join(dir, 'INDEX.md'), 'utf8')).toBe(renderFixtureIndex(back))
    expect(fs.readFileSync(path.join(dir, 'INDEX.md'), 'utf8')).toContain('7 of 7 were captured on a real node')

    const replayed = new ReplayPowerShellRunner(HOST, back)
    for (const name of readOnly as WindowsScriptName[]) {
      expect(await replayed.run(name)).toEqual(await replayNode(HOST, NODE_2022).run(name))
    }
  })

  it('takes the case name given, made safe for a file name', async () => {
    const fixtures = await captureFixtures(replayNode(HOST, NODE_2022), { caseName: 'Lab VM #2 (2022)', withChanges: false, date: new Date() })
    expect(new Set(fixtures.map((f) => f.case))).toEqual(new Set(['lab-vm-2-2022']))
    expect(caseNameOf('../../etc')).toBe('etc')
    expect(caseNameOf('$(x)')).toBe('x')
    expect(caseNameOf('...')).toBe('captured')
  })

  it('captures vip-check with the VIP given', async () => {
    const node = replayNode(HOST, { ...NODE_2022, 'vip-check': 'free' })
    const fixtures = await captureFixtures(node, { withChanges: false, vip: '198.51.100.50', date: new Date() })
    expect(fixtures.find((f) => f.script === 'vip-check')?.params).toEqual({ vip: '198.51.100.50' })
  })

  it('stops with the probe\'s error, capturing nothing, when the node cannot run the scripts', async () => {
    const node = replayNode(HOST, { ...NODE_2022, probe: 'constrained-language' })
    await expect(captureFixtures(node, { withChanges: false, date: new Date() })).rejects.toThrow(/The probe failed on win-node1\.example\.com.*ConstrainedLanguage/)
    expect(node.calls.map((c) => c.name)).toEqual(['probe'])
  })
})
