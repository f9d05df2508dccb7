// Bundles the Node (non-Electron) entry points with esbuild:
//   electron/web/main.ts -> out/node/web.cjs   (browser mode: `node out/node/web.cjs`)
//   electron/cli/main.ts -> out/node/havip.cjs  (the CLI `havip`, the package's bin)
// npm packages stay external (resolved from the repo's node_modules at run time): ssh2 ships
// optional native addons that must not be inlined, and it keeps the bundle small.
import { build } from 'esbuild'
import { chmodSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const entries = [
  { in: 'electron/web/main.ts', out: 'web' },
  // The CLI is the package's bin: it needs the shebang to run as `havip`.
  { in: 'electron/cli/main.ts', out: 'havip', banner: '#!/usr/bin/env node' }
]

for (const e of entries) {
  const outfile = resolve(root, 'out/node', `${e.out}.cjs`)
  await build({
    absWorkingDir: root,
    entryPoints: [resolve(root, e.in)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    legalComments: 'none',
    ...(e.banner ? { banner: { js: e.banner } } : {}),
    logLevel: 'warning',
    // The backend must never pull in Electron; fail the build if something tries.
    plugins: [
      {
        name: 'no-electron',
        setup(b) {
          b.onResolve({ filter: /^electron$/ }, (args) => ({
            errors: [{ text: `'electron' imported from ${args.importer}: only electron/main may import it.` }]
          }))
        }
      }
    ]
  })
  if (e.banner) chmodSync(outfile, 0o755)
  // stderr: `npm run havip -- --json` must print only the CLI's JSON on stdout.
  console.error(`built ${e.in} -> ${outfile.slice(root.length + 1)}`)
}
