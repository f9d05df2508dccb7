// The npm registry reachable here serves only some platform builds of packages such as rollup's
// and esbuild's native binaries. `npm install` then leaves the other platforms' optional
// dependencies out of package-lock.json, and `npm ci` refuses the lock as "out of sync".
// This adds a bare entry (version, optional) for every optional dependency the lock names but
// lacks: `npm ci` accepts the lock again and simply skips optional packages it cannot fetch.
// Run it after every `npm install` that changes the lock: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
let added = 0
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // An optional dependency resolves next to its dependent first, then at the top level.
    const nested = `${where ? where + '/' : ''}node_modules/${name}`
    const top = `node_modules/${name}`
    if (lock.packages[nested] || lock.packages[top]) continue
    lock.packages[top] = { version, optional: true }
    added++
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(`complete-lockfile: added ${added} optional entr${added === 1 ? 'y' : 'ies'}`)
