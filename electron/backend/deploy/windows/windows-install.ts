// installRelease and writeConfig on a Windows node. Every file goes through session.upload,
// which on Windows is SFTP to a temp name + the 'place-file' script (SHA-256 checked, then
// File.Replace): so the release, the runtime, the service definition and current.json each
// land whole or not at all. What is already there with the right checksum is not sent again.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClusterDefinition } from '../../../api/cluster'
import { parseJsonConfig } from '../../../../agent/config/json-config'
import { WINDOWS_CONTROL_PIPE } from '../../../../agent/config/model'
import type { PowerShellRunner } from '../../platform/windows/runner'
import type { SshSession } from '../../ssh/session'
import { AGENT_LOG, CONTROL_SOCKET, DeployError, mb } from '../layout'
import type { StepNote } from '../node-deployer'
import { releasePackage } from '../release'
import { MAX_NODE_MAJOR, MIN_NODE_MAJOR } from '../runtime'
import { inspectWindowsNode, runStep, type WindowsNodeState } from './windows-steps'
import {
  releaseDir,
  serviceXml,
  WIN_AGENT_JSON,
  WIN_CLUSTER_JSON,
  WIN_CURRENT,
  WIN_DATA,
  WIN_LOGS,
  WIN_PREBUILD_PLATFORM,
  WIN_SERVICE_XML,
  WIN_WRAPPER,
  runtimeDirName,
  runtimeNode,
  type WindowsCurrent
} from './windows-layout'
import { windowsRuntimeFiles, type PinnedFile } from './windows-runtime'

export interface WindowsInstallInputs {
  bundleDir: string
  runtimeDir: string | undefined
  now: () => string
}

const SID_SYSTEM = 'S-1-5-18'
const SID_ADMINISTRATORS = 'S-1-5-32-544'
/** Room kept free on C: beyond what is uploaded (the agent's logs, Windows itself). */
const SPARE_BYTES = 100e6

/** The release's files, SHA256SUMS last: a release folder with SHA256SUMS is complete. */
function releaseFiles(bundleDir: string): { name: string; abis: string[]; files: { rel: string; data: Buffer }[]; bytes: number } {
  const pkg = releasePackage(bundleDir, WIN_PREBUILD_PLATFORM)
  const pre = join(bundleDir, 'prebuilds', WIN_PREBUILD_PLATFORM)
  const files = [
    { rel: 'havip-agent.cjs', data: readFileSync(join(bundleDir, 'havip-agent.cjs')) },
    ...readdirSync(pre)
      .filter((f) => f.endsWith('.node'))
      .sort()
      .map((f) => ({ rel: `prebuilds\\${WIN_PREBUILD_PLATFORM}\\${f}`, data: readFileSync(join(pre, f)) }))
  ]
  const sums = files.map((f) => `${createHash('sha256').update(f.data).digest('hex')}  ${f.rel.replace(/\\/g, '/')}\n`).join('')
  files.push({ rel: 'SHA256SUMS', data: Buffer.from(sums) })
  return { name: pkg.name, abis: pkg.abis, files, bytes: files.reduce((n, f) => n + f.data.length, 0) }
}

/** The node's own Node.js when it can run the agent (major 18..22 with a win32-x64 prebuild for its ABI), else why not. */
function usableSystemNode(state: WindowsNodeState, abis: readonly string[]): { path: string; version: string } | { why: string } {
  const n = state.systemNode
  if (!n) return { why: 'the node has no Node.js on its PATH' }
  if (!n.version) return { why: `${n.path} does not run` }
  const major = Number(/^v(\d+)\./.exec(n.version)?.[1])
  if (!(major >= MIN_NODE_MAJOR && major <= MAX_NODE_MAJOR)) return { why: `its Node.js is ${n.version}, outside ${MIN_NODE_MAJOR}..${MAX_NODE_MAJOR}` }
  if (!n.abi || !abis.includes(n.abi)) return { why: `no raw-socket build for its Node.js ${n.version} (module ABI ${n.abi ?? 'unknown'})` }
  return { path: n.path, version: n.version }
}

