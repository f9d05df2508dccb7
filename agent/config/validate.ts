/**
 * Range and cross checks on a parsed AgentConfig, shared by the JSON and keepalived.conf
 * readers so both give the same verdict. Every message names the setting (as the reader
 * spells it: `instances[0].vrid` or `vrrp_instance VI_1: virtual_router_id`), what is wrong
 * and what to do.
 */
import { isIpv4, isMulticastIpv4 } from '../vrrp/ipv4'
import { MAX_IFNAME, MAX_WEIGHT } from './defaults'
import { WINDOWS_CONTROL_PIPE, type AgentConfig, type ConfigIssue, type ConfigTarget, type InstanceConfig } from './model'

/** How a reader names a field path and where it came from. */
export type Describe = (path: string) => { label: string; line?: number }

export const describeJsonPath: Describe = (path) => ({ label: path })

const NAME_RE = /^[A-Za-z0-9_.:@-]{1,64}$/
const IFNAME_RE = /^[^\s/:]{1,15}$/
/** A Windows interface alias ("Ethernet 2", "vEthernet (LAN)"): any printable text up to 256 characters. */
const WIN_ALIAS_RE = /^[^\u0000-\u001f\u007f]{1,256}$/
/** \\.\pipe\NAME: the only kind of control endpoint on Windows. */
const PIPE_RE = /^\\\\\.\\pipe\\[^\\/\u0000-\u001f]{1,200}$/

class Checker {
  readonly issues: ConfigIssue[] = []
  constructor(private readonly describe: Describe, readonly target: ConfigTarget = 'linux') {}

  private add(severity: ConfigIssue['severity'], path: string, problem: string): void {
    const { label, line } = this.describe(path)
    const issue: ConfigIssue = { severity, message: `${label}: ${problem}`, path }
    if (line !== undefined) issue.line = line
    this.issues.push(issue)
  }
  error(path: string, problem: string): void {
    this.add('error', path, problem)
  }
  warn(path: string, problem: string): void {
    this.add('warning', path, problem)
  }

  intRange(path: string, value: number, min: number, max: number, hint: string): boolean {
    if (!Number.isInteger(value) || value < min || value > max) {
      this.error(path, `${value} is ${Number.isInteger(value) ? 'out of range' : 'not a whole number in range'} ${min}..${max}; ${hint}`)
      return false
    }
    return true
  }

  ipv4(path: string, value: string, what: string): boolean {
    if (!isIpv4(value)) {
      this.error(path, `"${value}" is not an IPv4 address; write ${what} in dotted form, e.g. 198.51.100.10`)
      return false
    }
    return true
  }
}

