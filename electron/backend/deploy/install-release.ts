// installRelease: the agent release (and a Node.js runtime when the node has no usable one) put
// on a node, planned from what is there (node-probe.ts), so a rerun uploads only what is
// missing and a release already in place costs one read. Uploads land in /opt/havip/.staging
// (checked by SHA-256 on arrival); one root script then unpacks, verifies, and switches the
// links atomically (ln -s to a temp name, mv -T over the link).
import type { NodeFacts } from '../../api/model'
import type { SshSession } from '../ssh/session'
import type { StepNote } from './node-deployer'
import { CURRENT, DeployError, ETC, INSTALL_JSON, LOG_DIR, mb, NODE_LINK, OPT, RELEASES, RUN_DIR, RUNTIMES, STAGING } from './layout'
import { readable, type InstallRecord } from './install-record'
import { currentRelease, probeNode, type NodeProbe } from './node-probe'
import { nodeOf, rootScript, runRoot, scriptFailure } from './remote-run'
import { releasePackage, type ReleasePackage } from './release'
import { installRecordText } from './root-files'
import { prebuildPlatform } from '../validation/groups/vrrp-bundle'
import { runtimeArchive, systemNodeUsable, type RuntimeArchive } from './runtime'

export interface InstallPlan {
  release: ReleasePackage
  uploadRelease: boolean
  runtime:
    | { kind: 'system'; path: string; version: string }
    | { kind: 'uploaded'; archive: RuntimeArchive; upload: boolean; why: string }
  /** What /opt/havip/node will point to. */
  nodeTarget: string
  /** Bytes needed under /opt (archives + unpacked + margin) and, through sudo, in /tmp (staging). */
  needOptBytes: number
  needTmpBytes: number
  /** Nothing to do: the release, the link and install.json are already as planned. */
  upToDate: boolean
}

const MARGIN = 16 * 1024 * 1024

export function planInstall(probe: NodeProbe, release: ReleasePackage, runtime: RuntimeArchive | { missing: string }, node: string, now: string): { plan: InstallPlan; record: InstallRecord } {
  const uploadRelease = !probe.releases.includes(release.name)
  const system = systemNodeUsable(probe, release.abis)
  let rt: InstallPlan['runtime']
  let nodeTarget: string
  if (system.ok) {
    rt = { kind: 'system', path: system.path, version: system.version }
    nodeTarget = system.path
  } else {
    if ('missing' in runtime) {
      throw new DeployError({
        node,
        what: 'Installing the agent',
        why: `${system.why}, and no Node.js runtime can be uploaded: ${runtime.missing}`,
        hint: 'Install Node.js 18..22 on the node, or use a build of HAVIP Manager that includes the runtime.'
      })
    }
    rt = { kind: 'uploaded', archive: runtime, upload: !probe.runtimes.includes(runtime.dir), why: system.why }
    nodeTarget = `${RUNTIMES}/${runtime.dir}/bin/node`
  }
  const uploads = [uploadRelease ? release.tarGz.length : 0, rt.kind === 'uploaded' && rt.upload ? rt.archive.bytes : 0]
  const unpacked = (uploadRelease ? release.unpackedBytes : 0) + (rt.kind === 'uploaded' && rt.upload ? rt.archive.unpackedBytes : 0)
  const any = uploads.some((b) => b > 0)
  const old = readable(probe.install)
  const record: InstallRecord = {
    schema: 1,
    release: release.name,
    runtime: rt.kind === 'system' ? { kind: 'system', path: rt.path, version: rt.version } : { kind: 'uploaded', dir: rt.archive.dir, version: rt.archive.nodeVersion },
    before: old?.before ?? { nodePath: probe.systemNode?.path ?? null, nodeVersion: probe.systemNode?.version ?? null },
    service: old?.service ?? null,
    installedAt: old?.installedAt ?? now,
    updatedAt: now
  }
  const sameRecord = old !== null && JSON.stringify({ ...old, updatedAt: '' }) === JSON.stringify({ ...record, updatedAt: '' })
  return {
    plan: {
      release,
      uploadRelease,
      runtime: rt,
      nodeTarget,
      needOptBytes: any ? uploads[0]! + uploads[1]! + unpacked + MARGIN : 0,
      needTmpBytes: any ? Math.max(...uploads) + MARGIN : 0,
      upToDate: !any && currentRelease(probe) === release.name && probe.nodeLink === nodeTarget && sameRecord
    },
    record
  }
}

