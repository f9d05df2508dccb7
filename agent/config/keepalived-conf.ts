/**
 * Reads the VRRP part of a keepalived.conf into the agent's model (model.ts): global_defs,
 * vrrp_script and vrrp_instance with the keywords admins use for a floating VIP. Anything
 * else (virtual_server, vrrp_sync_group, unknown keywords...) is reported as a warning with
 * its name and line, never silently dropped. Scripts and notify commands are split into argv
 * (argv.ts) and are never handed to a shell.
 */
import {
  DEFAULT_SCRIPT_FALL,
  DEFAULT_SCRIPT_INTERVAL_MS,
  DEFAULT_SCRIPT_RISE,
  DEFAULT_SCRIPT_WEIGHT,
  defaultGarp
} from './defaults'
import { readInstance, type GlobalDefaults } from './keepalived-instance'
import { applyGarp, ConfReader } from './keepalived-reader'
import { parseStatements, type Statement } from './keepalived-tokens'
import { defaultControlSocket, DEFAULT_UDP_PORT, type ConfigTarget, type AgentConfig, type ConfigResult, type TrackScriptConfig } from './model'
import { validateConfig, type Describe } from './validate'

export interface KeepalivedConfOptions {
  /**
   * Resolves `include PATTERN` to the files it names (already globbed), each with its text.
   * Without it, include lines are reported and skipped.
   */
  includeResolver?: (pattern: string) => { name: string; text: string }[]
  /** The node's OS the config is read for (validate.ts); default linux. */
  target?: ConfigTarget
}

/** instance/script field path -> keepalived keyword, for messages in the admin's own words. */
const INSTANCE_KEYWORDS: [RegExp, string][] = [
  [/^name$/, 'vrrp_instance'],
  [/^interface$/, 'interface'],
  [/^vrid$/, 'virtual_router_id'],
  [/^version$/, 'version'],
  [/^priority$/, 'priority'],
  [/^advertIntervalMs$/, 'advert_int'],
  [/^preempt$/, 'nopreempt'],
  [/^preemptDelayMs$/, 'preempt_delay'],
  [/^unicastSrcIp$/, 'unicast_src_ip'],
  [/^unicastPeers/, 'unicast_peer'],
  [/^auth\.password$/, 'auth_pass'],
  [/^auth/, 'authentication'],
  [/^vips\[\d+\]\.label$/, 'virtual_ipaddress label'],
  [/^vips\[\d+\]\.dev$/, 'virtual_ipaddress dev'],
  [/^vips/, 'virtual_ipaddress'],
  [/^trackInterfaces/, 'track_interface'],
  [/^trackScripts/, 'track_script'],
  [/^notify\.generic$/, 'notify'],
  [/^notify\.(\w+)$/, 'notify_$1'],
  [/^garp\.masterDelayMs$/, 'garp_master_delay'],
  [/^garp\.masterRepeat$/, 'garp_master_repeat'],
  [/^garp\.masterRefreshMs$/, 'garp_master_refresh'],
  [/^garp\.masterRefreshRepeat$/, 'garp_master_refresh_repeat'],
  [/^garp\.intervalMs$/, 'garp_interval']
]
const SCRIPT_KEYWORDS: Record<string, string> = {
  name: 'vrrp_script',
  argv: 'script',
  intervalMs: 'interval',
  timeoutMs: 'timeout',
  rise: 'rise',
  fall: 'fall',
  weight: 'weight',
  user: 'user'
}

/** Keywords we read on purpose but that need no model field. */
const GLOBAL_ACCEPTED = new Set(['router_id', 'enable_script_security'])

function readGlobalDefs(r: ConfReader, block: Statement[], g: GlobalDefaults): void {
  const ctx = 'global_defs: '
  for (const s of block) {
    const garpKey = /^vrrp_(garp_master_delay|garp_master_repeat|garp_master_refresh|garp_master_refresh_repeat|garp_interval)$/.exec(s.keyword)
    if (garpKey) {
      applyGarp(r, ctx, s, garpKey[1] as string, g.garp)
    } else if (s.keyword === 'vrrp_version') {
      const v = r.int(ctx, s)
      if (v === 2 || v === 3) g.version = v
      else if (v !== undefined) r.ignored(s, `${ctx}vrrp_version ${v} is not a VRRP version (2 or 3)`, 'version 2 is used')
    } else if (s.keyword === 'script_user') {
      g.scriptUser = r.runAs(ctx, s)
    } else if (GLOBAL_ACCEPTED.has(s.keyword)) {
      // router_id only names the host in keepalived's mails/logs; enable_script_security is
      // always on in the agent (track/script-security.ts).
    } else {
      r.unsupported(ctx, s)
    }
  }
}

