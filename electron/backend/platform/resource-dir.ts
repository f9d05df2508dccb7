// Where a build output the app ships beside itself (resources/agent, resources/runtime) is:
// an override (an environment variable, for tests and odd installs), the packaged app's
// resources/<sub> (process.resourcesPath, set by Electron), or resources/<sub> in the first
// directory above `from` that has one (the repo, out/main, out/node).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

export function findResourceDir(sub: string, marker: string, override: string | undefined, from: string): string | undefined {
  const candidates: string[] = []
  if (override) candidates.push(override)
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  if (resourcesPath) candidates.push(join(resourcesPath, sub))
  for (let dir = from; ; dir = dirname(dir)) {
    candidates.push(join(dir, 'resources', sub))
    if (dirname(dir) === dir) break
  }
  return candidates.find((c) => existsSync(join(c, marker)))
}