/** A full disk found before anything is uploaded: which path, how much is needed, how much is free. */
export function spaceProblem(node: string, plan: InstallPlan, probe: NodeProbe, stagedInTmp: boolean): DeployError | undefined {
  const what = plan.runtime.kind === 'uploaded' && plan.runtime.upload ? 'the Node.js runtime and the agent release' : 'the agent release'
  const short = (path: string, need: number, free: number | null): DeployError | undefined =>
    free !== null && free < need
      ? new DeployError({
          node,
          what: 'Installing the agent',
          why: `not enough disk space in ${path}: ${what} need ${mb(need)}, ${mb(free)} are free`,
          hint: `Free at least ${mb(need - free)} in ${path} on ${node} (or grow that file system), then run the action again. Nothing was uploaded.`
        })
      : undefined
  return short(OPT, plan.needOptBytes, probe.optFreeBytes) ?? (stagedInTmp ? short('/tmp', plan.needTmpBytes, probe.tmpFreeBytes) : undefined)
}

/** Empties (creates) the root-only staging dir, removing what a cut run left there. */
const PREPARE = rootScript('prepare', [
  'opt=$1; st=$2',
  'mkdir -p "$opt"; chmod 0755 "$opt"',
  'rm -rf -- "$st"; mkdir -m 0700 "$st"'
])

/**
 * $1 release name  $2 runtime dir ('' = the node's own Node.js)  $3 what /opt/havip/node points to
 * $4 the runtime's expected `node --version`  $5 install.json (base64)
 * Unpacks what was staged into a temp dir beside its final place, verifies it (SHA256SUMS; the
 * runtime's node must run and say its version), renames it into place, checks the agent starts
 * with the chosen Node.js, then switches /opt/havip/node and /opt/havip/current (each: symlink
 * to a temp name, mv -T over the old link: rename(2), atomic), keeps the previous release for a
 * rollback and removes older ones and unused runtimes, and records install.json.
 */
