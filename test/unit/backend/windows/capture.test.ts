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
import { replayNode, SERVER_2022_CASES, windowsFixture } from '../../../support/windows-fixtures'

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
    // agent-ctl only with `status --json`, agent-feed recorded for a bounded time.
    const readOnly = ['probe', 'os-info', 'network', 'firewall', 'vrrp-firewall-check', 'time-status', 'deploy-inspect', 'cluster-read', 'agent-ctl', 'agent-feed']
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
    expect(fs.readFileSync(path.join(dir, 'INDEX.md'), 'utf8')).toContain('10 of 10 were captured on a real node')

    const replayed = new ReplayPowerShellRunner(HOST, back)
    for (const f of back) {
      expect(await replayed.runRaw(f.script, f.params)).toEqual(await replayNode(HOST, NODE_2022).runRaw(f.script, f.params))
    }
    expect(back.find((f) => f.script === 'agent-ctl')?.params).toEqual({ args: ['status', '--json'] })
    expect(back.find((f) => f.script === 'agent-feed')?.stdout).toBe(windowsFixture('agent-feed', 'win1-master').stdout)
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

  it('captures the live console\'s probe stream only with a target given, for a bounded time', async () => {
    const skipped: string[] = []
    const without = await captureFixtures(replayNode(HOST, NODE_2022), { withChanges: false, date: new Date(), log: (l) => skipped.push(l) })
    expect(without.some((f) => f.script === 'agent-probe')).toBe(false)
    expect(skipped.some((l) => l.startsWith('skipped agent-probe'))).toBe(true)
    const node = replayNode(HOST, { ...NODE_2022, 'agent-probe': 'vip-answers' })
    const fixtures = await captureFixtures(node, { withChanges: false, probeTarget: '198.51.100.230', date: new Date() })
    const probe = fixtures.find((f) => f.script === 'agent-probe')
    expect(probe?.params).toEqual({ target: '198.51.100.230', intervalMs: 100, timeoutMs: 1000, maxSeconds: 86_390 })
    expect(probe?.stdout).toBe(windowsFixture('agent-probe', 'vip-answers').stdout)
  })

  it('with agent replies, on a node of a cluster: records ctl status through run-argv with the node.exe and release its current.json names', async () => {
    const node = replayNode(HOST, { ...NODE_2022, 'cluster-read': 'web-win-running', 'run-argv': 'agent-status-web-master' })
    const fixtures = await captureFixtures(node, { caseName: 'win2022', withChanges: false, agent: true, date: new Date('2026-12-02T10:00:00Z') })
    const status = fixtures.find((f) => f.script === 'run-argv')
    expect(status?.case).toBe('win2022-agent-status')
    expect((status?.params.argv as string[]).slice(1)).toEqual(['C:\\Program Files\\HAVIP\\releases\\1.4.0-b413a01e6f3d\\havip-agent.cjs', 'ctl', 'status', '--json'])
    // Replayed, the recording reads as the agent's status does in the cluster operations.
    expect(await new ReplayPowerShellRunner(HOST, [status!]).run('run-argv', status!.params)).toMatchObject({ ok: true, value: { exitCode: 0, output: expect.stringContaining('"state":"master"') } })
  })

  it('with agent replies on a node without the agent: says so and records none', async () => {
    const lines: string[] = []
    const fixtures = await captureFixtures(replayNode(HOST, NODE_2022), { withChanges: false, agent: true, date: new Date(), log: (l) => lines.push(l) })
    expect(fixtures.some((f) => f.script === 'run-argv')).toBe(false)
    expect(lines.some((l) => /skipped the agent replies .*no current\.json/.test(l))).toBe(true)
  })

  it('stops with the probe\'s error, capturing nothing, when the node cannot run the scripts', async () => {
    const node = replayNode(HOST, { ...NODE_2022, probe: 'constrained-language' })
    await expect(captureFixtures(node, { withChanges: false, date: new Date() })).rejects.toThrow(/The probe failed on win-node1\.example\.com.*ConstrainedLanguage/)
    expect(node.calls.map((c) => c.name)).toEqual(['probe'])
  })
})
