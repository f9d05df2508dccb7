/**
 * The agent: owns every Instance, the tracked checks feeding them, and the OS layer.
 * Start-up order matters: leftover VIPs from a crashed run are removed before any instance
 * can become master, and tracked scripts run once first so an instance does not start as
 * master on a check that has been failing all along.
 */
import { EventEmitter } from 'node:events'
import type { AgentConfig, InstanceConfig } from './config/model'
import { Instance, type AgentEvent, type InstanceStatus } from './instance'
import type { Logger } from './log'
import { RawVrrpTransport } from './net/raw-transport'
import type { TransportOptions, VrrpTransport } from './net/transport'
import { UdpVrrpTransport } from './net/udp-transport'
import type { GarpSupport, OsAdapter } from './os/os-adapter'
import { combineHealth, type TrackedCheck } from './track/health'
import { guardNotify } from './track/notify'
import { TrackInterface } from './track/track-interface'
import { TrackScript } from './track/track-script'
import { AGENT_VERSION } from './version'

export type AdminCommand = 'takeover' | 'release' | 'pause' | 'resume'

export interface AgentStatus {
  version: string
  /** Node.js running the agent (`process.version`): the manager checks it against what it deployed for. */
  nodeVersion: string
  pid: number
  startedAt: string
  transport: 'raw' | 'udp'
  interoperable: boolean
  warnings: string[]
  garp: GarpSupport
  instances: InstanceStatus[]
}

export interface AgentOptions {
  os: OsAdapter & { interfaceUpSync?: (dev: string) => boolean }
  logger: Logger
  /** Injected for tests; defaults to raw/udp per config. */
  makeTransport?: (cfg: InstanceConfig, o: TransportOptions) => VrrpTransport
}

export class Agent extends EventEmitter {
  private readonly instances: Instance[] = []
  private readonly scripts = new Map<string, TrackScript>()
  private readonly interfaces = new Map<string, TrackInterface>()
  private readonly warnings: string[] = []
  private garp: GarpSupport = { ok: false, detail: 'not checked yet' }
  private readonly startedAt = new Date().toISOString()
  private started = false
  private stopping?: Promise<void>

  constructor(readonly config: AgentConfig, private readonly opts: AgentOptions) {
    super()
    this.setMaxListeners(100)
  }

  private get log(): Logger['log'] {
    return this.opts.logger.log
  }

  /** Our own address on the instance's interface: unicast_src_ip, else the first address that is not a VIP. */
  private async primaryAddress(cfg: InstanceConfig): Promise<string> {
    const st = await this.opts.os.interfaceState(cfg.interface)
    if (!st.exists) throw new Error(`instance ${cfg.name}: interface "${cfg.interface}" does not exist on this host; fix "interface" in the config`)
    if (cfg.unicastSrcIp) {
      if (!st.addresses.includes(cfg.unicastSrcIp)) {
        const w = `instance ${cfg.name}: unicast_src_ip ${cfg.unicastSrcIp} is not an address of ${cfg.interface} (it has ${st.addresses.join(', ') || 'none'}); peers would answer an address this node does not own: set it to this node's own address`
        this.warnings.push(w)
        this.log('warn', w)
      }
      return cfg.unicastSrcIp
    }
    const vips = new Set(this.config.instances.flatMap((i) => i.vips.map((v) => v.address)))
    const own = st.addresses.find((a) => !vips.has(a))
    if (!own) throw new Error(`instance ${cfg.name}: interface ${cfg.interface} has no IPv4 address of its own to send adverts from; add one, or set unicast_src_ip`)
    return own
  }

  /** Removes configured VIPs a crashed previous run left on the interfaces. */
  private async removeLeftoverVips(): Promise<void> {
    for (const inst of this.config.instances) {
      for (const v of inst.vips) {
        const dev = v.dev ?? inst.interface
        const present = await this.opts.os.listAddresses(dev).catch(() => [])
        if (present.some((a) => a.address === v.address)) {
          this.log('warn', `removing VIP ${v.address}/${v.prefix} from ${dev}, left behind by a previous run`, { instance: inst.name })
          await this.opts.os.removeVip(v, dev)
        }
      }
    }
  }

  private makeTransport(cfg: InstanceConfig, o: TransportOptions): VrrpTransport {
    if (this.opts.makeTransport) return this.opts.makeTransport(cfg, o)
    if (this.config.transport === 'udp') return new UdpVrrpTransport({ ...o, port: this.config.udpPort })
    return new RawVrrpTransport(o)
  }

  private checksFor(cfg: InstanceConfig): TrackedCheck[] {
    const checks: TrackedCheck[] = []
    for (const ref of cfg.trackScripts) {
      const s = this.scripts.get(ref.name)
      if (!s) continue
      // A script refused by script security is a fault whatever its weight (docs/keepalived-compat.md).
      checks.push({ label: s.refused ? `script ${ref.name} (refused)` : `script ${ref.name}`, weight: s.refused ? 0 : ref.weight ?? s.cfg.weight, ok: s.ok })
    }
    for (const ref of cfg.trackInterfaces) {
      const t = this.interfaces.get(ref.name)
      if (!t) continue
      checks.push({ label: `interface ${ref.name}`, weight: ref.weight ?? 0, ok: t.ok })
    }
    return checks
  }

  private refreshHealth(): void {
    if (!this.started) return
    for (const inst of this.instances) inst.setHealth(combineHealth(inst.cfg.priority, this.checksFor(inst.cfg)))
  }

