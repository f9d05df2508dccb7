/**
 * The agent's own JSON config: the AgentConfig model (model.ts) written as JSON, every field
 * but the essentials optional with keepalived's defaults. Type errors and unknown fields are
 * reported by path; ranges and cross checks come from validate.ts.
 *
 * Minimal example:
 *   { "instances": [ { "name": "VI_1", "interface": "eth0", "vrid": 51, "priority": 150,
 *                      "vips": [ { "address": "198.51.100.100", "prefix": 24 } ] } ] }
 */
import {
  DEFAULT_ADVERT_INTERVAL_MS,
  DEFAULT_PREEMPT,
  DEFAULT_PREEMPT_DELAY_MS,
  DEFAULT_PRIORITY,
  DEFAULT_SCRIPT_FALL,
  DEFAULT_SCRIPT_INTERVAL_MS,
  DEFAULT_SCRIPT_RISE,
  DEFAULT_SCRIPT_WEIGHT,
  DEFAULT_VERSION,
  DEFAULT_VIP_PREFIX,
  defaultGarp
} from './defaults'
import {
  defaultControlSocket,
  type ConfigTarget,
  DEFAULT_UDP_PORT,
  type AgentConfig,
  type ConfigIssue,
  type ConfigResult,
  type GarpConfig,
  type InstanceConfig,
  type NotifyConfig,
  type RunAs,
  type TrackRef,
  type TrackScriptConfig,
  type VipConfig
} from './model'
import { passwordWireBytes } from './password'
import { validateConfig } from './validate'

type Obj = Record<string, unknown>

/** Field path: `instances[0].vrid`, or just `udpPort` at the top level. */
function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

function kind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'object' ? 'an object' : `a ${typeof v} (${JSON.stringify(v)})`
}

/** Reads typed fields out of parsed JSON, recording an issue for each wrong type. */
class Reader {
  readonly issues: ConfigIssue[] = []

  error(path: string, problem: string): void {
    this.issues.push({ severity: 'error', message: `${path}: ${problem}`, path })
  }

  warn(path: string, problem: string): void {
    this.issues.push({ severity: 'warning', message: `${path}: ${problem}`, path })
  }

  object(v: unknown, path: string): Obj | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj
    this.error(path, `must be an object, got ${kind(v)}`)
    return undefined
  }

  /** Unknown keys are warnings: probably a typo, never silently dropped. */
  known(o: Obj, path: string, keys: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (k.startsWith('$') || k === 'comment') continue
      if (!keys.includes(k)) {
        const p = at(path, k)
        this.issues.push({ severity: 'warning', message: `${p}: unknown field, ignored; known fields here: ${keys.join(', ')}`, path: p })
      }
    }
  }

  string(o: Obj, key: string, path: string, required: true): string
  string(o: Obj, key: string, path: string, required?: false): string | undefined
  string(o: Obj, key: string, path: string, required = false): string | undefined {
    const v = o[key]
    const p = at(path, key)
    if (v === undefined) {
      if (required) this.error(p, 'is required')
      return required ? '' : undefined
    }
    if (typeof v !== 'string') {
      this.error(p, `must be a string, got ${kind(v)}`)
      return required ? '' : undefined
    }
    return v
  }

  number(o: Obj, key: string, path: string, def: number, required = false): number {
    const v = o[key]
    const p = at(path, key)
    if (v === undefined) {
      if (required) this.error(p, 'is required')
      return def
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(p, `must be a number, got ${kind(v)}`)
      return def
    }
    return v
  }

  optionalNumber(o: Obj, key: string, path: string): number | undefined {
    return o[key] === undefined ? undefined : this.number(o, key, path, 0)
  }

  boolean(o: Obj, key: string, path: string, def: boolean): boolean {
    const v = o[key]
    if (v === undefined) return def
    if (typeof v !== 'boolean') {
      this.error(at(path, key), `must be true or false, got ${kind(v)}`)
      return def
    }
    return v
  }

  array(o: Obj, key: string, path: string, required = false): unknown[] {
    const v = o[key]
    const p = at(path, key)
    if (v === undefined) {
      if (required) this.error(p, 'is required')
      return []
    }
    if (!Array.isArray(v)) {
      this.error(p, `must be an array, got ${kind(v)}`)
      return []
    }
    return v
  }

  argv(v: unknown, path: string): string[] | undefined {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.error(path, `must be an array of strings (program and arguments, run without a shell), got ${kind(v)}`)
      return undefined
    }
    return v as string[]
  }
}

