// The built agent bundle (resources/agent: havip-agent.cjs + raw-socket prebuilds), put on a
// node only for the length of one validation run: a private root-owned temp dir (0700) under
// /run, removed afterwards. Validation installs nothing permanently; Create Cluster deploys.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { NodeFacts } from '../../../api/model'
import type { SshSession } from '../../ssh/session'
import { findResourceDir } from '../../platform/resource-dir'

export const NODE_RUNTIME_NOTE = 'needs Node.js 18+ on the node; Create Cluster uploads a runtime'

/**
 * Where the bundle is: $HAVIP_AGENT_BUNDLE_DIR, the packaged app's resources/agent, or
 * resources/agent in the first directory above this module that has one (repo, out/main).
 */
export function findAgentBundleDir(env: NodeJS.ProcessEnv = process.env, from = __dirname): string | undefined {
  return findResourceDir('agent', 'havip-agent.cjs', env.HAVIP_AGENT_BUNDLE_DIR, from)
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
 * Root's half of the upload, in one sudo call (each sudo costs a password round on nodes with
 * timestamp_timeout=0): make /run/havip/havip-validate-<tag>.XXXXXX (or under /run where
 * /run/havip does not exist) 0700, copy each staged file in as 0600, check its SHA-256 where it
 * landed, remove the staging dir; on any failure remove the new dir too. One constant script:
 * every value travels as a positional argument, never spliced into the script text.
 *   $1 tag  $2 platform dir  $3 staging dir  then triples: staged name, destination, sha256
 */
const INSTALL_SCRIPT = [
  'set -eu; umask 077',
  'tag=$1; plat=$2; stage=$3; shift 3; d=',
  'trap \'rc=$?; rm -rf "$stage"; if [ $rc -ne 0 ] && [ -n "$d" ]; then rm -rf "$d"; fi\' EXIT',
  'base=/run/havip; [ -d "$base" ] || base=/run',
  'd=$(mktemp -d "$base/havip-validate-$tag.XXXXXX")',
  'chmod 0700 "$d"; mkdir -m 0700 -p "$d/prebuilds/$plat"',
  'while [ $# -ge 3 ]; do',
  '  install -m 0600 "$stage/$1" "$d/$2"',
  '  got=$(sha256sum "$d/$2" | cut -d " " -f 1)',
  '  if [ "$got" != "$3" ]; then echo "$2 arrived damaged (sha256 $got, sent $3)" >&2; exit 3; fi',
  '  shift 3',
  'done',
  'printf "%s\\n" "$d"'
].join('\n')

/**
 * Runs the command ($2...) and then removes the temp dir ($1) whatever the command did, also
 * when the exec's timeout stops the process group with TERM (the trap runs once the scan exits).
 */
const RUN_THEN_REMOVE_SCRIPT = 'dir=$1; shift; trap \'rm -rf -- "$dir"; exit 143\' HUP INT TERM; "$@"; rc=$?; rm -rf -- "$dir"; exit $rc'

export const TEMP_DIR_PATTERN = /^\/run(\/havip)?\/havip-validate-[0-9a-f]{8}\.[A-Za-z0-9]{6}$/
const STAGE_PATTERN = /^\/tmp\/havip-stage\.[A-Za-z0-9]{8}$/

export interface UploadedAgent {
  dir: string
  agent: string
}

/**
 * Puts the bundle in a root-only temp dir: staged by SFTP as the login user in a private (0700)
 * mktemp dir, then copied in and checked by root in one call.
 */
export async function uploadAgent(session: SshSession, facts: NodeFacts, bundleDir: string, tag: string): Promise<UploadedAgent> {
  if (!/^[0-9a-f]{8}$/.test(tag)) throw new Error(`run tag "${tag}" must be 8 hex digits`)
  const plat = prebuildPlatform(facts.arch)!
  const staged = await session.execOk(['mktemp', '-d', '/tmp/havip-stage.XXXXXXXX'], { timeoutMs: 15_000 })
  const stage = staged.stdout.trim()
  if (!STAGE_PATTERN.test(stage)) throw new Error(`mktemp on the node gave "${stage.slice(0, 200)}" instead of /tmp/havip-stage.XXXXXXXX`)
  const triples: string[] = []
  try {
    for (const [i, f] of bundleFiles(bundleDir, facts).entries()) {
      const { sha256 } = await session.upload({ localPath: f.local }, `${stage}/${i}`, { mode: 0o600, timeoutMs: 60_000 })
      triples.push(String(i), f.remote, sha256)
    }
  } catch (err) {
    await session.exec(['rm', '-rf', '--', stage], { timeoutMs: 15_000 }).catch(() => undefined)
    throw err
  }
  const made = await session.execOk(['sh', '-c', INSTALL_SCRIPT, 'sh', tag, plat, stage, ...triples], { sudo: true, timeoutMs: 30_000 })
    .catch(async (err: unknown) => {
      // sudo refused (the script never ran): the staging dir is still the login user's to remove.
      await session.exec(['rm', '-rf', '--', stage], { timeoutMs: 15_000 }).catch(() => undefined)
      throw err
    })
  const dir = made.stdout.trim()
  if (!TEMP_DIR_PATTERN.test(dir)) throw new Error(`making a private temp dir on the node gave "${dir.slice(0, 200)}" instead of /run/.../havip-validate-${tag}.XXXXXX`)
  return { dir, agent: `${dir}/havip-agent.cjs` }
}

/** argv that runs `argv` as root and removes the temp dir right after, in the same call. */
export function runThenRemove(u: UploadedAgent, argv: string[]): string[] {
  if (!TEMP_DIR_PATTERN.test(u.dir)) throw new Error(`refusing to run from "${u.dir}": not a validation temp dir`)
  return ['sh', '-c', RUN_THEN_REMOVE_SCRIPT, 'sh', u.dir, ...argv]
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
