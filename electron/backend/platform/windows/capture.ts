// Capture mode: run every named script against a real Windows node and record each run as a
// fixture in the replay format, its source naming the node, its edition and build, and the
// date. The scripts that change the node run only when asked, with fixed, harmless parameters.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseCurrent, releaseAgent } from '../../deploy/windows/windows-layout'
import { captureSource, fixturePath, formatFixture, loadFixtureDir, renderFixtureIndex, type WindowsFixture } from './fixtures'
import type { RawPowerShellRunner, ScriptParams } from './runner'
import { interpretRun, type RawRun } from './script-result'
import type { PowerShellStreamer } from './script-stream'
import { streamMaxSeconds } from './agent-scripts'
import { WINDOWS_SCRIPTS, type WindowsScriptName } from './scripts'

/** The bounds the console gives its streams on a node (streamMaxSeconds of node-feed's 1 h and node-prober's 24 h run limits). */
export const CONSOLE_FEED_MAX_SECONDS = streamMaxSeconds(3600_000)
export const CONSOLE_PROBE_MAX_SECONDS = streamMaxSeconds(24 * 3600_000)

/** Parameters for the scripts that change the node: a rule only the capture makes, for a documentation address. */
export const CAPTURE_PARAMS: Partial<Record<WindowsScriptName, ScriptParams>> = {
  'vrrp-firewall-rule': { name: 'HAVIP-VRRP-capture', displayName: 'HAVIP VRRP (fixture capture; safe to remove)', peers: ['203.0.113.1'] },
  'run-argv': { argv: ['hostname.exe'] },
  // A path that is not there: the run records the "nothing to remove" answer and changes nothing.
  'remove-file': { path: 'C:\\Windows\\Temp\\havip-capture-absent.tmp' },
  // The live console's scripts, with the parameters the console sends (so the recordings replay
  // for it; a unit test compares): a read-only ctl command (capture never takes over, pauses or
  // releases), and the feed with the default period, stopped after CAPTURE_STREAM_MS.
  'agent-ctl': { args: ['status', '--json'] },
  'agent-feed': { periodSeconds: 5, maxSeconds: CONSOLE_FEED_MAX_SECONDS }
}

/** Scripts run with CAPTURE_PARAMS even without --with-changes: their parameters only read. */
const READ_ONLY_WITH_CAPTURE_PARAMS = new Set<WindowsScriptName>(['agent-ctl'])

/** How long a streaming script is recorded before capture stops it (ms). */
export const CAPTURE_STREAM_MS: Partial<Record<WindowsScriptName, number>> = { 'agent-feed': 12_000, 'agent-probe': 3000 }

/** Scripts that only make sense inside a larger step, with why capture mode leaves them out. */
const NOT_CAPTURED: Partial<Record<WindowsScriptName, string>> = {
  'place-file': 'it finishes an SFTP upload; capture it from a real upload (docs/windows-test-plan.md)',
  // Deploy steps: they install, start or remove the agent, so they are captured from a deploy of a test cluster, never run blind.
  'deploy-prepare': 'a deploy step (it creates the HAVIP folders and ACL); capture it from a deploy (docs/windows-test-plan.md)',
  'deploy-service': 'a deploy step (it installs, starts or stops the agent service); capture it from a deploy (docs/windows-test-plan.md)',
  'deploy-remove': 'a deploy step (it removes HAVIP from the node); capture it from a Remove (docs/windows-test-plan.md)'
}

export interface CaptureOptions {
  /** The name the fixtures get as their case ('captured-<build>' when not given). */
  caseName?: string
  /** Also run the scripts that change the node (changesNode). */
  withChanges: boolean
  /** A VIP candidate for 'vip-check' (it pings it once); without one that script is skipped. */
  vip?: string
  /** An address for 'agent-probe' to probe for 3 s (a running cluster's VIP); without one that script is skipped. */
  probeTarget?: string
  /**
   * The node runs HAVIP's agent (a cluster made in part B of the test plan): also record the
   * agent's replies through 'run-argv' with the node.exe and release its current.json names:
   * `ctl status --json` (case <case>-agent-status) and, with `vip`, `probe VIP --count 3`
   * (<case>-agent-probe), as Create Cluster runs them. Both only read.
   */
  agent?: boolean
  date: Date
  log?: (line: string) => void
}

/** Lower-case fixture case name from free text ("WIN 2022" → "win-2022"). */
export function caseNameOf(text: string): string {
  const c = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
  return c || 'captured'
}

/** Run the scripts and return their fixtures (nothing is written). */
/**
 * Records a streaming script: its output as it comes, for CAPTURE_STREAM_MS, then stopped (the
 * recording then has no closing document, as a stream the app stops has none); one that ends
 * sooner by itself is recorded whole with its exit code.
 */
async function captureStream(runner: PowerShellStreamer, name: WindowsScriptName, params: ScriptParams, ms: number): Promise<RawRun> {
  let stdout = ''
  let stderr = ''
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), ms)
  try {
    const r = await runner.stream(name, params, {
      onLine: () => {},
      onRaw: (which, chunk) => {
        if (which === 'stdout') stdout += chunk
        else stderr += chunk
      },
      signal: ac.signal,
      timeoutMs: ms + 30_000
    })
    return { code: r.ok ? 0 : (r.error.exitCode ?? 1), stdout, stderr }
  } catch (err) {
    if (!ac.signal.aborted) throw err
    return { code: 0, stdout, stderr }
  } finally {
    clearTimeout(timer)
  }
}

