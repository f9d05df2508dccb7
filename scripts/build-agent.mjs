// Bundles the agent into one file, resources/agent/havip-agent.cjs, and copies the
// raw-socket native prebuilds the bundle loads at run time into resources/agent/prebuilds/.
// raw-socket calls require('node-gyp-build')(__dirname); in a CommonJS bundle __dirname is
// the bundle's own directory, so node-gyp-build finds prebuilds/<platform>-<arch>/ beside it,
// wherever the bundle is copied (e.g. /opt/havip on a node).
import { build } from 'esbuild'
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'resources', 'agent')
const require = createRequire(import.meta.url)
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

// Prebuild directories shipped with the agent, and the ABIs of Node 18..22 (abi108, abi115, abi127; 109/111/120 for odd releases).
const PLATFORMS = ['linux-x64', 'linux-arm64', 'win32-x64']
const ABIS = ['108', '111', '115', '120', '127']

mkdirSync(outDir, { recursive: true })
const bundle = join(outDir, 'havip-agent.cjs')
await build({
  entryPoints: [join(root, 'agent', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  define: { __HAVIP_AGENT_VERSION__: JSON.stringify(pkg.version) },
  legalComments: 'none',
  logLevel: 'warning',
  // node-gyp-build's dynamic require is meant to stay a runtime require.
  logOverride: { 'unsupported-require-call': 'silent' }
})
chmodSync(bundle, 0o755)

const rawDir = dirname(require.resolve('@neuralegion/raw-socket/package.json'))
const prebuildsOut = join(outDir, 'prebuilds')
rmSync(prebuildsOut, { recursive: true, force: true })
let copied = 0
for (const plat of PLATFORMS) {
  const src = join(rawDir, 'prebuilds', plat)
  if (!existsSync(src)) throw new Error(`raw-socket has no prebuilds for ${plat} in ${src}; reinstall @neuralegion/raw-socket`)
  mkdirSync(join(prebuildsOut, plat), { recursive: true })
  for (const f of readdirSync(src)) {
    // Keep only Node 18..22 ABIs and glibc (or unsuffixed) builds: what cluster nodes run.
    const abi = /\.abi(\d+)\./.exec(f)?.[1]
    if (!abi || !ABIS.includes(abi) || f.includes('.musl.')) continue
    cpSync(join(src, f), join(prebuildsOut, plat, f))
    copied++
  }
}
// The version the deploy service names a release by (with a hash of the files, so two builds
// of one version never share /opt/havip/releases/<name>/ on a node).
writeFileSync(join(outDir, 'release.json'), JSON.stringify({ version: pkg.version }) + '\n')
console.log(`build-agent: ${bundle} + ${copied} prebuilds for ${PLATFORMS.join(', ')}`)
