/**
 * Reads the VRRP part of a keepalived.conf into the agent's model (model.ts): global_defs,
 * vrrp_script and vrrp_instance with the keywords admins use for a floating VIP. Anything
 * else (virtual_server, vrrp_sync_group, unknown keywords...) is reported as a warning with
 * its name and line, never silently dropped. Scripts and notify commands are split into argv
 * (argv.ts) and are never handed to a shell.
 */
import { splitCommandLine } from './argv'
import {
  DEFAULT_ADVERT_INTERVAL_MS,
  DEFAULT_PREEMPT,
  DEFAULT_PREEMPT_DELAY_MS,
  DEFAULT_PRIORITY,
  DEFAULT_SCRIPT_FALL,
  DEFAULT_SCRIPT_INTERVAL_MS,
  DEFAULT_SCRIPT_RISE,
  DEFAULT_SCRIPT_WEIGHT,
  DEFAULT_VIP_PREFIX,
  defaultGarp
} from './defaults'
import { parseStatements, type Statement, type Token } from './keepalived-tokens'
import {
  DEFAULT_CONTROL_SOCKET,
  DEFAULT_UDP_PORT,
  type AgentConfig,
  type ConfigIssue,
  type ConfigResult,
  type GarpConfig,
  type InstanceConfig,
  type NotifyConfig,
  type TrackScriptConfig
} from './model'
import { validateConfig, type Describe } from './validate'

export interface KeepalivedConfOptions {
  /**
   * Resolves `include PATTERN` to the files it names (already globbed), each with its text.
   * Without it, include lines are reported and skipped.
   */
  includeResolver?: (pattern: string) => { name: string; text: string }[]
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
  weight: 'weight'
}

const GARP_FIELDS: Record<string, string> = {
  garp_master_delay: 'garp.masterDelayMs',
  garp_master_repeat: 'garp.masterRepeat',
  garp_master_refresh: 'garp.masterRefreshMs',
  garp_master_refresh_repeat: 'garp.masterRefreshRepeat',
  garp_interval: 'garp.intervalMs'
}

/** Keywords we read on purpose but that need no model field. */
const GLOBAL_ACCEPTED = new Set(['router_id', 'enable_script_security'])

class ConfReader {
  readonly issues: ConfigIssue[] = []
  /** path -> line where the value was set */
  readonly lines = new Map<string, number>()
  /** Set while reading a statement that came from an `include`d file: messages then name it. */
  file?: string

  private where(line: number): { line?: number; prefix: string } {
    return this.file ? { prefix: `${this.file} line ${line}: ` } : { line, prefix: '' }
  }
  error(line: number, message: string): void {
    const w = this.where(line)
    this.issues.push({ severity: 'error', message: w.prefix + message, ...(w.line !== undefined ? { line: w.line } : {}) })
  }
  warn(line: number, message: string): void {
    const w = this.where(line)
    this.issues.push({ severity: 'warning', message: w.prefix + message, ...(w.line !== undefined ? { line: w.line } : {}) })
  }
  unsupported(ctx: string, s: Statement): void {
    const what = s.block ? `block "${s.keyword} { ... }"` : `keyword "${s.keyword}"`
    this.warn(s.line, `${ctx}${what} is not supported by havip-agent and is ignored`)
  }

  /** Exactly one argument. */
  one(ctx: string, s: Statement): Token | undefined {
    if (s.args.length === 0) {
      this.error(s.line, `${ctx}${s.keyword} needs a value`)
      return undefined
    }
    if (s.args.length > 1) this.warn(s.line, `${ctx}${s.keyword}: extra words after the value are ignored: ${s.args.slice(1).map((a) => a.text).join(' ')}`)
    return s.args[0]
  }