function readScript(r: ConfReader, s: Statement, index: number, g: GlobalDefaults): TrackScriptConfig | undefined {
  const name = s.args[0]?.text
  if (!name) {
    r.error(s.line, 'vrrp_script needs a name, e.g. "vrrp_script chk_nginx { ... }"')
    return undefined
  }
  const ctx = `vrrp_script ${name}: `
  const p = `scripts[${index}]`
  r.lines.set(p, s.line)
  let argv: string[] | undefined
  let intervalMs = DEFAULT_SCRIPT_INTERVAL_MS
  let timeoutMs: number | undefined
  let rise = DEFAULT_SCRIPT_RISE
  let fall = DEFAULT_SCRIPT_FALL
  let weight = DEFAULT_SCRIPT_WEIGHT
  let user = g.scriptUser
  for (const st of s.block ?? []) {
    r.lines.set(`${p}.${Object.entries(SCRIPT_KEYWORDS).find(([, kw]) => kw === st.keyword)?.[0] ?? st.keyword}`, st.line)
    switch (st.keyword) {
      case 'script':
        argv = r.command(ctx, st)
        break
      case 'user':
        user = r.runAs(ctx, st) ?? user
        break
      case 'interval':
        intervalMs = r.secondsMs(ctx, st) ?? intervalMs
        break
      case 'timeout':
        timeoutMs = r.secondsMs(ctx, st) ?? timeoutMs
        break
      case 'rise':
        rise = r.int(ctx, st) ?? rise
        break
      case 'fall':
        fall = r.int(ctx, st) ?? fall
        break
      case 'weight': {
        const w = r.int(ctx, { ...st, args: st.args.slice(0, 1) })
        if (w !== undefined) weight = w
        if (st.args[1]?.text === 'reverse') r.warn(st.line, `${ctx}weight ... reverse is not supported; use a negative weight instead`)
        break
      }
      default:
        r.unsupported(ctx, st)
    }
  }
  if (!argv) {
    // keepalived: "No script set for vrrp_script chk - removing"; instances tracking it then ignore it.
    if (!(s.block ?? []).some((st) => st.keyword === 'script')) r.warn(s.line, `${ctx}has no "script" line, so it is removed, as keepalived does; add the command to run, e.g. script "/usr/bin/pgrep nginx"`)
    return undefined
  }
  return { name, argv, intervalMs, timeoutMs: timeoutMs ?? intervalMs, rise, fall, weight, ...(user ? { user } : {}) }
}

function describer(config: AgentConfig, lines: Map<string, number>): Describe {
  return (path) => {
    let line: number | undefined
    for (let q = path; q; q = q.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
      line = lines.get(q)
      if (line !== undefined) break
      if (!/(\.[^.[\]]+|\[\d+\])$/.test(q)) break
    }
    const inst = /^instances\[(\d+)\](?:\.(.+))?$/.exec(path)
    if (inst) {
      const name = config.instances[Number(inst[1])]?.name ?? '?'
      const field = inst[2]
      if (!field) return { label: `vrrp_instance ${name}`, line }
      let kw = field
      for (const [re, word] of INSTANCE_KEYWORDS) {
        const m = re.exec(field)
        if (m) {
          kw = word.replace('$1', m[1] ?? '')
          break
        }
      }
      return { label: `vrrp_instance ${name}: ${kw}`, line }
    }
    const script = /^scripts\[(\d+)\](?:\.(\w+))?$/.exec(path)
    if (script) {
      const name = config.scripts[Number(script[1])]?.name ?? '?'
      const kw = script[2] ? SCRIPT_KEYWORDS[script[2]] ?? script[2] : undefined
      return { label: kw ? `vrrp_script ${name}: ${kw}` : `vrrp_script ${name}`, line }
    }
    return { label: path, line }
  }
}

