// electron-builder cannot run here (its Electron download is outside the registries), so the
// packaging config is checked with electron-builder's OWN validator (the same schema check
// `electron-builder` runs first), plus the choices issue 2 requires.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../../..')
const requireFromRepo = createRequire(path.join(root, 'package.json'))
const yaml = requireFromRepo('js-yaml') as { load(text: string): unknown }
const { validateConfiguration } = requireFromRepo('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(k: string, v: unknown): void }): Promise<void>
}

type Target = string | { target: string; arch?: string[] }
interface BuilderConfig {
  appId?: string
  productName?: string
  directories?: { output?: string }
  files?: string[]
  extraResources?: Array<{ from: string; to: string }>
  linux?: { target?: Target[]; category?: string; maintainer?: string }
  win?: { target?: Target[] }
  asar?: boolean
  asarUnpack?: string[]
  npmRebuild?: boolean
  electronFuses?: Record<string, boolean>
}

const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig
const names = (ts: Target[] | undefined) => (ts ?? []).map((t) => (typeof t === 'string' ? t : t.target))

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validateConfiguration(config, { isEnabled: false, add: () => {} })).resolves.toBeUndefined()
  })

  it('the validator is real: it rejects an unknown key', async () => {
    await expect(validateConfiguration({ ...config, lnux: {} }, { isEnabled: false, add: () => {} })).rejects.toThrow()
  })

  it('has the identity, output and targets issue 2 asks for', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/)
    expect(config.productName).toBe('HAVIP Manager')
    expect(config.directories?.output).toBe('dist')
    expect(names(config.linux?.target).sort()).toEqual(['AppImage', 'deb'])
    expect(config.linux?.category).toBe('Network')
    expect(config.linux?.maintainer).toMatch(/<.+@.+>/)
    const win = config.win?.target?.[0]
    expect(typeof win === 'object' && win.target).toBe('nsis')
    expect(typeof win === 'object' && win.arch).toEqual(['x64'])
  })

  it('flips the Electron fuses issue 9 asks for (no run-as-node, no NODE_OPTIONS, no inspector, asar only, encrypted cookies)', async () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true
    })
    // onlyLoadAppFromAsar needs the app packed into app.asar.
    expect(config.asar).toBe(true)
    // Each key is one electron-builder knows (its schema refuses unknown fuse names), and a
    // misspelled one would be refused: the check above cannot pass on a name that does nothing.
    await expect(
      validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNodee: false } }, { isEnabled: false, add: () => {} })
    ).rejects.toThrow(/electronFuses/)
  })

  it('ships the built app and the agent as an extra resource', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']))
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'resources/agent', to: 'agent' }))
    // The main bundle's entry is where package.json says.
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string }
    expect(pkg.main).toBe('out/main/index.js')
  })

  it('unpacks node-pty (the local shell) from the archive and rebuilds it for Electron; it stays an optional dependency', () => {
    expect(config.asarUnpack).toContain('node_modules/node-pty/**')
    expect(config.npmRebuild).toBe(true)
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
      optionalDependencies?: Record<string, string>
    }
    expect(pkg.optionalDependencies?.['node-pty']).toBeDefined()
    expect(pkg.dependencies?.['node-pty']).toBeUndefined()
  })
})
