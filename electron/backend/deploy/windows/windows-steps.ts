// The shared plumbing of the Windows deploy steps: a named script run that either gives its
// value or throws a DeployError naming the node, what failed, why and what to do; and the
// node's state as the 'deploy-inspect' script reads it.
import type { PowerShellRunner, ScriptParams } from '../../platform/windows/runner'
import type { WindowsScriptName } from '../../platform/windows/scripts'
import { DeployError } from '../layout'
import { parseCurrent, type WindowsCurrent } from './windows-layout'

export async function runStep<T>(ps: PowerShellRunner, what: string, name: WindowsScriptName, params: ScriptParams = {}): Promise<T> {
  const r = await ps.run<T>(name, params)
  if (r.ok) return r.value
  throw new DeployError({ node: ps.host, what, why: r.error.message.replace(/\.$/, ''), hint: r.error.hint })
}

export interface WindowsNodeState {
  releases: string[]
  current: WindowsCurrent | null
  /** The runtimes we uploaded (runtime\node-v<x.y.z>) and what their node.exe --version says ('unrunnable' when it would not run). */
  uploadedRuntimes: { dir: string; version: string }[]
  wrapperSha256: string | null
  /** A Node.js on the PATH that is not ours, with "vX.Y.Z/ABI" when it runs. */
  systemNode: { path: string; version: string | null; abi: string | null } | null
  service: { status: string; startType: string } | null
  clusterJson: string | null
  freeBytes: number | null
}

interface InspectResult {
  releases?: unknown
  current?: unknown
  uploadedRuntimes?: unknown
  wrapperSha256?: unknown
  systemNode?: unknown
  systemNodeVersion?: unknown
  service?: { status?: unknown; startType?: unknown } | null
  clusterJson?: unknown
  freeBytes?: unknown
}

/** A JSON array, or the one element ConvertTo-Json wrote without its array. */
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === null || v === undefined ? [] : [v])
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

export async function inspectWindowsNode(ps: PowerShellRunner): Promise<WindowsNodeState> {
  const v = (await runStep<InspectResult>(ps, 'Reading what HAVIP installed', 'deploy-inspect')) ?? {}
  const releases = list(v.releases).filter((x): x is string => typeof x === 'string')
  const nodePath = str(v.systemNode)
  const nv = /^(v\d+\.\d+\.\d+)\/(\d+)$/.exec(str(v.systemNodeVersion) ?? '')
  return {
    releases: releases.sort(),
    current: parseCurrent(str(v.current)),
    uploadedRuntimes: list(v.uploadedRuntimes).flatMap((r) => (r && typeof r === 'object' && typeof (r as { dir?: unknown }).dir === 'string' ? [{ dir: (r as { dir: string }).dir, version: String((r as { version?: unknown }).version ?? '') }] : [])),
    wrapperSha256: str(v.wrapperSha256),
    systemNode: nodePath ? { path: nodePath, version: nv?.[1] ?? null, abi: nv?.[2] ?? null } : null,
    service: v.service && typeof v.service === 'object' ? { status: String(v.service.status ?? ''), startType: String(v.service.startType ?? '') } : null,
    clusterJson: str(v.clusterJson),
    freeBytes: typeof v.freeBytes === 'number' ? v.freeBytes : null
  }
}
