// Files root owns on a node, written so that nothing is ever half written: the new content goes
// to a temp file in the same directory (same file system), is checked, then renamed over the old
// one. Contents travel on stdin, never on a command line (cluster.json holds the VRRP password).
import type { ClusterDefinition } from '../../api/cluster'
import type { SshSession } from '../ssh/session'
import { AGENT, AGENT_JSON, CLUSTER_JSON, DeployError, ETC, INSTALL_JSON, NODE_LINK } from './layout'
import { nodeOf, rootScript, runRoot, scriptFailure } from './remote-run'
import type { InstallRecord } from './install-record'
import { parseJsonConfig } from '../../../agent/config/json-config'
import { NOTIFY_HOOKS } from '../../../agent/config/model'

/**
 * stdin: cluster.json and agent.json, base64, one per line (sh's `read` takes a line without
 * reading past it; base64 keeps each file on one line). With $6 = yes, agent.json is checked by
 * the NEW release's own `check-config` first (see needsNodeCheck); only then are both renamed
 * into place, agent.json first (cluster.json carries the generation, so it is the last word).
 * On any failure the old files stay.
 *   $1 etc dir  $2 cluster.json  $3 agent.json  $4 node  $5 agent  $6 node check (yes|no)
 * Exit codes: 20 no release installed, 21 the config is refused (check-config's JSON on stdout).
 */
const WRITE_CONFIG = rootScript('write-config', [
  'etc=$1; cj=$2; aj=$3; node=$4; agent=$5; check=$6',
  'umask 077',
  'if [ ! -x "$node" ] || [ ! -f "$agent" ]; then echo "no agent release is installed ($agent)" >&2; exit 20; fi',
  'mkdir -p "$etc"; chmod 0755 "$etc"',
  'IFS= read -r c; IFS= read -r a',
  'tc=; ta=',
  `trap 'rm -f -- "$tc" "$ta"' EXIT`,
  "trap 'exit 1' HUP INT TERM PIPE",
  'tc=$(mktemp "$cj.XXXXXX"); ta=$(mktemp "$aj.XXXXXX")',
  'printf "%s" "$c" | base64 -d > "$tc"',
  'printf "%s" "$a" | base64 -d > "$ta"',
  'if [ "$check" = yes ] && ! out=$(timeout 60 "$node" "$agent" check-config --config "$ta" --json 2>&1); then printf "%s\\n" "$out"; exit 21; fi',
  'chmod 0600 "$tc" "$ta"',
  'mv -f -- "$ta" "$aj"; ta=',
  'mv -f -- "$tc" "$cj"; tc='
])

/**
 * The agent config checked here, by the agent's own parser and validator (agent/config, the code
 * the bundle on the node is built from): the same verdict `check-config` gives on the node,
 * without starting Node.js there (on a node shared by several, each start costs a CPU second).
 * `nodeCheck`: whether the node must check it too: only what depends on the node itself
 * (agent/config/host-checks.ts: track scripts and notify hooks run there, as a user there).
 * The control socket path, the other host check, is checked again by the agent at start.
 */
export function checkAgentConfig(agentConfigJson: string): { errors: string[]; nodeCheck: boolean } {
  const res = parseJsonConfig(agentConfigJson)
  const errors = res.issues.filter((i) => i.severity === 'error').map((i) => i.message)
  if (!res.config) return { errors: errors.length > 0 ? errors : ['the config could not be read'], nodeCheck: false }
  const tracked = res.config.instances.some((i) => i.trackScripts.length > 0)
  const hooks = res.config.instances.some((i) => NOTIFY_HOOKS.some((h) => i.notify[h] !== undefined))
  return { errors, nodeCheck: tracked || hooks }
}

interface CheckConfigOutput {
  valid?: boolean
  issues?: { severity?: string; message?: string }[]
}