const TOP_KEYS = ['instances', 'scripts', 'transport', 'udpPort', 'controlSocket', 'logFile', 'scriptUser'] as const
const INSTANCE_KEYS = [
  'name', 'interface', 'vrid', 'version', 'priority', 'advertIntervalMs', 'preempt', 'preemptDelayMs', 'preemptWindow', 'unicastSrcIp',
  'unicastPeers', 'auth', 'vips', 'trackInterfaces', 'trackScripts', 'notify', 'garp', 'initialState'
] as const
const SCRIPT_KEYS = ['name', 'argv', 'intervalMs', 'timeoutMs', 'rise', 'fall', 'weight', 'user'] as const
const GARP_KEYS = ['masterDelayMs', 'masterRepeat', 'masterRefreshMs', 'masterRefreshRepeat', 'intervalMs'] as const
const NOTIFY_KEYS = ['master', 'backup', 'fault', 'stop', 'generic'] as const

/** "user" or "user:group" (who runs a script or hook). */
function readRunAs(r: Reader, o: Obj, key: string, path: string): RunAs | undefined {
  const v = r.string(o, key, path)
  if (v === undefined) return undefined
  const [user = '', group, ...more] = v.split(':')
  if (!user || more.length > 0 || group === '') {
    r.error(at(path, key), `"${v}" is not USER or USER:GROUP`)
    return undefined
  }
  return group === undefined ? { user } : { user, group }
}

function readVip(r: Reader, v: unknown, path: string): VipConfig | undefined {
  // Shorthand: "198.51.100.100/24" or "198.51.100.100".
  if (typeof v === 'string') {
    const [address = '', prefix] = v.split('/')
    const n = prefix === undefined ? DEFAULT_VIP_PREFIX : Number(prefix)
    if (prefix !== undefined && !/^\d+$/.test(prefix)) r.error(path, `"${v}" has a bad prefix; write ADDRESS or ADDRESS/PREFIX, e.g. 198.51.100.100/24`)
    return { address, prefix: n }
  }
  const o = r.object(v, path)
  if (!o) return undefined
  r.known(o, path, ['address', 'prefix', 'dev', 'label'])
  const vip: VipConfig = { address: r.string(o, 'address', path, true), prefix: r.number(o, 'prefix', path, DEFAULT_VIP_PREFIX) }
  const dev = r.string(o, 'dev', path)
  const label = r.string(o, 'label', path)
  if (dev !== undefined) vip.dev = dev
  if (label !== undefined) vip.label = label
  return vip
}

function readTrackRefs(r: Reader, o: Obj, key: string, path: string): TrackRef[] {
  const out: TrackRef[] = []
  r.array(o, key, path).forEach((v, j) => {
    const p = `${path}.${key}[${j}]`
    if (typeof v === 'string') return void out.push({ name: v })
    const t = r.object(v, p)
    if (!t) return
    r.known(t, p, ['name', 'weight'])
    const ref: TrackRef = { name: r.string(t, 'name', p, true) }
    const weight = r.optionalNumber(t, 'weight', p)
    if (weight !== undefined) ref.weight = weight
    out.push(ref)
  })
  return out
}