  async start(): Promise<void> {
    await this.opts.os.prepare?.()
    this.garp = await this.opts.os.garpSupport()
    if (!this.garp.ok) this.warnings.push(this.garp.detail)
    if (this.config.transport === 'udp') this.warnings.push('udp transport: not interoperable with keepalived')
    const primaries = new Map<string, string>()
    for (const cfg of this.config.instances) primaries.set(cfg.name, await this.primaryAddress(cfg))
    await this.removeLeftoverVips()

    // Tracked checks first, so the instances start with a known health.
    const wantedScripts = new Set(this.config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)))
    for (const sc of this.config.scripts) {
      if (!wantedScripts.has(sc.name)) continue
      this.scripts.set(sc.name, new TrackScript(sc, (ok, detail) => {
        this.log(ok ? 'info' : 'warn', `track script ${sc.name} is now ${ok ? 'OK' : 'FAILING'} (${detail})`)
        this.refreshHealth()
      }))
    }
    for (const name of new Set(this.config.instances.flatMap((i) => i.trackInterfaces.map((t) => t.name)))) {
      const isUp = this.opts.os.interfaceUpSync?.bind(this.opts.os) ?? (() => true)
      this.interfaces.set(name, new TrackInterface(name, isUp, (up) => {
        this.log(up ? 'info' : 'warn', `tracked interface ${name} is ${up ? 'up' : 'DOWN'}`)
        this.refreshHealth()
      }))
    }
    await Promise.all([...this.scripts.values()].map((s) => s.start()))
    this.reportRefusedScripts()
    for (const t of this.interfaces.values()) t.start()

    for (const cfg of this.config.instances) {
      const primaryAddress = primaries.get(cfg.name)!
      const transport = this.makeTransport(cfg, { interface: cfg.interface, sourceAddress: primaryAddress, peers: cfg.unicastPeers })
      transport.onError = (err) => {
        this.log('error', err.message, { instance: cfg.name })
        this.emitEvent({ type: 'error', instance: cfg.name, message: err.message })
      }
      await transport.start()
      const inst = new Instance(cfg, { transport, os: this.opts.os, logger: this.opts.logger, primaryAddress })
      inst.on('event', (e: AgentEvent) => this.emit('event', e))
      this.instances.push(inst)
    }
    this.started = true
    for (const inst of this.instances) inst.start(combineHealth(inst.cfg.priority, this.checksFor(inst.cfg)))
    this.log('info', `havip-agent ${AGENT_VERSION} started with ${this.instances.length} instance(s)`, { transport: this.config.transport })
    this.emitEvent({ type: 'started', message: `${this.instances.length} instance(s)` })
  }

  /** Script security (track/script-guard.ts): say loudly what will not run, and why. */
  private reportRefusedScripts(): void {
    const refuse = (message: string, instance?: string): void => {
      this.warnings.push(message)
      this.log('error', message, instance ? { instance } : {})
      this.emitEvent({ type: 'error', message, ...(instance ? { instance } : {}) })
    }
    for (const [name, s] of this.scripts) {
      if (!s.refused) continue
      for (const inst of this.config.instances.filter((i) => i.trackScripts.some((t) => t.name === name))) {
        refuse(`instance ${inst.name}: track script ${name} ${s.refused}; the instance stays in FAULT until the script is fixed and the agent restarted`, inst.name)
      }
    }
    for (const inst of this.config.instances) {
      for (const [hook, g] of guardNotify(inst.notify)) {
        if (!g.ok) refuse(`instance ${inst.name}: notify hook "${hook}" (${inst.notify[hook]?.[0] ?? ''}) will be skipped: ${g.reason}`, inst.name)
      }
    }
  }

  private emitEvent(e: Omit<AgentEvent, 'time'>): void {
    this.emit('event', { time: new Date().toISOString(), ...e } satisfies AgentEvent)
  }

  /** Admin command; `instance` may be omitted for pause/resume (all) or when there is one instance. */
  command(cmd: AdminCommand, instance?: string): InstanceStatus[] {
    let targets: Instance[]
    if (instance) {
      const inst = this.instances.find((i) => i.cfg.name === instance)
      if (!inst) throw new Error(`no instance named "${instance}"; instances here: ${this.instances.map((i) => i.cfg.name).join(', ') || '(none)'}`)
      targets = [inst]
    } else if (cmd === 'pause' || cmd === 'resume' || this.instances.length === 1) {
      targets = this.instances
    } else {
      throw new Error(`${cmd} needs an instance name: one of ${this.instances.map((i) => i.cfg.name).join(', ')}`)
    }
    for (const t of targets) t.admin(cmd)
    if (cmd === 'takeover') {
      const refused = targets.filter((t) => t.state !== 'master')
      if (refused.length > 0) {
        throw new Error(refused.map((t) => `cannot take over ${t.cfg.name}: it is in state ${t.state}${t.state === 'maintenance' ? ' (paused: run "ctl resume" first)' : t.state === 'fault' ? ` (${t.status().health}: fix that first)` : ''}`).join('; '))
      }
    }
    return targets.map((t) => t.status())
  }

  status(): AgentStatus {
    return {
      version: AGENT_VERSION,
      nodeVersion: process.version,
      pid: process.pid,
      startedAt: this.startedAt,
      transport: this.config.transport,
      interoperable: this.config.transport === 'raw',
      warnings: [...this.warnings],
      garp: this.garp,
      instances: this.instances.map((i) => i.status())
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of this.scripts.values()) s.stop()
      for (const t of this.interfaces.values()) t.stop()
      await Promise.all(this.instances.map((i) => i.stop()))
      await this.opts.os.close?.()
      this.log('info', 'havip-agent stopped')
      this.emitEvent({ type: 'stopped' })
    })()
    return this.stopping
  }
}