function refusedConfigReasons(stdout: string): string {
  try {
    const o = JSON.parse(stdout.trim().split('\n').pop() ?? '') as CheckConfigOutput
    const errors = (o.issues ?? []).filter((i) => i.severity === 'error').map((i) => i.message ?? '')
    if (errors.length > 0) return errors.slice(0, 5).join('; ')
  } catch {
    /* not check-config's JSON: quote what it said */
  }
  return stdout.trim().slice(-500) || 'check-config gave no reason'
}

/** Where writeConfigFiles puts things (a parameter only so tests can run the script under a temp dir). */
export interface ConfigPaths {
  etc: string
  clusterJson: string
  agentJson: string
  node: string
  agent: string
}

export const CONFIG_PATHS: ConfigPaths = { etc: ETC, clusterJson: CLUSTER_JSON, agentJson: AGENT_JSON, node: NODE_LINK, agent: AGENT }

export async function writeConfigFiles(session: SshSession, definition: ClusterDefinition, agentConfigJson: string, paths: ConfigPaths = CONFIG_PATHS): Promise<void> {
  const node = nodeOf(session)
  try {
    JSON.parse(agentConfigJson)
  } catch (e) {
    throw new DeployError({ node, what: 'Writing the agent config', why: `the agent config is not JSON (${(e as Error).message})`, hint: 'This is a bug in HAVIP Manager: report it with the cluster export.' })
  }
  const checked = checkAgentConfig(agentConfigJson)
  if (checked.errors.length > 0) {
    throw new DeployError({
      node,
      what: 'Writing the agent config',
      why: `the agent's config check refused it: ${checked.errors.slice(0, 5).join('; ')}`,
      hint: `Nothing was sent to the node: ${paths.agentJson} and ${paths.clusterJson} there are as they were. Correct the role or node settings named above and run the action again.`
    })
  }
  const stdin = `${Buffer.from(JSON.stringify(definition, null, 2) + '\n').toString('base64')}\n${Buffer.from(agentConfigJson).toString('base64')}\n`
  const r = await runRoot(session, WRITE_CONFIG, [paths.etc, paths.clusterJson, paths.agentJson, paths.node, paths.agent, checked.nodeCheck ? 'yes' : 'no'], { stdin, timeoutMs: 90_000 })
  if (r.code === 0) return
  if (r.code === 21) {
    throw new DeployError({
      node,
      what: 'Writing the agent config',
      why: `the agent on the node refused it: ${refusedConfigReasons(r.stdout)}`,
      hint: `The old ${paths.agentJson} and ${paths.clusterJson} were left as they were. Correct the role or node settings named above and run the action again.`
    })
  }
  throw scriptFailure(session, 'Writing the cluster and agent config', r, {
    20: { why: 'no agent release is installed on the node', hint: 'Install the release first (Create Cluster and Add Node do), then write the config.' }
  })
}

/** $1 path; stdin the content. Temp file beside it, mode $2, renamed over it. */
const WRITE_FILE = rootScript('write-file', [
  'dst=$1; mode=$2; t=',
  'mkdir -p "${dst%/*}"',
  `trap 'rm -f -- "$t"' EXIT`,
  "trap 'exit 1' HUP INT TERM PIPE",
  't=$(mktemp "$dst.XXXXXX")',
  'cat > "$t"',
  'chmod "$mode" "$t"',
  'mv -f -- "$t" "$dst"; t='
])

export async function writeRootFile(session: SshSession, path: string, mode: string, content: string): Promise<void> {
  const r = await runRoot(session, WRITE_FILE, [path, mode], { stdin: content, timeoutMs: 30_000 })
  if (r.code !== 0) throw scriptFailure(session, `Writing ${path}`, r)
}

export function installRecordText(rec: InstallRecord): string {
  return JSON.stringify(rec, null, 2) + '\n'
}

export function writeInstallRecord(session: SshSession, rec: InstallRecord): Promise<void> {
  return writeRootFile(session, INSTALL_JSON, '0644', installRecordText(rec))
}
