// Build-shape guarantees that the type checker cannot give:
// - the sandboxed preload must load with nothing but 'electron' (no zod, no node_modules);
// - only electron/main and electron/preload import 'electron' (the backend runs headless too).
import { build } from 'esbuild'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../../..')

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name)
    return d.isDirectory() ? walk(p) : /\.(ts|vue)$/.test(d.name) ? [p] : []
  })
}

describe('bundle boundaries', () => {
  it('the preload bundle requires only electron', async () => {
    const out = await build({
      absWorkingDir: root,
      entryPoints: [path.join(root, 'electron/preload/index.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      logLevel: 'silent'
    })
    const code = out.outputFiles[0]!.text
    const required = [...code.matchAll(/require\((['"])([^'"]+)\1\)/g)].map((m) => m[2])
    expect(required.length).toBeGreaterThan(0)
    expect(new Set(required)).toEqual(new Set(['electron']))
    expect(code).toContain('exposeInMainWorld')
    expect(code).not.toMatch(/process\.env/)
  })

  it("nothing outside electron/main and electron/preload imports 'electron'", () => {
    const dirs = ['electron', 'renderer/src', 'agent'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d))
    const offenders = dirs
      .flatMap(walk)
      .filter((f) => !f.includes(`${path.sep}electron${path.sep}main${path.sep}`) && !f.includes(`${path.sep}electron${path.sep}preload${path.sep}`))
      .filter((f) => /(?:from\s+|require\(\s*|import\(\s*)['"]electron['"]/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f))
    expect(offenders).toEqual([])
  })

  it('the browser-mode bundle keeps node-pty (optional, native) a run-time require, loaded only when asked', async () => {
    const out = await build({
      absWorkingDir: root,
      entryPoints: [path.join(root, 'electron/web/main.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent'
    })
    const code = out.outputFiles[0]!.text
    // Required when the local shell is first asked for, never at the top where a missing module would stop the backend.
    expect(code).toMatch(/async \(\) => \(0, import_node_module\.createRequire\)\(__filename\)\("node-pty"\)/)
    expect(code).not.toMatch(/^\S.*require\("node-pty"\)/m)
  })
})