function readNotify(r: Reader, v: unknown, path: string, scriptUser: RunAs | undefined): NotifyConfig {
  const notify: NotifyConfig = {}
  if (v === undefined) return notify
  const o = r.object(v, path)
  if (!o) return notify
  r.known(o, path, [...NOTIFY_KEYS, 'users'])
  const users = o.users === undefined ? undefined : r.object(o.users, `${path}.users`)
  if (users) r.known(users, `${path}.users`, NOTIFY_KEYS)
  for (const k of NOTIFY_KEYS) {
    if (o[k] === undefined) continue
    const argv = r.argv(o[k], `${path}.${k}`)
    if (!argv) continue
    notify[k] = argv
    const user = (users && readRunAs(r, users, k, `${path}.users`)) ?? scriptUser
    if (user) notify.users = { ...notify.users, [k]: user }
  }
  return notify
}

function readGarp(r: Reader, v: unknown, path: string): GarpConfig {
  const g = defaultGarp()
  if (v === undefined) return g
  const o = r.object(v, path)
  if (!o) return g
  r.known(o, path, GARP_KEYS)
  for (const k of GARP_KEYS) g[k] = r.number(o, k, path, g[k])
  return g
}

function readInstance(r: Reader, v: unknown, path: string, scriptUser: RunAs | undefined): InstanceConfig | undefined {
  const o = r.object(v, path)
  if (!o) return undefined
  r.known(o, path, INSTANCE_KEYS)
  const version = r.number(o, 'version', path, DEFAULT_VERSION)
  const inst: InstanceConfig = {
    name: r.string(o, 'name', path, true),
    interface: r.string(o, 'interface', path, true),
    vrid: r.number(o, 'vrid', path, 0, true),
    version: version as 2 | 3,
    priority: r.number(o, 'priority', path, DEFAULT_PRIORITY),
    advertIntervalMs: r.number(o, 'advertIntervalMs', path, DEFAULT_ADVERT_INTERVAL_MS),
    preempt: r.boolean(o, 'preempt', path, DEFAULT_PREEMPT),
    preemptDelayMs: r.number(o, 'preemptDelayMs', path, DEFAULT_PREEMPT_DELAY_MS),
    unicastPeers: [],
    vips: [],
    trackInterfaces: readTrackRefs(r, o, 'trackInterfaces', path),
    trackScripts: readTrackRefs(r, o, 'trackScripts', path),
    notify: readNotify(r, o.notify, `${path}.notify`, scriptUser),
    garp: readGarp(r, o.garp, `${path}.garp`)
  }
  const src = r.string(o, 'unicastSrcIp', path)
  if (src !== undefined) inst.unicastSrcIp = src
  r.array(o, 'unicastPeers', path).forEach((peer, j) => {
    if (typeof peer === 'string') inst.unicastPeers.push(peer)
    else r.error(`${path}.unicastPeers[${j}]`, `must be an IPv4 address string, got ${kind(peer)}`)
  })
  if (o.auth !== undefined) {
    const a = r.object(o.auth, `${path}.auth`)
    if (a) {
      r.known(a, `${path}.auth`, ['type', 'password'])
      const type = r.string(a, 'type', `${path}.auth`) ?? 'PASS'
      if (type !== 'PASS') r.error(`${path}.auth.type`, `"${type}" is not supported; only "PASS" (simple password, RFC 3768) exists`)
      const pw = passwordWireBytes(r.string(a, 'password', `${path}.auth`, true))
      for (const note of pw.notes) r.warn(`${path}.auth.password`, note)
      inst.auth = { type: 'PASS', password: pw.wire }
    }
  }
  r.array(o, 'vips', path).forEach((vip, j) => {
    const parsed = readVip(r, vip, `${path}.vips[${j}]`)
    if (parsed) inst.vips.push(parsed)
  })
  if (o.preemptWindow !== undefined) {
    const wp = `${path}.preemptWindow`
    const w = r.object(o.preemptWindow, wp)
    if (w) {
      r.known(w, wp, ['startHour', 'endHour'])
      inst.preemptWindow = { startHour: r.number(w, 'startHour', wp, 0, true), endHour: r.number(w, 'endHour', wp, 0, true) }
    }
  }
  const initial = r.string(o, 'initialState', path)
  if (initial !== undefined) {
    if (initial === 'MASTER' || initial === 'BACKUP') inst.initialState = initial
    else r.error(`${path}.initialState`, `"${initial}" is not a state; use "MASTER" or "BACKUP" (or leave it out)`)
  }
  return inst
}