export async function captureFixtures(runner: RawPowerShellRunner & PowerShellStreamer, o: CaptureOptions): Promise<WindowsFixture[]> {
  const log = o.log ?? (() => {})
  // The probe first: its edition and build go into every source line.
  const probeRaw = await runner.runRaw('probe', {})
  if ('ok' in probeRaw) throw new Error(probeRaw.ok ? 'probe: unexpected outcome' : probeRaw.error.message)
  const probe = interpretRun('probe', runner.host, probeRaw)
  if (!probe.ok) throw new Error(`The probe failed on ${runner.host}, so nothing was captured: ${probe.error.message} ${probe.error.hint}`)
  const p = probe.value as { caption?: unknown; build?: unknown }
  const edition = typeof p.caption === 'string' && p.caption ? p.caption : 'Windows'
  const build = typeof p.build === 'string' && p.build ? p.build : 'unknown-build'
  const caseName = caseNameOf(o.caseName ?? `captured-${build}`)
  const source = captureSource(runner.host, edition, build, o.date)

  const out: WindowsFixture[] = []
  for (const name of Object.keys(WINDOWS_SCRIPTS) as WindowsScriptName[]) {
    const def = WINDOWS_SCRIPTS[name]
    const why = NOT_CAPTURED[name]
    if (why) {
      log(`skipped ${name} (${why})`)
      continue
    }
    if (def.changesNode && !o.withChanges && !READ_ONLY_WITH_CAPTURE_PARAMS.has(name)) {
      log(`skipped ${name} (it changes the node; pass --with-changes to capture it)`)
      continue
    }
    if (name === 'vip-check' && !o.vip) {
      log('skipped vip-check (it pings the VIP it checks; pass --vip with a candidate VIP of that segment to capture it)')
      continue
    }
    if (name === 'agent-probe' && !o.probeTarget) {
      log('skipped agent-probe (it needs the agent installed and pings an address for 3 s; pass --probe-target with a cluster VIP to capture it)')
      continue
    }
    const params = name === 'vip-check' ? { vip: o.vip } : name === 'agent-probe' ? { target: o.probeTarget, intervalMs: 100, timeoutMs: 1000, maxSeconds: CONSOLE_PROBE_MAX_SECONDS } : (CAPTURE_PARAMS[name] ?? {})
    const streamMs = CAPTURE_STREAM_MS[name]
    const raw = name === 'probe' ? probeRaw : streamMs !== undefined ? await captureStream(runner, name, params, streamMs) : await runner.runRaw(name, params)
    if ('ok' in raw) {
      log(`skipped ${name}: ${raw.ok ? 'no output' : raw.error.message}`)
      continue
    }
    const outcome = interpretRun(name, runner.host, raw)
    log(`${name}: exit code ${raw.code}, ${outcome.ok ? 'JSON result' : `error (${outcome.error.kind})`}`)
    out.push({ script: name, case: caseName, params, stdout: raw.stdout, stderr: raw.stderr, exitCode: raw.code, source })
  }
  if (o.agent) out.push(...(await captureAgentReplies(runner, out, { caseName, source, vip: o.vip, log })))
  return out
}

/** The agent's CLI as the cluster operations run it (windows-agent.ts), on a node whose current.json the 'cluster-read' capture holds. */
async function captureAgentReplies(runner: RawPowerShellRunner, captured: readonly WindowsFixture[], o: { caseName: string; source: string; vip: string | undefined; log: (l: string) => void }): Promise<WindowsFixture[]> {
  const read = captured.find((f) => f.script === 'cluster-read')
  const outcome = read ? interpretRun('cluster-read', runner.host, { code: read.exitCode, stdout: read.stdout, stderr: read.stderr }) : undefined
  const current = outcome?.ok ? parseCurrent((outcome.value as { current?: string } | null)?.current) : null
  if (!current) {
    o.log('skipped the agent replies (--agent): cluster-read found no current.json, so HAVIP\'s agent is not installed there')
    return []
  }
  const runs: Array<{ case: string; args: string[] }> = [{ case: `${o.caseName}-agent-status`, args: ['ctl', 'status', '--json'] }]
  if (o.vip) runs.push({ case: `${o.caseName}-agent-probe`, args: ['probe', o.vip, '--count', '3', '--interval-ms', '100', '--timeout-ms', '500', '--json'] })
  const out: WindowsFixture[] = []
  for (const r of runs) {
    const params = { argv: [current.node, releaseAgent(current.release), ...r.args] }
    const raw = await runner.runRaw('run-argv', params)
    if ('ok' in raw) {
      o.log(`skipped run-argv ${r.args.slice(0, 2).join(' ')}: ${raw.ok ? 'no output' : raw.error.message}`)
      continue
    }
    o.log(`run-argv ${r.args.slice(0, 2).join(' ')}: exit code ${raw.code}`)
    out.push({ script: 'run-argv', case: r.case, params, stdout: raw.stdout, stderr: raw.stderr, exitCode: raw.code, source: o.source })
  }
  return out
}

/** Write fixtures into dir (<script>/<case>.json, replacing same-named ones) and rewrite INDEX.md. */
export function writeFixtures(dir: string, fixtures: readonly WindowsFixture[]): string[] {
  const written: string[] = []
  for (const f of fixtures) {
    const file = path.join(dir, fixturePath(f))
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const tmp = `${file}.tmp-${process.pid}`
    fs.writeFileSync(tmp, formatFixture(f))
    fs.renameSync(tmp, file)
    written.push(file)
  }
  fs.writeFileSync(path.join(dir, 'INDEX.md'), renderFixtureIndex(loadFixtureDir(dir)))
  return written
}
