// The built agent bundle (resources/agent: havip-agent.cjs + raw-socket prebuilds), put on a
// node only for the length of one validation run: a private root-owned temp dir (0700) under
// /run, removed afterwards. Validation installs nothing permanently; Create Cluster deploys.
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { NodeFacts } from '../../../api/model'
import type { SshSession } from '../../ssh/session'

export const NODE_RUNTIME_NOTE = 'needs Node.js 18+ on the node; Create Cluster uploads a runtime'

/**
 * Where the bundle is: $HAVIP_AGENT_BUNDLE_DIR, the packaged app's resources/agent, or
 * resources/agent in the first directory above this module that has one (repo, out/main).
 */
export function findAgentBundleDir(env: NodeJS.ProcessEnv = process.env, from = __dirname): string | undefined {
  const candidates: string[] = []
  if (env.HAVIP_AGENT_BUNDLE_DIR) candidates.push(env.HAVIP_AGENT_BUNDLE_DIR)
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  if (resourcesPath) candidates.push(join(resourcesPath, 'agent'))
  for (let dir = from; ; dir = dirname(dir)) {
    candidates.push(join(dir, 'resources', 'agent'))
    if (dirname(dir) === dir) break
  }
  return candidates.find((c) => existsSync(join(c, 'havip-agent.cjs')))
}

/** Node's major version -> the N-API-free ABI raw-socket's prebuilds are named by (build-agent.mjs ships these). */
const ABI_OF_MAJOR: Record<number, string> = { 18: '108', 19: '111', 20: '115', 21: '120', 22: '127' }

export function nodeMajor(version: string | null): number | undefined {
  const m = /^v?(\d+)\./.exec(version ?? '')
  return m ? Number(m[1]) : undefined
}

/** Why the agent cannot run on this node, or undefined when it can. */
export function whyAgentCannotRun(facts: NodeFacts): string | undefined {
  if (facts.platform !== 'linux') return `the diagnostic agent runs on Linux nodes only (this node is ${facts.platform})`
  const major = nodeMajor(facts.nodeVersion)
  if (major === undefined) return `${facts.hostname || 'the node'} has no Node.js: this test ${NODE_RUNTIME_NOTE}`
  if (major < 18) return `${facts.hostname || 'the node'} has Node.js ${facts.nodeVersion}: this test ${NODE_RUNTIME_NOTE}`
  if (!prebuildPlatform(facts.arch)) return `no raw-socket build for CPU architecture ${facts.arch} (x86_64 and aarch64 are supported)`
  return undefined
}

export function prebuildPlatform(arch: string): string | undefined {
  return ({ x86_64: 'linux-x64', amd64: 'linux-x64', aarch64: 'linux-arm64', arm64: 'linux-arm64' } as Record<string, string>)[arch]
}

/** The files to upload for this node: the bundle, and the prebuild(s) its Node.js loads. */
export function bundleFiles(bundleDir: string, facts: NodeFacts): { local: string; remote: string }[] {
  const plat = prebuildPlatform(facts.arch)!
  const abi = ABI_OF_MAJOR[nodeMajor(facts.nodeVersion) ?? 0]
  const prebuilds = readdirSync(join(bundleDir, 'prebuilds', plat)).filter((f) => abi === undefined || f.includes(`.abi${abi}.`))
  return [
    { local: join(bundleDir, 'havip-agent.cjs'), remote: 'havip-agent.cjs' },
    ...prebuilds.map((f) => ({ local: join(bundleDir, 'prebuilds', plat, f), remote: `prebuilds/${plat}/${f}` }))
  ]
}

/**
 * Makes the private dir as root: /run/havip/validate-<tag>.XXXXXX where /run/havip exists (a
 * cluster node), else /run/validate-... . One constant script; the tag and the platform travel
 * as positional arguments ($1, $2), never spliced into the script text.
 */
const MAKE_DIR_SCRIPT = [
  'set -e',
  'base=/run/havip; [ -d "$base" ] || base=/run',
  'd=$(mktemp -d "$base/havip-validate-$1.XXXXXX")',
  'chmod 0700 "$d"',
  'mkdir -m 0700 -p "$d/prebuilds/$2"',
  'printf "%s\\n" "$d"'
].join('; ')

export const TEMP_DIR_PATTERN = /^\/run(\/havip)?\/havip-validate-[0-9a-f]{8}\.[A-Za-z0-9]{6}$/

export interface UploadedAgent {
  dir: string
  agent: string
}

export async function uploadAgent(session: SshSession, facts: NodeFacts, bundleDir: string, tag: string): Promise<UploadedAgent> {
  if (!/^[0-9a-f]{8}$/.test(tag)) throw new Error(`run tag "${tag}" must be 8 hex digits`)
  const plat = prebuildPlatform(facts.arch)!
  const made = await session.execOk(['sh', '-c', MAKE_DIR_SCRIPT, 'sh', tag, plat], { sudo: true, timeoutMs: 15_000 })
  const dir = made.stdout.trim()
  if (!TEMP_DIR_PATTERN.test(dir)) throw new Error(`making a private temp dir on the node gave "${dir.slice(0, 200)}" instead of /run/.../havip-validate-${tag}.XXXXXX`)
  try {
    for (const f of bundleFiles(bundleDir, facts)) {
      await session.upload({ localPath: f.local }, `${dir}/${f.remote}`, { sudo: true, mode: 0o600, timeoutMs: 60_000 })
    }
  } catch (err) {
    await removeAgent(session, dir)
    throw err
  }
  return { dir, agent: `${dir}/havip-agent.cjs` }
}

/** Removes the temp dir; only ever a path this module made (checked again here). Never throws. */
export async function removeAgent(session: SshSession, dir: string): Promise<string | undefined> {
  if (!TEMP_DIR_PATTERN.test(dir)) return `refused to remove "${dir}": not a validation temp dir`
  try {
    const r = await session.exec(['rm', '-rf', '--', dir], { sudo: true, timeoutMs: 15_000 })
    return r.code === 0 ? undefined : `rm -rf ${dir} exited ${r.code}: ${r.stderr.trim().slice(0, 300)}`
  } catch (err) {
    return `removing ${dir} failed: ${(err as Error).message}`
  }
}