function readScript(r: Reader, v: unknown, path: string, scriptUser: RunAs | undefined): TrackScriptConfig | undefined {
  const o = r.object(v, path)
  if (!o) return undefined
  r.known(o, path, SCRIPT_KEYS)
  const intervalMs = r.number(o, 'intervalMs', path, DEFAULT_SCRIPT_INTERVAL_MS)
  const user = readRunAs(r, o, 'user', path) ?? scriptUser
  return {
    ...(user ? { user } : {}),
    name: r.string(o, 'name', path, true),
    argv: o.argv === undefined ? (r.error(`${path}.argv`, 'is required: the program to run and its arguments'), []) : (r.argv(o.argv, `${path}.argv`) ?? []),
    intervalMs,
    timeoutMs: r.number(o, 'timeoutMs', path, intervalMs),
    rise: r.number(o, 'rise', path, DEFAULT_SCRIPT_RISE),
    fall: r.number(o, 'fall', path, DEFAULT_SCRIPT_FALL),
    weight: r.number(o, 'weight', path, DEFAULT_SCRIPT_WEIGHT)
  }
}

/**
 * JSON.parse's message without the excerpt of the file it may quote (that excerpt can be part
 * of a password), plus the line and column when it gives a position.
 */
function jsonSyntaxError(err: Error, text: string): string {
  const what = err.message.replace(/,\s*(\.\.\.)?".*$/s, '').replace(/\s*in JSON at position \d+.*$/s, '')
  const pos = /position (\d+)/.exec(err.message)
  if (!pos) return what
  const before = text.slice(0, Number(pos[1]))
  const line = before.split('\n').length
  return `${what} at line ${line} column ${before.length - before.lastIndexOf('\n')}`
}

export function parseJsonConfig(text: string, opts: { target?: ConfigTarget } = {}): ConfigResult {
  let raw: unknown
  try {
    raw = JSON.parse(text.replace(/^\ufeff/, '')) // a UTF-8 byte-order mark from a Windows editor
  } catch (err) {
    return { issues: [{ severity: 'error', message: `the file is not valid JSON: ${jsonSyntaxError(err as Error, text)}; fix the syntax (a JSON linter shows where)` }] }
  }
  const r = new Reader()
  const top = r.object(raw, '(top level)')
  if (!top) return { issues: r.issues }
  r.known(top, '', TOP_KEYS)
  const config: AgentConfig = {
    instances: [],
    scripts: [],
    transport: (r.string(top, 'transport', '') ?? 'raw') as AgentConfig['transport'],
    udpPort: r.number(top, 'udpPort', '', DEFAULT_UDP_PORT),
    controlSocket: r.string(top, 'controlSocket', '') ?? defaultControlSocket(opts.target)
  }
  const logFile = r.string(top, 'logFile', '')
  if (logFile !== undefined) config.logFile = logFile
  const scriptUser = readRunAs(r, top, 'scriptUser', '')
  r.array(top, 'instances', '', true).forEach((v, i) => {
    const inst = readInstance(r, v, `instances[${i}]`, scriptUser)
    if (inst) config.instances.push(inst)
  })
  r.array(top, 'scripts', '').forEach((v, i) => {
    const s = readScript(r, v, `scripts[${i}]`, scriptUser)
    if (s) config.scripts.push(s)
  })
  const issues = [...r.issues]
  // Range checks only make sense on well-typed values.
  if (!issues.some((i) => i.severity === 'error')) issues.push(...validateConfig(config, undefined, opts.target))
  return issues.some((i) => i.severity === 'error') ? { issues } : { config, issues }
}