/** Splice `include` files into the statement list (one level of nesting per call, recursively, bounded). */
function expandIncludes(r: ConfReader, stmts: Statement[], opts: KeepalivedConfOptions, depth: number): { s: Statement; file?: string }[] {
  const out: { s: Statement; file?: string }[] = []
  for (const s of stmts) {
    if (s.keyword !== 'include') {
      out.push({ s })
      continue
    }
    const pattern = s.args[0]?.text
    if (!pattern) {
      r.error(s.line, 'include needs a file name or pattern')
      continue
    }
    if (!opts.includeResolver) {
      r.warn(s.line, `include ${pattern} was not followed (no include support in this context); the settings there are not read`)
      continue
    }
    if (depth >= 8) {
      r.error(s.line, `include ${pattern}: includes nested more than 8 deep; is a file including itself?`)
      continue
    }
    let files: { name: string; text: string }[]
    try {
      files = opts.includeResolver(pattern)
    } catch (err) {
      r.error(s.line, `include ${pattern}: ${(err as Error).message}`)
      continue
    }
    if (files.length === 0) r.warn(s.line, `include ${pattern} matched no file`)
    for (const f of files) {
      const parsed = parseStatements(f.text)
      const outer = r.file
      r.file = f.name
      for (const i of parsed.issues) (i.severity === 'warning' ? r.warn(i.line, i.message) : r.error(i.line, i.message))
      for (const inner of expandIncludes(r, parsed.statements, opts, depth + 1)) out.push({ s: inner.s, file: inner.file ?? f.name })
      r.file = outer
    }
  }
  return out
}

/**
 * keepalived: "(VI_1) track script chk not found, ignoring..." and the instance runs untracked.
 * The agent does the same, with a warning naming the line.
 */
function dropUnknownTrackScripts(r: ConfReader, config: AgentConfig): void {
  const defined = new Set(config.scripts.map((s) => s.name))
  config.instances.forEach((inst, i) => {
    inst.trackScripts = inst.trackScripts.filter((t, j) => {
      if (defined.has(t.name)) return true
      const line = r.lines.get(`instances[${i}].trackScripts[${j}]`)
      r.warn(line ?? r.lines.get(`instances[${i}]`) ?? 0, `vrrp_instance ${inst.name}: track_script ${t.name}: no vrrp_script with that name (with a script line) is defined, so it is ignored and the instance runs without it, as keepalived does; define it or remove the reference`)
      return false
    })
  })
}

export function parseKeepalivedConf(text: string, opts: KeepalivedConfOptions = {}): ConfigResult {
  const r = new ConfReader()
  const parsed = parseStatements(text)
  for (const i of parsed.issues) (i.severity === 'warning' ? r.warn(i.line, i.message) : r.error(i.line, i.message))

  const g: GlobalDefaults = { version: 2, garp: defaultGarp() }
  const config: AgentConfig = { instances: [], scripts: [], transport: 'raw', udpPort: DEFAULT_UDP_PORT, controlSocket: defaultControlSocket(opts.target) }
  const all = expandIncludes(r, parsed.statements, opts, 0)

  // global_defs first: its defaults (vrrp_version, vrrp_garp_*) apply to instances above or below it.
  for (const { s, file } of all) {
    r.file = file
    if (s.keyword === 'global_defs') readGlobalDefs(r, s.block ?? [], g)
  }
  for (const { s, file } of all) {
    r.file = file
    if (s.keyword === 'global_defs') {
      if (!s.block) r.error(s.line, 'global_defs needs a block: global_defs { ... }')
      continue
    }
    if (s.keyword.startsWith('$') || s.keyword.startsWith('@')) {
      r.warn(s.line, `"${s.keyword}": keepalived variables and conditional lines are not supported; write the value out`)
      continue
    }
    if (s.keyword === 'vrrp_script' || s.keyword === 'vrrp_instance') {
      if (!s.block) {
        r.error(s.line, `${s.keyword} ${s.args[0]?.text ?? ''} needs a block: ${s.keyword} NAME { ... }`)
        continue
      }
      if (s.keyword === 'vrrp_script') {
        const script = readScript(r, s, config.scripts.length, g)
        if (script) config.scripts.push(script)
      } else {
        const inst = readInstance(r, s, config.instances.length, g)
        if (inst) config.instances.push(inst)
      }
      continue
    }
    r.unsupported('', s)
  }
  r.file = undefined
  dropUnknownTrackScripts(r, config)

  const issues = [...r.issues]
  if (!issues.some((i) => i.severity === 'error')) issues.push(...validateConfig(config, describer(config, r.lines), opts.target))
  issues.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))
  return issues.some((i) => i.severity === 'error') ? { issues } : { config, issues }
}