const ACTIVATE = rootScript('activate', [
  `opt=${OPT}; st=${STAGING}; rels=${RELEASES}; rts=${RUNTIMES}`,
  'rel=$1; rt=$2; nodebin=$3; want=$4; inst=$5',
  'case "$rel" in ""|.*|*/*) echo "bad release name" >&2; exit 2;; esac',
  'case "$rt" in .*|*/*) echo "bad runtime name" >&2; exit 2;; esac',
  'tmp=',
  `trap 'if [ -n "$tmp" ]; then rm -rf -- "$tmp"; fi' EXIT`,
  "trap 'exit 1' HUP INT TERM PIPE",
  'mkdir -p "$rels" "$rts"',
  'for d in "$rels"/.[!.]* "$rts"/.[!.]*; do if [ -e "$d" ]; then rm -rf -- "$d"; fi; done',
  'if [ ! -d "$rels/$rel" ]; then',
  '  [ -f "$st/release-$rel.tar.gz" ] || { echo "the release archive is not on the node" >&2; exit 10; }',
  '  tmp=$(mktemp -d "$rels/.$rel.XXXXXX")',
  '  tar -xzf "$st/release-$rel.tar.gz" -C "$tmp" >&2 || exit 11',
  '  ( cd "$tmp" && sha256sum -c --quiet SHA256SUMS ) >&2 || exit 12',
  '  chmod 0755 "$tmp"; mv -T -- "$tmp" "$rels/$rel"; tmp=',
  'fi',
  'rm -f -- "$st/release-$rel.tar.gz"',
  'if [ -n "$rt" ] && [ ! -x "$rts/$rt/bin/node" ]; then',
  '  [ -f "$st/$rt.tar.gz" ] || { echo "the runtime archive is not on the node" >&2; exit 13; }',
  '  tmp=$(mktemp -d "$rts/.$rt.XXXXXX")',
  '  tar -xzf "$st/$rt.tar.gz" -C "$tmp" >&2 || exit 11',
  '  got=$(timeout 30 "$tmp/$rt/bin/node" --version 2>&1) || { printf "%s\\n" "$got" >&2; exit 14; }',
  '  [ "$got" = "$want" ] || { echo "the uploaded runtime says $got, expected $want" >&2; exit 14; }',
  '  chmod 0755 "$tmp/$rt"; mv -T -- "$tmp/$rt" "$rts/$rt"; rm -rf -- "$tmp"; tmp=',
  'fi',
  'if [ -n "$rt" ]; then rm -f -- "$st/$rt.tar.gz"; fi',
  'out=$(timeout 30 "$nodebin" "$rels/$rel/havip-agent.cjs" version 2>&1) || { printf "the agent does not run with %s: %s\\n" "$nodebin" "$out" >&2; exit 15; }',
  'rm -f -- "$opt/.node.new"; ln -s -- "$nodebin" "$opt/.node.new"; mv -T -- "$opt/.node.new" "$opt/node"',
  'prev=$(readlink "$opt/current" 2>/dev/null || true); prev=${prev##*/}',
  'rm -f -- "$opt/.current.new"; ln -s -- "releases/$rel" "$opt/.current.new"; mv -T -- "$opt/.current.new" "$opt/current"',
  'for d in "$rels"/*/; do d=${d%/}; n=${d##*/}; if [ -d "$d" ] && [ "$n" != "$rel" ] && [ "$n" != "$prev" ]; then rm -rf -- "$d"; fi; done',
  'for d in "$rts"/*/; do d=${d%/}; n=${d##*/}; if [ -d "$d" ] && [ "$n" != "$rt" ]; then rm -rf -- "$d"; fi; done',
  'rmdir -- "$st" 2>/dev/null || true',
  `mkdir -p ${ETC} ${LOG_DIR} ${RUN_DIR}; chmod 0755 ${ETC}`,
  `t=$(mktemp "${INSTALL_JSON}.XXXXXX"); tmp=$t`,
  'printf "%s" "$inst" | base64 -d > "$t"; chmod 0644 "$t"',
  `mv -f -- "$t" ${INSTALL_JSON}; tmp=`
])

const ACTIVATE_FAILURES: Record<number, { why: string; hint: string }> = {
  10: { why: 'the uploaded release archive was gone before it could be unpacked', hint: 'Run the action again: it uploads the release again.' },
  11: { why: 'unpacking failed (a full disk, or a damaged archive)', hint: `Check the free space in ${OPT} on the node, then run the action again; the previous release is still in use.` },
  12: { why: 'a file of the release does not match its SHA-256 after unpacking', hint: 'Run the action again; if it keeps failing, check the node\'s disk and memory.' },
  13: { why: 'the uploaded runtime archive was gone before it could be unpacked', hint: 'Run the action again: it uploads the runtime again.' },
  14: { why: 'the uploaded Node.js runtime does not run on this node', hint: 'Check that the node\'s CPU architecture and C library (glibc 2.28 or newer) suit Node.js 22, or install Node.js 18..22 on the node yourself and run the action again.' },
  15: { why: 'the agent does not start with the chosen Node.js', hint: 'See the error shown; install Node.js 18..22 on the node (or remove the broken one so the runtime is uploaded) and run the action again.' }
}

export interface InstallContext {
  bundleDir: string
  runtimeDir: string | undefined
  now: () => string
}

