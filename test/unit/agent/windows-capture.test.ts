/**
 * `havip-agent win-capture` writes each PowerShell run in the replay format, so fixtures can be
 * refreshed from a real node. Here the "node" is the replay runner itself: what it returns must
 * land, unchanged, in files the replay runner can read back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cmdWinCapture } from '../../../agent/diag/win-capture-command'
import { loadFixture, ReplayPsRunner, type Fixture } from './windows-replay'

const dir = mkdtempSync(join(tmpdir(), 'havip-capture-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('win-capture', () => {
  it('runs every script once (and add, check, remove with --vip) and writes each answer as a fixture', async () => {
    const inner = new ReplayPsRunner('list-addresses', 'list-addresses-single', 'interface-state-up', 'neighbour-facts-2022', 'dir-acl-private',
      'add-vip-created', 'address-state-preferred', 'remove-vip-removed')
    const out: string[] = []
    const code = await cmdWinCapture(['--out', dir, '--interface', 'Ethernet', '--vip', '192.0.2.10/24'], { out: (s) => out.push(s), err: (s) => out.push(s) }, inner)
    expect(code).toBe(0)
    expect(inner.left).toEqual([])
    expect(inner.calls.map((c) => c.script)).toEqual(['list-addresses', 'list-addresses', 'interface-state', 'neighbour-facts', 'dir-acl', 'add-vip', 'address-state', 'remove-vip'])
    const files = readdirSync(dir).sort()
    expect(files).toEqual(['add-vip-captured.json', 'address-state-captured.json', 'dir-acl-captured.json', 'interface-state-captured.json', 'list-addresses-captured-2.json', 'list-addresses-captured.json', 'neighbour-facts-captured.json', 'remove-vip-captured.json'])
    const captured = JSON.parse(readFileSync(join(dir, 'add-vip-captured.json'), 'utf8')) as Fixture
    const original = loadFixture('add-vip-created')
    expect(captured).toEqual({ script: 'add-vip', source: expect.stringMatching(/^captured on .+ at \d{4}-.*by havip-agent win-capture$/), stdout: original.stdout, stderr: original.stderr, code: original.code })
    expect(out.at(-1)).toBe(`8 fixture(s) written to ${dir}`)
  })

  it('captures failures too, and says which steps failed', async () => {
    const out: string[] = []
    const inner = new ReplayPsRunner('constrained-language', 'constrained-language', 'constrained-language', 'constrained-language', 'constrained-language')
    const sub = join(dir, 'clm')
    expect(await cmdWinCapture(['--out', sub, '--interface', 'Ethernet'], { out: (s) => out.push(s), err: (s) => out.push(s) }, inner)).toBe(0)
    expect(out.filter((l) => l.startsWith('failed'))).toHaveLength(4) // garpSupport reports rather than throws
    expect(out.at(-1)).toMatch(/5 fixture\(s\) written .*4 step\(s\) failed/)
    expect(readdirSync(sub)).toHaveLength(5)
  })

  it('says how to call it', async () => {
    const err: string[] = []
    expect(await cmdWinCapture(['--out', dir], { out: () => {}, err: (s) => err.push(s) }, new ReplayPsRunner())).toBe(2)
    expect(await cmdWinCapture(['--out', dir, '--interface', 'Ethernet', '--vip', '192.0.2.10'], { out: () => {}, err: (s) => err.push(s) }, new ReplayPsRunner())).toBe(2)
    expect(err.join('\n')).toMatch(/--vip as A\.B\.C\.D\/P/)
  })
})