function checkInstance(c: Checker, inst: InstanceConfig, p: string, scriptNames: Set<string>): void {
  if (!NAME_RE.test(inst.name)) {
    c.error(`${p}.name`, `"${inst.name}" is not a usable instance name; use 1-64 letters, digits, "_", "-", "." (it is typed in "havip-agent ctl takeover NAME")`)
  }
  if (c.target === 'windows') {
    if (!WIN_ALIAS_RE.test(inst.interface)) c.error(`${p}.interface`, `"${inst.interface}" is not a Windows interface alias (1-256 printable characters); use the alias Get-NetIPInterface shows, e.g. Ethernet`)
  } else if (!IFNAME_RE.test(inst.interface)) {
    c.error(`${p}.interface`, `"${inst.interface}" is not a Linux interface name (1-${MAX_IFNAME} characters, no spaces, "/" or ":"); use the NIC that carries the VIP, e.g. eth0`)
  }
  c.intRange(`${p}.vrid`, inst.vrid, 1, 255, 'choose a router id unique in this network (every cluster in a VPC needs its own)')
  if (inst.version !== 2 && inst.version !== 3) {
    c.error(`${p}.version`, `${String(inst.version)} is not a VRRP version; use 2 (RFC 3768) or 3 (RFC 5798)`)
  }
  c.intRange(`${p}.priority`, inst.priority, 1, 255, 'use 1..254 (higher wins the election); 255 only on the node that owns the address')

  const adv = inst.advertIntervalMs
  if (inst.version === 2) {
    if (!Number.isInteger(adv) || adv % 1000 !== 0 || adv < 1000 || adv > 255_000) {
      c.error(`${p}.advertIntervalMs`, `${adv} ms cannot be sent in VRRPv2, which carries whole seconds 1..255 (RFC 3768 §5.3.7); use a multiple of 1000 ms, or VRRP version 3 for sub-second intervals`)
    }
  } else if (inst.version === 3) {
    if (!Number.isInteger(adv) || adv % 10 !== 0 || adv < 10 || adv > 40_950) {
      c.error(`${p}.advertIntervalMs`, `${adv} ms cannot be sent in VRRPv3, which carries centiseconds 1..4095 (RFC 5798 §5.2.7); use a multiple of 10 ms between 10 and 40950`)
    }
  }
  c.intRange(`${p}.preemptDelayMs`, inst.preemptDelayMs, 0, 1_000_000, 'give the delay in ms, at most 1000 s as keepalived allows')
  if (!inst.preempt && inst.initialState === 'MASTER') {
    c.warn(`${p}.preempt`, 'keepalived ignores nopreempt when the initial state is MASTER, havip-agent honours it (it never preempts); set state BACKUP on every node so both behave the same')
  }
  const w = inst.preemptWindow
  if (w) {
    const wp = `${p}.preemptWindow`
    const hint = 'local hour 0..23 (the window is [startHour, endHour), wrapping midnight when startHour > endHour)'
    const startOk = c.intRange(`${wp}.startHour`, w.startHour, 0, 23, hint)
    const endOk = c.intRange(`${wp}.endHour`, w.endHour, 0, 23, hint)
    if (startOk && endOk && w.startHour === w.endHour) c.error(wp, `startHour and endHour are both ${w.startHour}: an empty window; for failback at any hour remove preemptWindow, for never set preempt false`)
    if (!inst.preempt) c.error(wp, 'needs preempt on: a failback window limits when this node preempts, and with preempt false (nopreempt) it never does; set preempt true or remove preemptWindow')
  }
  if (!inst.preempt && inst.preemptDelayMs > 0) {
    c.warn(`${p}.preemptDelayMs`, 'has no effect because preempt is off (nopreempt); remove one of them')
  }

  // Unicast: the cloud case, where multicast is not delivered in a VPC.
  if (inst.unicastSrcIp !== undefined) c.ipv4(`${p}.unicastSrcIp`, inst.unicastSrcIp, "this node's own address")
  const peers = new Set<string>()
  inst.unicastPeers.forEach((peer, j) => {
    const pp = `${p}.unicastPeers[${j}]`
    if (!c.ipv4(pp, peer, 'the other node\'s address')) return
    if (isMulticastIpv4(peer)) c.error(pp, `${peer} is a multicast address; list the other nodes' own unicast addresses, or no peers for multicast`)
    if (peers.has(peer)) c.error(pp, `${peer} is listed twice; list each peer once`)
    if (peer === inst.unicastSrcIp) c.error(pp, `${peer} is this node's own unicast_src_ip; list only the other nodes`)
    peers.add(peer)
  })

  if (inst.auth) {
    if (inst.version === 3) {
      c.error(`${p}.auth`, 'authentication exists only in VRRPv2 (RFC 5798 removed it); remove it or use version 2')
    }
    // The readers already turned the text into wire bytes (password.ts).
    const pw = inst.auth.password
    if (pw.length === 0) c.error(`${p}.auth.password`, 'is empty; set a password of 1-8 characters, the same on every node')
    else if (pw.length > 8 || /[^\x00-\xff]/.test(pw)) c.error(`${p}.auth.password`, 'is not 1-8 wire bytes; set a password of 1-8 ASCII characters')
  }

  if (inst.vips.length === 0) c.warn(`${p}.vips`, 'no virtual address configured: this instance elects a master but holds nothing; add the VIP')
  if (inst.vips.length > 255) c.error(`${p}.vips`, `${inst.vips.length} addresses do not fit one advert (at most 255); split them across instances`)
  const seenVips = new Set<string>()
  inst.vips.forEach((v, j) => {
    const vp = `${p}.vips[${j}]`
    if (c.ipv4(`${vp}.address`, v.address, 'the virtual IP')) {
      if (isMulticastIpv4(v.address) || v.address === '0.0.0.0' || v.address === '255.255.255.255') {
        c.error(`${vp}.address`, `${v.address} cannot be held as a virtual IP; use a unicast address in the nodes' subnet`)
      }
      if (v.address === inst.unicastSrcIp) {
        c.error(`${vp}.address`, `${v.address} is also the unicast_src_ip; the heartbeat source must be the node's own address, never the VIP`)
      }
      if (peers.has(v.address)) c.error(`${vp}.address`, `${v.address} is also a unicast peer; peers are the nodes' own addresses, never the VIP`)
      if (seenVips.has(v.address)) c.error(`${vp}.address`, `${v.address} is listed twice; list each VIP once`)
      seenVips.add(v.address)
    }
    c.intRange(`${vp}.prefix`, v.prefix, 0, 32, 'use the prefix length of the subnet, or 32 for a lone address')
    if (c.target === 'windows') {
      if (v.dev !== undefined && !WIN_ALIAS_RE.test(v.dev)) c.error(`${vp}.dev`, `"${v.dev}" is not a Windows interface alias`)
      if (v.label !== undefined) c.error(`${vp}.label`, `labels are a Linux feature (ip-address(8)); Windows has none: remove "label" from ${v.address}`)
    } else if (v.dev !== undefined && !IFNAME_RE.test(v.dev)) c.error(`${vp}.dev`, `"${v.dev}" is not a Linux interface name`)
    if (v.label !== undefined && c.target !== 'windows') {
      const dev = v.dev ?? inst.interface
      if (v.label.length > MAX_IFNAME) c.error(`${vp}.label`, `"${v.label}" is longer than ${MAX_IFNAME} characters, which Linux rejects; shorten it, e.g. ${dev}:vip`)
      else if (v.label !== dev && !v.label.startsWith(`${dev}:`)) {
        c.error(`${vp}.label`, `"${v.label}" must be the device name or start with "${dev}:" (ip-address(8)); use e.g. ${dev}:vip`)
      }
    }
  })

  inst.trackInterfaces.forEach((t, j) => {
    const tp = `${p}.trackInterfaces[${j}]`
    if (!(c.target === 'windows' ? WIN_ALIAS_RE : IFNAME_RE).test(t.name)) c.error(`${tp}.name`, `"${t.name}" is not a ${c.target === 'windows' ? 'Windows interface alias' : 'Linux interface name'}`)
    if (t.weight !== undefined) c.intRange(`${tp}.weight`, t.weight, -MAX_WEIGHT, MAX_WEIGHT, '0 means "fault when down"; otherwise it moves the priority')
  })
  inst.trackScripts.forEach((t, j) => {
    const tp = `${p}.trackScripts[${j}]`
    if (!scriptNames.has(t.name)) {
      c.error(`${tp}.name`, `no script named "${t.name}" is defined; define it (vrrp_script / scripts[]) or remove the reference`)
    }
    if (t.weight !== undefined) c.intRange(`${tp}.weight`, t.weight, -MAX_WEIGHT, MAX_WEIGHT, '0 means "fault when failing"; otherwise it moves the priority')
  })

  for (const key of ['master', 'backup', 'fault', 'stop', 'generic'] as const) {
    const argv = inst.notify[key]
    if (argv === undefined) continue
    if (argv.length === 0 || !argv[0]) c.error(`${p}.notify.${key}`, 'is an empty command; give the program and its arguments, or remove it')
  }

  const g = inst.garp
  c.intRange(`${p}.garp.masterDelayMs`, g.masterDelayMs, 0, 3_600_000, '0 means no second burst of gratuitous ARP')
  c.intRange(`${p}.garp.masterRepeat`, g.masterRepeat, 1, 255, 'number of gratuitous ARPs per burst')
  c.intRange(`${p}.garp.masterRefreshMs`, g.masterRefreshMs, 0, 86_400_000, '0 turns periodic refresh off')
  c.intRange(`${p}.garp.masterRefreshRepeat`, g.masterRefreshRepeat, 1, 255, 'number of gratuitous ARPs per refresh')
  c.intRange(`${p}.garp.intervalMs`, g.intervalMs, 0, 10_000, 'gap between gratuitous ARPs in ms')
}

