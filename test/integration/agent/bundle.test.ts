/**
 * The built bundle is self-contained: copied alone (with prebuilds/) into another directory,
 * it runs and loads raw-socket's native binding for this platform from beside itself.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BUNDLE_DIR, REPO } from './lab-agents'

const dir = mkdtempSync(join(tmpdir(), 'havip-bundle-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('agent bundle', () => {
  it('build:agent produces havip-agent.cjs and prebuilds for linux-x64, linux-arm64, win32-x64 (Node 18..22 ABIs)', () => {
    execFileSync(process.execPath, [join(REPO, 'scripts', 'build-agent.mjs')], { timeout: 120_000 })
    expect(existsSync(join(BUNDLE_DIR, 'havip-agent.cjs'))).toBe(true)
    for (const plat of ['linux-x64', 'linux-arm64', 'win32-x64']) {
      const files = readdirSync(join(BUNDLE_DIR, 'prebuilds', plat))
      for (const abi of ['108', '115', '127']) expect(files.some((f) => f.includes(`.abi${abi}.`)), `${plat} abi${abi}`).toBe(true)
    }
  })

  it('runs from another directory and loads the native binding from its prebuilds/', () => {
    cpSync(BUNDLE_DIR, dir, { recursive: true })
    const bundle = join(dir, 'havip-agent.cjs')
    const v = spawnSync('/usr/bin/node', [bundle, 'version'], { cwd: '/', encoding: 'utf8', timeout: 20_000 })
    expect(v.status).toBe(0)
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    // probe opens a raw ICMP socket: only possible if the binding loaded (we run as root here).
    const p = spawnSync('/usr/bin/node', [bundle, 'probe', '127.0.0.1', '--interval-ms', '10', '--count', '3', '--json'], { cwd: '/', encoding: 'utf8', timeout: 20_000 })
    expect(p.stderr).toBe('')
    const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(3)
    for (const l of lines) expect(l.rttMs).toBeGreaterThanOrEqual(0)
    // Without prebuilds the error says what to do.
    rmSync(join(dir, 'prebuilds'), { recursive: true, force: true })
    const np = spawnSync('/usr/bin/node', [bundle, 'probe', '127.0.0.1', '--count', '1'], { cwd: '/', encoding: 'utf8', timeout: 20_000 })
    expect(np.status).toBe(1)
    expect(np.stderr).toMatch(/cannot load the raw-socket native module .*prebuilds\/ directory sits next to havip-agent.cjs/)
  })
})