  int(ctx: string, s: Statement): number | undefined {
    const t = this.one(ctx, s)
    if (!t) return undefined
    if (!/^-?\d+$/.test(t.text)) {
      this.error(s.line, `${ctx}${s.keyword} "${t.text}" is not a whole number`)
      return undefined
    }
    return Number(t.text)
  }

  /** Seconds, possibly fractional ("0.1"), as whole milliseconds. */
  secondsMs(ctx: string, s: Statement): number | undefined {
    const t = this.one(ctx, s)
    if (!t) return undefined
    if (!/^\d+(\.\d+)?$/.test(t.text)) {
      this.error(s.line, `${ctx}${s.keyword} "${t.text}" is not a number of seconds`)
      return undefined
    }
    return Math.round(Number(t.text) * 1000)
  }

  /** `script "..."` / `notify_master "..."`: one string split into argv; more words are argv too (script) or user/group (notify). */
  command(ctx: string, s: Statement, extraWordsAreUser: boolean): string[] | undefined {
    if (s.args.length === 0) {
      this.error(s.line, `${ctx}${s.keyword} needs a command`)
      return undefined
    }
    const [first, ...rest] = s.args as [Token, ...Token[]]
    if (extraWordsAreUser && rest.length > 0) {
      this.warn(s.line, `${ctx}${s.keyword}: running as user "${rest.map((r) => r.text).join(' ')}" is not supported; the command runs as the agent's user`)
    }
    if (!extraWordsAreUser && rest.length > 0) {
      return [first, ...rest].map((t) => t.text)
    }
    const split = splitCommandLine(first.text)
    if ('error' in split) {
      this.error(s.line, `${ctx}${s.keyword}: ${split.error}`)
      return undefined
    }
    return split.argv
  }
}

interface GlobalDefaults {
  version: 2 | 3
  garp: GarpConfig
}

function readGlobalDefs(r: ConfReader, block: Statement[], g: GlobalDefaults): void {
  const ctx = 'global_defs: '
  for (const s of block) {
    const garpKey = /^vrrp_(garp_master_delay|garp_master_repeat|garp_master_refresh|garp_master_refresh_repeat|garp_interval)$/.exec(s.keyword)
    if (garpKey) {
      applyGarp(r, ctx, s, garpKey[1] as string, g.garp)
    } else if (s.keyword === 'vrrp_version') {
      const v = r.int(ctx, s)
      if (v === 2 || v === 3) g.version = v
      else if (v !== undefined) r.error(s.line, `${ctx}vrrp_version ${v} is not a VRRP version; use 2 or 3`)
    } else if (s.keyword === 'script_user') {
      r.warn(s.line, `${ctx}script_user is not supported: scripts and notify commands run as the agent's user (root); drop privileges inside the script if needed`)
    } else if (GLOBAL_ACCEPTED.has(s.keyword)) {
      // router_id only names the host in keepalived's mails/logs; enable_script_security is
      // what the agent does anyway (argv, never a shell).
    } else {
      r.unsupported(ctx, s)
    }
  }
}

/** garp_* (instance) and vrrp_garp_* (global_defs) keywords, in seconds like keepalived. */
function applyGarp(r: ConfReader, ctx: string, s: Statement, key: string, garp: GarpConfig): void {
  switch (key) {
    case 'garp_master_delay': {
      const v = r.secondsMs(ctx, s)
      if (v !== undefined) garp.masterDelayMs = v
      return
    }
    case 'garp_master_repeat': {
      const v = r.int(ctx, s)
      if (v !== undefined) garp.masterRepeat = v
      return
    }
    case 'garp_master_refresh': {
      const v = r.secondsMs(ctx, s)
      if (v !== undefined) garp.masterRefreshMs = v
      return
    }
    case 'garp_master_refresh_repeat': {
      const v = r.int(ctx, s)
      if (v !== undefined) garp.masterRefreshRepeat = v
      return
    }
    case 'garp_interval': {
      const v = r.secondsMs(ctx, s)
      if (v !== undefined) garp.intervalMs = v
      return
    }
  }
}

