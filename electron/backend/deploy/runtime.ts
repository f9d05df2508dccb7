// The Node.js runtime a node gets when it has no usable one: which archive (resources/runtime,
// made at build time by scripts/fetch-node-runtime.mjs), and the decision whether a node needs it.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { findResourceDir } from '../platform/resource-dir'
import type { NodeProbe } from './node-probe'

const ManifestSchema = z.object({
  schema: z.literal(1),
  nodeVersion: z.string(),
  abi: z.string(),
  archives: z.record(
    z.object({ file: z.string(), dir: z.string().regex(/^node-v\d+\.\d+\.\d+-linux-[a-z0-9]+$/), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number(), unpackedBytes: z.number() })
  )
})

export interface RuntimeArchive {
  /** Local path of the .tar.gz. */
  path: string
  /** Its top directory, which becomes /opt/havip/runtime/<dir>. */
  dir: string
  nodeVersion: string
  abi: string
  sha256: string
  bytes: number
  unpackedBytes: number
}

/** $HAVIP_RUNTIME_DIR, the packaged app's resources/runtime, or resources/runtime above this module (repo, out/main). */
export function findRuntimeDir(env: NodeJS.ProcessEnv = process.env, from = __dirname): string | undefined {
  return findResourceDir('runtime', 'manifest.json', env.HAVIP_RUNTIME_DIR, from)
}

/** The archive for `platform`, or why there is none (a sentence for the error). */
export function runtimeArchive(runtimeDir: string | undefined, platform: string): RuntimeArchive | { missing: string } {
  const rebuild = 'Run "npm run build:runtime" (part of "npm run build") to fetch and pack it.'
  if (!runtimeDir) return { missing: `this copy of HAVIP Manager has no Node.js runtime to upload (resources/runtime/manifest.json not found). ${rebuild}` }
  let m: z.infer<typeof ManifestSchema>
  try {
    m = ManifestSchema.parse(JSON.parse(readFileSync(join(runtimeDir, 'manifest.json'), 'utf8')))
  } catch (e) {
    return { missing: `${join(runtimeDir, 'manifest.json')} is unreadable (${(e as Error).message.slice(0, 200)}). ${rebuild}` }
  }
  const a = m.archives[platform]
  if (!a) return { missing: `there is no Node.js runtime for ${platform} in ${runtimeDir}. ${rebuild}` }
  const path = join(runtimeDir, a.file)
  if (!existsSync(path) || statSync(path).size !== a.bytes) return { missing: `${path} is missing or has the wrong size. ${rebuild}` }
  return { path, dir: a.dir, nodeVersion: m.nodeVersion, abi: m.abi, sha256: a.sha256, bytes: a.bytes, unpackedBytes: a.unpackedBytes }
}

export const MIN_NODE_MAJOR = 18
export const MAX_NODE_MAJOR = 22

/**
 * Whether the node's own Node.js can run the agent: a major version 18..22 (what the bundle
 * targets and the prebuilds cover) whose module ABI has a raw-socket prebuild in the release.
 * Returns the reason when it cannot (for the summary: "uploaded Node.js v22.23.5 because ...").
 */
export function systemNodeUsable(probe: NodeProbe, releaseAbis: readonly string[]): { ok: true; path: string; version: string } | { ok: false; why: string } {
  const n = probe.systemNode
  if (!n) return { ok: false, why: 'the node has no Node.js' }
  if (!n.version) return { ok: false, why: `${n.path} does not run` }
  const major = Number(/^v(\d+)\./.exec(n.version)?.[1])
  if (!(major >= MIN_NODE_MAJOR && major <= MAX_NODE_MAJOR)) return { ok: false, why: `its Node.js is ${n.version}, outside ${MIN_NODE_MAJOR}..${MAX_NODE_MAJOR}` }
  if (!n.abi || !releaseAbis.includes(n.abi)) return { ok: false, why: `no raw-socket build for its Node.js ${n.version} (module ABI ${n.abi ?? 'unknown'})` }
  return { ok: true, path: n.path, version: n.version }
}
