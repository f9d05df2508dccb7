/**
 * vrrp_instance blocks of a keepalived.conf -> InstanceConfig, keyword by keyword. Unknown
 * keywords become warnings with their line; values that cannot be read become errors.
 */
import { isIpv4 } from '../vrrp/ipv4'
import { DEFAULT_ADVERT_INTERVAL_MS, DEFAULT_PREEMPT, DEFAULT_PREEMPT_DELAY_MS, DEFAULT_PRIORITY, DEFAULT_VIP_PREFIX, MAX_WEIGHT } from './defaults'
import { applyGarp, GARP_FIELDS, type ConfReader } from './keepalived-reader'
import type { Statement } from './keepalived-tokens'
import { passwordWireBytes } from './password'
import type { GarpConfig, InstanceConfig, NotifyHook, RunAs } from './model'

/** Defaults a global_defs block sets for every instance. */
export interface GlobalDefaults {
  version: 2 | 3
  garp: GarpConfig
  /** global_defs script_user: who runs scripts and hooks that name no user. */
  scriptUser?: RunAs
}

export function readInstance(r: ConfReader, s: Statement, index: number, g: GlobalDefaults): InstanceConfig | undefined {
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
  let sawPeers = false
  let sawVrid = false
  const set = (field: string, line: number): void => void r.lines.set(`${p}.${field}`, line)

  for (const st of s.block ?? []) {
    if (st.keyword === 'garp_interval') {
      // keepalived 2.2.7 has no garp_interval in vrrp_instance ("Unknown keyword"): it would
      // ignore the line, so the agent does too rather than time ARPs differently from it.
      r.warn(st.line, `${ctx}garp_interval is not a vrrp_instance keyword in keepalived (it ignores the line), so havip-agent ignores it too; use "vrrp_garp_interval" in global_defs`)
      continue
    }
    const garpKey = /^(garp_master_delay|garp_master_repeat|garp_master_refresh|garp_master_refresh_repeat)$/.exec(st.keyword)
    if (garpKey) {
      applyGarp(r, ctx, st, st.keyword, inst.garp)
      set(GARP_FIELDS[st.keyword] as string, st.line)
      continue
    }
    switch (st.keyword) {
      case 'state': {
        const v = r.one(ctx, st)?.text
        if (v === 'MASTER' || v === 'BACKUP') inst.initialState = v
        else if (v !== undefined) {
          inst.initialState = 'BACKUP'
          r.warn(st.line, `${ctx}state "${v}" is not MASTER or BACKUP; read as BACKUP, as keepalived does; write MASTER or BACKUP`)
        }
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
        if (v !== undefined && (v < 1 || v > 255)) r.ignored(st, `${ctx}priority ${v} is out of range 1..255`, `the default priority ${DEFAULT_PRIORITY} is used`)
        else if (v !== undefined) inst.priority = v
        set('priority', st.line)
        break
      }
      case 'version': {
        const v = r.int(ctx, st)
        if (v === 2 || v === 3) inst.version = v
        else if (v !== undefined) r.ignored(st, `${ctx}version ${v} is not a VRRP version (2 or 3)`, `version ${inst.version} is used`)
        set('version', st.line)
        break
      }
      case 'advert_int': {
        const v = r.secondsMs(ctx, st)
        if (v === 0) r.ignored(st, `${ctx}advert_int 0 is not valid (it must be > 0)`)
        else if (v !== undefined) inst.advertIntervalMs = v
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
        if (v !== undefined && v > 1_000_000) r.ignored(st, `${ctx}preempt_delay ${v / 1000} is out of range 0..1000 seconds`, 'no delay is used')
        else if (v !== undefined) inst.preemptDelayMs = v
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
        set('unicastPeers', st.line)
        for (const peer of st.block) {
          if (peer.args.length > 0) r.warn(peer.line, `${ctx}unicast_peer ${peer.keyword}: options "${peer.args.map((a) => a.text).join(' ')}" are not supported and are ignored`)
          if (peer.block) r.error(peer.line, `${ctx}unicast_peer: unexpected block after ${peer.keyword}`)
          sawPeers = true
          if (!isIpv4(peer.keyword)) {
            r.warn(peer.line, `${ctx}unicast_peer "${peer.keyword}" is not an IPv4 address; skipped, as keepalived does; fix the address or this node will not hear that peer`)
            continue
          }
          if (inst.unicastPeers.includes(peer.keyword)) {
            r.warn(peer.line, `${ctx}unicast_peer ${peer.keyword} is listed twice; the second is ignored`)
            continue
          }
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
            if (w === undefined || !/^-?\d+$/.test(w) || Math.abs(Number(w)) > MAX_WEIGHT) {
              // keepalived: "weight ... must be between [-253..253] inclusive. Ignoring..." (the whole entry)
              r.warn(t.line, `${ctx}${st.keyword} ${t.keyword}: weight "${w ?? ''}" is not a whole number in -${MAX_WEIGHT}..${MAX_WEIGHT}; this entry is ignored, as keepalived does; write e.g. "weight -20"`)
              continue
            }
            ref.weight = Number(w)
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
        const key = (st.keyword === 'notify' ? 'generic' : st.keyword.slice('notify_'.length)) as NotifyHook
        const cmd = r.notifyCommand(ctx, st)
        if (cmd) {
          inst.notify[key] = cmd.argv
          const user = cmd.user ?? g.scriptUser
          if (user) inst.notify.users = { ...inst.notify.users, [key]: user }
        }
        set(`notify.${key}`, st.line)
        break
      }
      default:
        r.unsupported(ctx, st)
    }
  }
  finishPeers(r, ctx, s, inst, sawPeers, p)
  if (!inst.preempt && inst.initialState === 'MASTER') {
    // keepalived: "Warning - nopreempt will not work with initial state MASTER - clearing"
    r.warn(r.lines.get(`${p}.preempt`) ?? s.line, `${ctx}nopreempt does not work with state MASTER, so it is cleared (this node preempts), as keepalived does; set state BACKUP on every node to keep nopreempt`)
    inst.preempt = true
  }
  if (inst.preemptDelayMs > 0 && inst.initialState === 'MASTER') {
    // keepalived: "Warning - preempt delay will not work with initial state MASTER - clearing"
    r.warn(r.lines.get(`${p}.preemptDelayMs`) ?? s.line, `${ctx}preempt_delay does not work with state MASTER, so it is cleared, as keepalived does; set state BACKUP to keep the delay`)
    inst.preemptDelayMs = 0
  }
  if (inst.version === 2 && inst.advertIntervalMs % 1000 !== 0) {
    const rounded = Math.max(1000, Math.round(inst.advertIntervalMs / 1000) * 1000)
    r.warn(r.lines.get(`${p}.advertIntervalMs`) ?? s.line, `${ctx}advert_int ${inst.advertIntervalMs / 1000} s must be whole seconds in VRRPv2 (RFC 3768 §5.3.7); rounded to ${rounded / 1000} s, as keepalived does; use version 3 for sub-second adverts`)
    inst.advertIntervalMs = rounded
  }
  if (inst.auth && inst.version === 3) {
    // keepalived: "VRRP version 3 does not support authentication. Ignoring." and runs.
    r.warn(r.lines.get(`${p}.auth`) ?? s.line, `${ctx}authentication is ignored: VRRP version 3 has none (RFC 5798), as keepalived ignores it; remove the block`)
    delete inst.auth
  }
  if (!sawInterface) r.error(s.line, `${ctx}has no "interface"; add the NIC that carries the VIP, e.g. "interface eth0"`)
  if (!sawVrid) r.error(s.line, `${ctx}has no "virtual_router_id"; add one (1..255), unique in this network`)
  return inst
}

/**
 * keepalived skips a malformed or repeated peer (and the agent does the same), but when no
 * peer is left it falls back to multicast, which a VPC does not deliver: each node would then
 * be master alone. That is refused.
 */
function finishPeers(r: ConfReader, ctx: string, s: Statement, inst: InstanceConfig, sawPeers: boolean, p: string): void {
  const self = inst.unicastSrcIp
  if (self !== undefined && inst.unicastPeers.includes(self)) {
    const line = r.lines.get(`${p}.unicastPeers[${inst.unicastPeers.indexOf(self)}]`) ?? s.line
    r.warn(line, `${ctx}unicast_peer ${self} is this node's own unicast_src_ip; it is skipped (list only the other nodes)`)
    inst.unicastPeers = inst.unicastPeers.filter((a) => a !== self)
  }
  if (sawPeers && inst.unicastPeers.length === 0) {
    r.error(r.lines.get(`${p}.unicastPeers`) ?? s.line, `${ctx}unicast_peer lists no usable peer address; keepalived would fall back to multicast, which cloud networks do not deliver (both nodes would hold the VIP), so havip-agent refuses it; list the other nodes' addresses`)
  }
}

function readVip(r: ConfReader, ctx: string, v: Statement, inst: InstanceConfig, p: string): void {
  const [addr = '', prefixText] = v.keyword.split('/')
  const j = inst.vips.length
  if (!isIpv4(addr)) {
    r.warn(v.line, `${ctx}virtual_ipaddress "${v.keyword}" is not an IPv4 address; skipped, as keepalived does; fix it or this VIP is not held`)
    return
  }
  if (inst.vips.some((x) => x.address === addr)) {
    r.warn(v.line, `${ctx}virtual_ipaddress ${addr} is listed twice; the second is ignored`)
    return
  }
  r.lines.set(`${p}.vips[${j}]`, v.line)
  let prefix = DEFAULT_VIP_PREFIX
  if (prefixText !== undefined) {
    if (!/^\d+$/.test(prefixText) || Number(prefixText) > 32) {
      r.warn(v.line, `${ctx}virtual_ipaddress "${v.keyword}": the prefix "${prefixText}" is not a prefix length 0..32; /32 is used, as keepalived does; write ADDRESS/PREFIX, e.g. 198.51.100.100/24`)
    } else prefix = Number(prefixText)
  }
  const vip: InstanceConfig['vips'][number] = { address: addr, prefix }
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
  let passwordLine = st.line
  for (const a of st.block) {
    if (a.keyword === 'auth_type') type = r.one(ctx, a)?.text
    else if (a.keyword === 'auth_pass') {
      // Never echo the words of a password line (r.one would list "extra words").
      if (a.args.length > 1) r.warn(a.line, `${ctx}auth_pass: only the first word is the password (keepalived reads it the same way); quote it if it contains spaces`)
      password = a.args[0]?.text
      if (password === undefined) r.error(a.line, `${ctx}auth_pass needs a value`)
      passwordLine = a.line
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
    // keepalived: "Authentication specified but no password given. Ignoring" and runs without.
    r.warn(st.line, `${ctx}authentication has no auth_pass, so it is ignored and adverts carry no password (as keepalived does); add "auth_pass SECRET" (1-8 characters, the same on every node) or remove the block`)
    return
  }
  const pw = passwordWireBytes(password)
  for (const note of pw.notes) r.warn(passwordLine, `${ctx}auth_pass ${note}`)
  inst.auth = { type: 'PASS', password: pw.wire }
}