function need<T extends object>(host: string, what: string, f: T | { missing: string }): T {
  if ('missing' in f) throw new DeployError({ node: host, what, why: f.missing, hint: 'Nothing was changed on the node.' })
  return f
}

function checkAcl(host: string, acl: { protected?: unknown; rules?: unknown } | undefined): void {
  const rules = (Array.isArray(acl?.rules) ? acl.rules : acl?.rules ? [acl.rules] : []) as { sid?: unknown; type?: unknown }[]
  const others = rules.filter((r) => r.sid !== SID_SYSTEM && r.sid !== SID_ADMINISTRATORS).map((r) => `${String(r.sid)} (${String(r.type)})`)
  const ok = acl?.protected === true && others.length === 0 && [SID_SYSTEM, SID_ADMINISTRATORS].every((sid) => rules.some((r) => r.sid === sid && r.type === 'Allow'))
  if (ok) return
  throw new DeployError({
    node: host,
    what: `Restricting ${WIN_DATA} to SYSTEM and Administrators`,
    why: `its ACL reads back ${acl?.protected === true ? 'protected' : 'still inheriting'}${others.length ? `, also granting ${others.join(', ')}` : ''}`,
    hint: `A policy may be rewriting it. As an administrator run: icacls "${WIN_DATA}" /inheritance:r /grant:r *${SID_SYSTEM}:(OI)(CI)F *${SID_ADMINISTRATORS}:(OI)(CI)F, then run the action again.`
  })
}

export async function installWindowsRelease(
  session: SshSession,
  ps: PowerShellRunner,
  note: StepNote,
  inputs: WindowsInstallInputs
): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
  const host = ps.host
  let rel: ReturnType<typeof releaseFiles>
  try {
    rel = releaseFiles(inputs.bundleDir)
  } catch (e) {
    throw new DeployError({ node: host, what: 'Installing the agent', why: (e as Error).message, hint: 'Run "npm run build:agent" (it fetches the win32-x64 prebuild), then run the action again.' })
  }
  const state = await inspectWindowsNode(ps)
  const files = windowsRuntimeFiles(inputs.runtimeDir)

  const sys = usableSystemNode(state, rel.abis)
  let runtime: 'system' | 'uploaded'
  let nodeExe: string
  let nodeUpload: PinnedFile | null = null
  let why = ''
  if ('path' in sys) {
    runtime = 'system'
    nodeExe = sys.path
  } else {
    runtime = 'uploaded'
    why = sys.why
    const pin = need(host, 'Installing Node.js', files.node)
    nodeExe = runtimeNode(pin.version)
    const there = state.uploadedRuntimes.find((r) => r.dir === runtimeDirName(pin.version))
    if (there?.version !== `v${pin.version}`) nodeUpload = pin
  }
  const wrapper = need(host, 'Installing the service wrapper', files.wrapper)
  const wrapperUpload = state.wrapperSha256 === wrapper.sha256 ? null : wrapper
  const releaseUpload = !state.releases.includes(rel.name)

  const bytes = (nodeUpload?.bytes ?? 0) + (wrapperUpload?.bytes ?? 0) + (releaseUpload ? rel.bytes : 0)
  if (state.freeBytes !== null && state.freeBytes < bytes + SPARE_BYTES) {
    throw new DeployError({ node: host, what: 'Installing the agent', why: `C: has ${mb(state.freeBytes)} free, and the install needs ${mb(bytes + SPARE_BYTES)}`, hint: 'Free some space on C:, then run the action again.' })
  }

  const prepared = await runStep<{ acl?: { protected?: unknown; rules?: unknown } }>(ps, 'Creating the HAVIP folders', 'deploy-prepare', { release: rel.name, runtime: nodeUpload ? runtimeDirName(nodeUpload.version) : null })
  checkAcl(host, prepared?.acl)

  const done: string[] = []
  if (nodeUpload) {
    note(`uploading Node.js ${nodeUpload.version} for win-x64 (${mb(nodeUpload.bytes)}) because ${why}`)
    await session.upload({ localPath: nodeUpload.path }, nodeExe, { onProgress: (d, t) => note(`uploading Node.js: ${mb(d)} of ${mb(t)}`) })
    done.push(`uploaded Node.js v${nodeUpload.version} because ${why}`)
  } else if (runtime === 'uploaded') done.push(`kept the Node.js ${nodeExe} uploaded before`)
  else done.push(`uses the node's Node.js ${'version' in sys ? sys.version : ''} (${nodeExe})`)

  if (releaseUpload) {
    note(`uploading agent release ${rel.name} (${rel.files.length} files)`)
    for (const f of rel.files) await session.upload(f.data, `${releaseDir(rel.name)}\\${f.rel}`)
    done.push(`installed release ${rel.name}`)
  } else done.push(`release ${rel.name} was already there`)

  if (wrapperUpload) {
    note(`uploading the service wrapper (WinSW ${wrapperUpload.version})`)
    await session.upload({ localPath: wrapperUpload.path }, WIN_WRAPPER)
  }

  const cur = state.current
  if (cur?.release !== rel.name || cur.node !== nodeExe) {
    // The service definition first, current.json last: current.json says what the service runs.
    await session.upload(Buffer.from(serviceXml(nodeExe, rel.name)), WIN_SERVICE_XML)
    const next: WindowsCurrent = { release: rel.name, node: nodeExe, runtime, installedAt: inputs.now() }
    await session.upload(Buffer.from(`${JSON.stringify(next, null, 2)}\r\n`), WIN_CURRENT)
    done.push(`switched the current release to ${rel.name}`)
  }
  return { runtime, summary: `${host}: ${done.join('; ')}` }
}