function progressNote(note: StepNote, what: string): (done: number, total: number) => void {
  let last = -1
  return (done, total) => {
    const step = Math.floor((done / Math.max(total, 1)) * 10)
    if (step === last && done !== total) return
    last = step
    note(`uploading ${what}: ${mb(done)} of ${mb(total)}`)
  }
}

export async function installRelease(
  session: SshSession,
  facts: NodeFacts,
  note: StepNote,
  ctx: InstallContext
): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
  const node = nodeOf(session)
  const probe = await probeNode(session)
  const platform = prebuildPlatform(probe.arch || facts.arch)
  if (!platform) {
    throw new DeployError({ node, what: 'Installing the agent', why: `its CPU architecture ${probe.arch || facts.arch} is not supported`, hint: 'HAVIP runs on x86_64 and aarch64 Linux nodes; choose another node.' })
  }
  const release = releasePackage(ctx.bundleDir, platform)
  const { plan, record } = planInstall(probe, release, runtimeArchive(ctx.runtimeDir, platform), node, ctx.now())
  const runtimeWords =
    plan.runtime.kind === 'system'
      ? `the node's own Node.js ${plan.runtime.version} (${plan.runtime.path})`
      : `Node.js ${plan.runtime.archive.nodeVersion} uploaded by HAVIP (${plan.runtime.why})`
  if (plan.upToDate) {
    return { runtime: plan.runtime.kind, summary: `release ${release.name} already installed and current; runs with ${runtimeWords}` }
  }
  const stagedInTmp = session.target.username !== 'root'
  const full = spaceProblem(node, plan, probe, stagedInTmp)
  if (full) throw full

  const uploads: string[] = []
  if (plan.uploadRelease || (plan.runtime.kind === 'uploaded' && plan.runtime.upload)) {
    const prep = await runRoot(session, PREPARE, [OPT, STAGING], { timeoutMs: 30_000 })
    if (prep.code !== 0) throw scriptFailure(session, 'Preparing the upload', prep)
  }
  if (plan.runtime.kind === 'uploaded' && plan.runtime.upload) {
    const a = plan.runtime.archive
    note(`uploading Node.js ${a.nodeVersion} (${mb(a.bytes)}): ${plan.runtime.why}`)
    await session.upload({ localPath: a.path }, `${STAGING}/${a.dir}.tar.gz`, {
      sudo: true,
      mode: 0o600,
      timeoutMs: 15 * 60_000,
      onProgress: progressNote(note, `Node.js ${a.nodeVersion}`)
    })
    uploads.push(`Node.js ${a.nodeVersion} (${mb(a.bytes)})`)
  }
  if (plan.uploadRelease) {
    note(`uploading agent release ${release.name} (${mb(release.tarGz.length)})`)
    await session.upload(release.tarGz, `${STAGING}/release-${release.name}.tar.gz`, { sudo: true, mode: 0o600, timeoutMs: 5 * 60_000 })
    uploads.push(`release ${release.name} (${mb(release.tarGz.length)})`)
  }
  note(plan.runtime.kind === 'uploaded' && plan.runtime.upload ? 'unpacking and checking the Node.js runtime and the release' : 'switching to the release')
  const rt = plan.runtime.kind === 'uploaded' ? plan.runtime.archive : undefined
  const r = await runRoot(
    session,
    ACTIVATE,
    [release.name, rt?.dir ?? '', plan.nodeTarget, rt?.nodeVersion ?? '', Buffer.from(installRecordText(record)).toString('base64')],
    { timeoutMs: 180_000 }
  )
  if (r.code !== 0) throw scriptFailure(session, `Installing agent release ${release.name}`, r, ACTIVATE_FAILURES)
  const did = uploads.length > 0 ? `uploaded ${uploads.join(' and ')}` : 'nothing to upload'
  return {
    runtime: plan.runtime.kind,
    summary: `release ${release.name} installed as ${CURRENT} (${did}); runs with ${runtimeWords} via ${NODE_LINK}`
  }
}
