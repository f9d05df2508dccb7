// The agent release as it is uploaded: the bundle (havip-agent.cjs) with every raw-socket
// prebuild for the node's platform (all ABIs, so the same release serves a node whatever Node.js
// it runs, ~0.5 MB), and SHA256SUMS, in one gzip'd tar. Named <version>-<12 hex of SHA256SUMS>:
// a release directory on a node is never rewritten, so two builds of one version never meet.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { tarArchive, type TarEntry } from './tar-writer'

export interface ReleasePackage {
  name: string
  platform: string
  /** The Node module ABIs this release has a raw-socket prebuild for (e.g. 108, 115, 127). */
  abis: string[]
  tarGz: Buffer
  sha256: string
  /** Bytes on disk once unpacked (for the free-space check). */
  unpackedBytes: number
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')

function bundleVersion(bundleDir: string): string {
  try {
    const v = (JSON.parse(readFileSync(join(bundleDir, 'release.json'), 'utf8')) as { version?: unknown }).version
    if (typeof v === 'string' && /^[0-9A-Za-z.+-]{1,40}$/.test(v)) return v
  } catch {
    /* an older bundle without release.json */
  }
  return '0.0.0'
}

const cache = new Map<string, ReleasePackage>()

/** The release for `platform` (linux-x64, linux-arm64) from the built bundle; built once per bundle build. */
export function releasePackage(bundleDir: string, platform: string): ReleasePackage {
  const agentPath = join(bundleDir, 'havip-agent.cjs')
  const prebuildDir = join(bundleDir, 'prebuilds', platform)
  if (!existsSync(agentPath)) throw new Error(`the agent bundle is missing (${agentPath}): run "npm run build:agent"`)
  if (!existsSync(prebuildDir)) throw new Error(`the agent bundle has no raw-socket prebuilds for ${platform} (${prebuildDir})`)
  const mtime = statSync(agentPath).mtimeMs
  const key = `${bundleDir}\0${platform}\0${mtime}`
  const hit = cache.get(key)
  if (hit) return hit

  const prebuilds = readdirSync(prebuildDir).filter((f) => f.endsWith('.node')).sort()
  const files: { name: string; mode: number; data: Buffer }[] = [
    { name: 'havip-agent.cjs', mode: 0o755, data: readFileSync(agentPath) },
    ...prebuilds.map((f) => ({ name: `prebuilds/${platform}/${f}`, mode: 0o644, data: readFileSync(join(prebuildDir, f)) }))
  ]
  const sums = files.map((f) => `${sha256(f.data)}  ${f.name}\n`).join('')
  const entries: TarEntry[] = [
    { name: 'prebuilds/', mode: 0o755 },
    { name: `prebuilds/${platform}/`, mode: 0o755 },
    ...files,
    { name: 'SHA256SUMS', mode: 0o644, data: Buffer.from(sums) }
  ]
  const tarGz = gzipSync(tarArchive(entries, mtime / 1000), { level: 9 })
  const pkg: ReleasePackage = {
    name: `${bundleVersion(bundleDir)}-${sha256(sums).slice(0, 12)}`,
    platform,
    abis: [...new Set(prebuilds.map((f) => /\.abi(\d+)\./.exec(f)?.[1]).filter((a): a is string => a !== undefined))].sort(),
    tarGz,
    sha256: sha256(tarGz),
    unpackedBytes: files.reduce((n, f) => n + f.data.length, sums.length)
  }
  for (const k of cache.keys()) if (!k.endsWith(`\0${mtime}`)) cache.delete(k) // only the newest build is worth keeping
  cache.set(key, pkg)
  return pkg
}