/**
 * agent.json as the cluster service derives it names the Linux layout's control socket and log
 * file; on a Windows node those are the named pipe and C:\ProgramData\HAVIP\logs\agent.log (the
 * deployer owns the layout). Anything else is left as given, for the agent's check to judge;
 * the text is unchanged when there is nothing to move.
 */
export function forWindowsLayout(agentConfigJson: string): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(agentConfigJson) as Record<string, unknown>
  } catch {
    return agentConfigJson
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return agentConfigJson
  let moved = false
  if (o.controlSocket === CONTROL_SOCKET) {
    o.controlSocket = WINDOWS_CONTROL_PIPE
    moved = true
  }
  if (o.logFile === AGENT_LOG) {
    o.logFile = `${WIN_LOGS}\\agent.log`
    moved = true
  }
  if (typeof o.comment === 'string') o.comment = o.comment.replace('/etc/havip/cluster.json', WIN_CLUSTER_JSON)
  return moved ? `${JSON.stringify(o, null, 2)}\n` : agentConfigJson
}

export async function writeWindowsConfig(session: SshSession, ps: PowerShellRunner, definition: ClusterDefinition, clusterAgentConfigJson: string): Promise<void> {
  const host = ps.host
  const agentConfigJson = forWindowsLayout(clusterAgentConfigJson)
  const refused = (why: string): DeployError =>
    new DeployError({
      node: host,
      what: 'Writing the agent config',
      why,
      hint: `Nothing was sent to the node: ${WIN_AGENT_JSON} and ${WIN_CLUSTER_JSON} there are as they were. Correct the role or node settings named above and run the action again.`
    })
  let errors: string[]
  try {
    errors = parseJsonConfig(agentConfigJson, { target: 'windows' })
      .issues.filter((i) => i.severity === 'error')
      .map((i) => i.message)
  } catch (e) {
    throw refused(`the agent config could not be read (${(e as Error).message})`)
  }
  if (errors.length > 0) throw refused(`the agent's config check (Windows rules) refused it: ${errors.slice(0, 5).join('; ')}`)
  const state = await inspectWindowsNode(ps)
  if (!state.current) {
    throw new DeployError({ node: host, what: 'Writing the agent config', why: 'no agent release is installed there', hint: 'Install the agent on this node first (the action does it), then run it again.' })
  }
  // agent.json first: cluster.json carries the generation, so it is the last word.
  await session.upload(Buffer.from(agentConfigJson), WIN_AGENT_JSON)
  await session.upload(Buffer.from(`${JSON.stringify(definition, null, 2)}\n`), WIN_CLUSTER_JSON)
}