/**
 * Check `config` and return its issues. Never changes it (normalising, like the password's
 * bytes, is the readers' job), so it can run more than once.
 */
export function validateConfig(config: AgentConfig, describe: Describe = describeJsonPath, target: ConfigTarget = 'linux'): ConfigIssue[] {
  const c = new Checker(describe, target)
  if (config.instances.length === 0) c.error('instances', 'no VRRP instance is configured; add at least one (vrrp_instance / instances[])')

  const scriptNames = new Set<string>()
  config.scripts.forEach((s, i) => {
    const p = `scripts[${i}]`
    if (!NAME_RE.test(s.name)) c.error(`${p}.name`, `"${s.name}" is not a usable script name; use letters, digits, "_", "-", "."`)
    if (scriptNames.has(s.name)) c.error(`${p}.name`, `"${s.name}" is defined twice; give each script its own name`)
    scriptNames.add(s.name)
    if (s.argv.length === 0 || !s.argv[0]) c.error(`${p}.argv`, 'is an empty command; give the program to run and its arguments')
    c.intRange(`${p}.intervalMs`, s.intervalMs, 10, 3_600_000, 'how often the check runs, in ms')
    c.intRange(`${p}.timeoutMs`, s.timeoutMs, 1, 3_600_000, 'after how long a running check counts as failed, in ms')
    c.intRange(`${p}.rise`, s.rise, 1, 1000, 'successes in a row needed to count as up')
    c.intRange(`${p}.fall`, s.fall, 1, 1000, 'failures in a row needed to count as down')
    c.intRange(`${p}.weight`, s.weight, -MAX_WEIGHT, MAX_WEIGHT, '0 means "fault when failing"; otherwise it moves the priority')
  })

  const names = new Map<string, number>()
  const used = new Set<string>()
  config.instances.forEach((inst, i) => {
    const p = `instances[${i}]`
    checkInstance(c, inst, p, scriptNames)
    inst.trackScripts.forEach((t) => used.add(t.name))
    const first = names.get(inst.name)
    if (first !== undefined) c.error(`${p}.name`, `"${inst.name}" is already the name of instances[${first}]; give each instance its own name`)
    else names.set(inst.name, i)
  })

  // Two instances with one VRID on one interface would answer each other's adverts. keepalived
  // allows it only for unicast instances whose peer lists do not overlap.
  for (let i = 0; i < config.instances.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = config.instances[i] as InstanceConfig
      const b = config.instances[j] as InstanceConfig
      if (a.vrid !== b.vrid || a.interface !== b.interface) continue
      const disjointUnicast = a.unicastPeers.length > 0 && b.unicastPeers.length > 0 && !a.unicastPeers.some((x) => b.unicastPeers.includes(x))
      if (!disjointUnicast) {
        c.error(`instances[${i}].vrid`, `router id ${a.vrid} is already used by instance "${b.name}" on ${a.interface}; choose another virtual_router_id`)
      }
    }
  }
  const owner = new Map<string, string>()
  config.instances.forEach((inst, i) => {
    inst.vips.forEach((v, j) => {
      const other = owner.get(v.address)
      if (other !== undefined && other !== inst.name) {
        c.error(`instances[${i}].vips[${j}].address`, `${v.address} is also a VIP of instance "${other}"; each VIP belongs to one instance`)
      }
      owner.set(v.address, inst.name)
    })
  })
  config.scripts.forEach((s, i) => {
    if (!used.has(s.name)) c.warn(`scripts[${i}]`, `script "${s.name}" is defined but no instance tracks it; it will not run`)
  })

  if (config.transport !== 'raw' && config.transport !== 'udp') {
    c.error('transport', `"${String(config.transport)}" is not a transport; use "raw" (IP protocol 112, works with keepalived) or "udp"`)
  } else if (config.transport === 'udp') {
    c.warn('transport', 'udp carries adverts where raw sockets are unavailable, but keepalived cannot hear it; every node of the cluster must run havip-agent with udp')
  }
  c.intRange('udpPort', config.udpPort, 1, 65535, 'a free UDP port, the same on every node')
  if (target === 'windows') {
    if (!PIPE_RE.test(config.controlSocket)) c.error('controlSocket', `"${config.controlSocket}" is not a named pipe; on Windows use e.g. ${WINDOWS_CONTROL_PIPE}`)
  } else if (!config.controlSocket.startsWith('/')) {
    c.error('controlSocket', `"${config.controlSocket}" is not an absolute path; use e.g. /run/havip/agent.sock`)
  }
  return c.issues
}