function readScript(r: ConfReader, s: Statement, index: number): TrackScriptConfig | undefined {
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
  for (const st of s.block ?? []) {
    r.lines.set(`${p}.${Object.entries(SCRIPT_KEYWORDS).find(([, kw]) => kw === st.keyword)?.[0] ?? st.keyword}`, st.line)
    switch (st.keyword) {
      case 'script':
        argv = r.command(ctx, st, false)
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
    if (!(s.block ?? []).some((st) => st.keyword === 'script')) r.error(s.line, `${ctx}has no "script" line; add the command to run, e.g. script "/usr/bin/pgrep nginx"`)
    return undefined
  }
  return { name, argv, intervalMs, timeoutMs: timeoutMs ?? intervalMs, rise, fall, weight }
}

function readInstance(r: ConfReader, s: Statement, index: number, g: GlobalDefaults): InstanceConfig | undefined {
  const name = s.args[0]?.text
  if (!name) {
    r.error(s.line, 'vrrp_instance needs a name, e.g. "vrrp_instance VI_1 { ... }"')
    return undefined
  }
  const ctx = `vrrp_instance ${name}: `
  const p = `instances[${index}]`
  r.lines.set(p, s.line)
  const inst: InstanceConfig = {
    name,
    interface: '',
    vrid: 0,
    version: g.version,
    priority: DEFAULT_PRIORITY,
    advertIntervalMs: DEFAULT_ADVERT_INTERVAL_MS,
    preempt: DEFAULT_PREEMPT,
    preemptDelayMs: DEFAULT_PREEMPT_DELAY_MS,
    unicastPeers: [],
    vips: [],
    trackInterfaces: [],
    trackScripts: [],
    notify: {},
    garp: { ...g.garp }
  }
  let sawInterface = false
  let sawVrid = false
  const set = (field: string, line: number): void => void r.lines.set(`${p}.${field}`, line)

  for (const st of s.block ?? []) {
    const garpKey = /^(garp_master_delay|garp_master_repeat|garp_master_refresh|garp_master_refresh_repeat|garp_interval)$/.exec(st.keyword)
    if (garpKey) {
      applyGarp(r, ctx, st, st.keyword, inst.garp)
      set(GARP_FIELDS[st.keyword] as string, st.line)
      continue
    }
    switch (st.keyword) {
      case 'state': {
        const v = r.one(ctx, st)?.text
        if (v === 'MASTER' || v === 'BACKUP') inst.initialState = v
        else if (v !== undefined) r.error(st.line, `${ctx}state "${v}" is not MASTER or BACKUP`)
        break
      }
      case 'interface': {
        const v = r.one(ctx, st)
        if (v) {
          inst.interface = v.text
          sawInterface = true
          set('interface', st.line)
        }
        break
      }
      case 'virtual_router_id': {
        const v = r.int(ctx, st)
        if (v !== undefined) {
          inst.vrid = v
          sawVrid = true
          set('vrid', st.line)
        }
        break
      }
      case 'priority': {
        const v = r.int(ctx, st)
        if (v !== undefined) inst.priority = v
        set('priority', st.line)
        break
      }
      case 'version': {
        const v = r.int(ctx, st)
        if (v === 2 || v === 3) inst.version = v
        else if (v !== undefined) r.error(st.line, `${ctx}version ${v} is not a VRRP version; use 2 or 3`)
        set('version', st.line)
        break
      }
      case 'advert_int': {
        const v = r.secondsMs(ctx, st)
        if (v !== undefined) inst.advertIntervalMs = v
        set('advertIntervalMs', st.line)
        break
      }
      case 'nopreempt':
        inst.preempt = false
        set('preempt', st.line)
        break
      case 'preempt':
        inst.preempt = true
        set('preempt', st.line)
        break
      case 'preempt_delay': {
        const v = r.secondsMs(ctx, st)
        if (v !== undefined) inst.preemptDelayMs = v
        set('preemptDelayMs', st.line)
        break
      }
      case 'unicast_src_ip':
      case 'mcast_src_ip': {
        const v = r.one(ctx, st)
        if (v) inst.unicastSrcIp = v.text
        set('unicastSrcIp', st.line)
        break
      }
      case 'unicast_peer':
        if (!st.block) {
          r.error(st.line, `${ctx}unicast_peer needs a block: unicast_peer { 198.51.100.12 }`)
          break
        }
        for (const peer of st.block) {
          if (peer.args.length > 0) r.warn(peer.line, `${ctx}unicast_peer ${peer.keyword}: options "${peer.args.map((a) => a.text).join(' ')}" are not supported and are ignored`)
          if (peer.block) r.error(peer.line, `${ctx}unicast_peer: unexpected block after ${peer.keyword}`)
          set(`unicastPeers[${inst.unicastPeers.length}]`, peer.line)
          inst.unicastPeers.push(peer.keyword)
        }
        break
      case 'virtual_ipaddress':
        if (!st.block) {
          r.error(st.line, `${ctx}virtual_ipaddress needs a block: virtual_ipaddress { 198.51.100.100/24 dev eth0 }`)
          break
        }
        for (const v of st.block) readVip(r, ctx, v, inst, p)
        break
      case 'authentication':
        readAuth(r, ctx, st, inst, p)
        break
      case 'track_interface':
      case 'track_script': {
        if (!st.block) {
          r.error(st.line, `${ctx}${st.keyword} needs a block: ${st.keyword} { NAME [weight N] }`)
          break
        }
        const list = st.keyword === 'track_interface' ? inst.trackInterfaces : inst.trackScripts
        const field = st.keyword === 'track_interface' ? 'trackInterfaces' : 'trackScripts'
        for (const t of st.block) {
          const ref: { name: string; weight?: number } = { name: t.keyword }
          const rest = t.args.map((a) => a.text)
          if (rest[0] === 'weight') {
            const w = rest[1]
            if (w === undefined || !/^-?\d+$/.test(w)) r.error(t.line, `${ctx}${st.keyword} ${t.keyword}: weight needs a whole number, e.g. "weight -20"`)
            else ref.weight = Number(w)
            if (rest[2] === 'reverse') r.warn(t.line, `${ctx}${st.keyword} ${t.keyword}: "reverse" is not supported; use a weight of the opposite sign`)
            else if (rest.length > 2) r.warn(t.line, `${ctx}${st.keyword} ${t.keyword}: extra words ignored: ${rest.slice(2).join(' ')}`)
          } else if (rest.length > 0) {
            r.warn(t.line, `${ctx}${st.keyword} ${t.keyword}: "${rest.join(' ')}" is not understood and is ignored (expected "weight N")`)
          }
          set(`${field}[${list.length}]`, t.line)
          list.push(ref)
        }
        break
      }
      case 'notify_master':
      case 'notify_backup':
      case 'notify_fault':
      case 'notify_stop':
      case 'notify': {
        const key = (st.keyword === 'notify' ? 'generic' : st.keyword.slice('notify_'.length)) as keyof NotifyConfig
        const argv = r.command(ctx, st, true)
        if (argv) inst.notify[key] = argv
        set(`notify.${key}`, st.line)
        break
      }
      default:
        r.unsupported(ctx, st)
    }
  }
  if (!sawInterface) r.error(s.line, `${ctx}has no "interface"; add the NIC that carries the VIP, e.g. "interface eth0"`)
  if (!sawVrid) r.error(s.line, `${ctx}has no "virtual_router_id"; add one (1..255), unique in this network`)
  return inst
}

function readVip(r: ConfReader, ctx: string, v: Statement, inst: InstanceConfig, p: string): void {
  const [addr, prefixText] = v.keyword.split('/')
  const j = inst.vips.length
  r.lines.set(`${p}.vips[${j}]`, v.line)
  let prefix = DEFAULT_VIP_PREFIX
  if (prefixText !== undefined) {
    if (!/^\d+$/.test(prefixText)) {
      r.error(v.line, `${ctx}virtual_ipaddress "${v.keyword}": the prefix "${prefixText}" is not a number; write ADDRESS/PREFIX, e.g. 198.51.100.100/24`)
      return
    }
    prefix = Number(prefixText)
  }
  const vip: InstanceConfig['vips'][number] = { address: addr ?? '', prefix }
  const words = v.args.map((a) => a.text)
  for (let k = 0; k < words.length; k++) {
    const w = words[k] as string
    if ((w === 'dev' || w === 'label') && words[k + 1] !== undefined) {
      if (w === 'dev') vip.dev = words[k + 1]
      else vip.label = words[k + 1]
      k++
    } else if (w === 'dev' || w === 'label') {
      r.error(v.line, `${ctx}virtual_ipaddress ${v.keyword}: "${w}" needs a value`)
    } else {
      const takesValue = ['brd', 'scope', 'peer', 'preferred_lft', 'track_group'].includes(w)
      r.warn(v.line, `${ctx}virtual_ipaddress ${v.keyword}: option "${takesValue ? `${w} ${words[k + 1] ?? ''}`.trim() : w}" is not supported and is ignored`)
      if (takesValue) k++
    }
  }
  inst.vips.push(vip)
}

function readAuth(r: ConfReader, ctx: string, st: Statement, inst: InstanceConfig, p: string): void {
  if (!st.block) {
    r.error(st.line, `${ctx}authentication needs a block: authentication { auth_type PASS; auth_pass SECRET }`)
    return
  }
  r.lines.set(`${p}.auth`, st.line)
  let type: string | undefined
  let password: string | undefined
  for (const a of st.block) {
    if (a.keyword === 'auth_type') type = r.one(ctx, a)?.text
    else if (a.keyword === 'auth_pass') {
      password = r.one(ctx, a)?.text
      r.lines.set(`${p}.auth.password`, a.line)
    } else r.unsupported(`${ctx}authentication: `, a)
  }
  if (type === 'AH') {
    r.error(st.line, `${ctx}auth_type AH (IPsec) is not supported; use auth_type PASS, or no authentication`)
    return
  }
  if (type !== undefined && type !== 'PASS') {
    r.error(st.line, `${ctx}auth_type "${type}" is unknown; use PASS`)
    return
  }
  if (password === undefined) {
    r.error(st.line, `${ctx}authentication has no auth_pass; add "auth_pass SECRET" (1-8 characters, the same on every node)`)
    return
  }
  inst.auth = { type: 'PASS', password }
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
      for (const i of parsed.issues) r.error(i.line, i.message)
      for (const inner of expandIncludes(r, parsed.statements, opts, depth + 1)) out.push({ s: inner.s, file: inner.file ?? f.name })
      r.file = outer
    }
  }
  return out
}

export function parseKeepalivedConf(text: string, opts: KeepalivedConfOptions = {}): ConfigResult {
  const r = new ConfReader()
  const parsed = parseStatements(text)
  for (const i of parsed.issues) r.error(i.line, i.message)

  const g: GlobalDefaults = { version: 2, garp: defaultGarp() }
  const config: AgentConfig = { instances: [], scripts: [], transport: 'raw', udpPort: DEFAULT_UDP_PORT, controlSocket: DEFAULT_CONTROL_SOCKET }
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
        const script = readScript(r, s, config.scripts.length)
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

  const issues = [...r.issues]
  if (!issues.some((i) => i.severity === 'error')) issues.push(...validateConfig(config, describer(config, r.lines)))
  issues.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))
  return issues.some((i) => i.severity === 'error') ? { issues } : { config, issues }
}
