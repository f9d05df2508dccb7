// The release archive as a node unpacks it: the real bundle, packed by our tar writer, read by
// GNU tar, every file matching SHA256SUMS; the same build always gives the same name and bytes.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releasePackage } from '../../../electron/backend/deploy/release'
import { tarArchive } from '../../../electron/backend/deploy/tar-writer'
import { BUNDLE_DIR, ensureBundle } from '../../integration/agent/lab-agents'

let dir: string
beforeAll(() => {
  ensureBundle()
  dir = mkdtempSync(join(tmpdir(), 'havip-release-'))
}, 180_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('releasePackage', () => {
  it('unpacks with tar into the bundle and its linux-x64 prebuilds, all matching SHA256SUMS', () => {
    const rel = releasePackage(BUNDLE_DIR, 'linux-x64')
    expect(rel.name).toMatch(/^\d+\.\d+\.\d+[^/]*-[0-9a-f]{12}$/)
    expect(rel.abis).toEqual(expect.arrayContaining(['108', '115', '127']))
    writeFileSync(join(dir, 'r.tar.gz'), rel.tarGz)
    const out = join(dir, 'out')
    execFileSync('mkdir', [out])
    execFileSync('tar', ['-xzf', join(dir, 'r.tar.gz'), '-C', out])
    execFileSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out })
    expect(readFileSync(join(out, 'havip-agent.cjs'))).toEqual(readFileSync(join(BUNDLE_DIR, 'havip-agent.cjs')))
    const listing = execFileSync('tar', ['-tvzf', join(dir, 'r.tar.gz')], { encoding: 'utf8' })
    expect(listing).toMatch(/-rwxr-xr-x root\/root .* havip-agent\.cjs/)
    expect(listing).toMatch(/prebuilds\/linux-x64\/@neuralegion\+raw-socket\.abi127\.glibc\.node/)
    expect(listing).not.toMatch(/linux-arm64|win32/)
  })

  it('is deterministic, and differs per platform', () => {
    const a = releasePackage(BUNDLE_DIR, 'linux-x64')
    const arm = releasePackage(BUNDLE_DIR, 'linux-arm64')
    expect(releasePackage(BUNDLE_DIR, 'linux-x64').sha256).toBe(a.sha256)
    expect(arm.name).not.toBe(a.name)
  })
})

describe('tarArchive', () => {
  it('refuses names tar would have to mangle', () => {
    expect(() => tarArchive([{ name: 'x'.repeat(101), mode: 0o644, data: Buffer.from('') }], 0)).toThrow(/at most 100 bytes/)
    expect(() => tarArchive([{ name: 'a\nb', mode: 0o644 }], 0)).toThrow(/printable ASCII/)
  })
})
