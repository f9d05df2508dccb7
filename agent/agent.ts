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
import type { Scheduler } from './time/scheduler'
import { AGENT_VERSION } from './version'
import { canonical, planReload, type ReloadResult } from './reload/plan'

export type AdminCommand = 'takeover' | 'release' | 'pause' | 'resume'

/**
 * The answer of `ctl status --json` ({"id":1,"ok":true,"result": AgentStatus}), parsed by the
 * manager: field names are a contract, add fields but never rename or remove one.
 *   { version, nodeVersion, pid, startedAt, transport: "raw"|"udp", interoperable, warnings: [],
 *     garp: { ok, detail, method? },
 *     instances: [ { name, interface, vrid, version, state: "initialize"|"backup"|"master"|"fault"|"maintenance"|"stopped",
 *                    basePriority, effectivePriority, masterAddress?, masterPriority?, primaryAddress,
 *                    advertIntervalMs, vips: ["A.B.C.D/P"], vipsHeld: ["A.B.C.D/P"], holdsVips,
 *                    adverts: { sent, received, bad: {reason: n}, badTotal, sendErrors, socketReopens },
 *                    lastTransition?: { from, to, reason, at (ISO) }, transitions,
 *                    peers: [ { address, priority, advertIntervalMs, lastSeen } ],
 *                    transport: { kind, interoperable, note?, mode: "unicast"|"multicast", peers },
 *                    paused, takeover, fault, health, preemptWindow?, simulatedFailure?: { until, durationMs, startedAt } } ] }
 * (InstanceStatus in instance.ts has the per-field notes.)
 */
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
  /** Time and timers of the instances; tests inject a fake clock (defaults to the monotonic clock). */
  scheduler?: Scheduler
  /** Injected for tests; defaults to raw/udp per config. */
  makeTransport?: (cfg: InstanceConfig, o: TransportOptions) => VrrpTransport
}

export class Agent extends EventEmitter {
  private instances: Instance[] = []
  private readonly scripts = new Map<string, TrackScript>()
  private readonly interfaces = new Map<string, TrackInterface>()
  private readonly warnings: string[] = []
  private garp: GarpSupport = { ok: false, detail: 'not checked yet' }
  private readonly startedAt = new Date().toISOString()
  private started = false
  private stopping?: Promise<void>

  private cfg: AgentConfig
  /** One reload at a time; a reload waits for start-up. */
  private reloading: Promise<unknown> = Promise.resolve()

  constructor(config: AgentConfig, private readonly opts: AgentOptions) {
    super()
    this.cfg = config
    this.setMaxListeners(100)
  }

  /** The config running now (after a reload, the reloaded one). */
  get config(): AgentConfig {
    return this.cfg
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

  /** Removes configured VIPs a crashed previous run left on the interfaces (of instances not running yet). */
  private async removeLeftoverVips(instances: InstanceConfig[]): Promise<void> {
    for (const inst of instances) {
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
    const primaries = await this.primaryAddresses(this.config.instances)
    await this.removeLeftoverVips(this.config.instances)
    // Tracked checks first, so the instances start with a known health.
    await this.syncTrackedChecks()
    this.reportRefusedScripts(this.config.instances)
    for (const cfg of this.config.instances) this.instances.push(await this.makeInstance(cfg, primaries.get(cfg.name)!))
    this.started = true
    for (const inst of this.instances) inst.start(combineHealth(inst.cfg.priority, this.checksFor(inst.cfg)))
    this.log('info', `havip-agent ${AGENT_VERSION} started with ${this.instances.length} instance(s)`, { transport: this.config.transport })
    this.emitEvent({ type: 'started', message: `${this.instances.length} instance(s)` })
  }

  private async primaryAddresses(instances: InstanceConfig[]): Promise<Map<string, string>> {
    const primaries = new Map<string, string>()
    for (const cfg of instances) primaries.set(cfg.name, await this.primaryAddress(cfg))
    return primaries
  }

  /**
   * Runs exactly the track scripts and tracked interfaces the config uses: starts the missing
   * ones (a script runs once, awaited, before this returns), stops the unused ones and those whose
   * settings changed (the instances using them restart on a reload, reload/plan.ts). A script that
   * script security refused is checked again: the admin may have fixed its file and reloaded.
   * Returns the names of the scripts started.
   */
  private async syncTrackedChecks(): Promise<string[]> {
    const wanted = new Map(this.config.scripts.filter((sc) => this.config.instances.some((i) => i.trackScripts.some((t) => t.name === sc.name))).map((sc) => [sc.name, sc]))
    for (const [name, s] of this.scripts) {
      const want = wanted.get(name)
      if (want && canonical(want) === canonical(s.cfg) && !s.refused) continue
      s.stop()
      this.scripts.delete(name)
    }
    const fresh: TrackScript[] = []
    for (const sc of wanted.values()) {
      if (this.scripts.has(sc.name)) continue
      const s = new TrackScript(sc, (ok, detail) => {
        this.log(ok ? 'info' : 'warn', `track script ${sc.name} is now ${ok ? 'OK' : 'FAILING'} (${detail})`)
        this.refreshHealth()
      })
      this.scripts.set(sc.name, s)
      fresh.push(s)
    }
    const ifaces = new Set(this.config.instances.flatMap((i) => i.trackInterfaces.map((t) => t.name)))
    for (const [name, t] of this.interfaces) {
      if (ifaces.has(name)) continue
      t.stop()
      this.interfaces.delete(name)
    }
    const isUp = this.opts.os.interfaceUpSync?.bind(this.opts.os) ?? (() => true)
    for (const name of ifaces) {
      if (this.interfaces.has(name)) continue
      const t = new TrackInterface(name, isUp, (up) => {
        this.log(up ? 'info' : 'warn', `tracked interface ${name} is ${up ? 'up' : 'DOWN'}`)
        this.refreshHealth()
      })
      this.interfaces.set(name, t)
      t.start()
    }
    await Promise.all(fresh.map((s) => s.start()))
    return fresh.map((s) => s.cfg.name)
  }

  /** An Instance on its own started transport (not started itself: the caller feeds it its first health). */
  private async makeInstance(cfg: InstanceConfig, primaryAddress: string): Promise<Instance> {
    const transport = this.makeTransport(cfg, { interface: cfg.interface, sourceAddress: primaryAddress, peers: cfg.unicastPeers })
    transport.onError = (err) => {
      this.log('error', err.message, { instance: cfg.name })
      this.emitEvent({ type: 'error', instance: cfg.name, message: err.message })
    }
    await transport.start()
    const inst = new Instance(cfg, { transport, os: this.opts.os, logger: this.opts.logger, primaryAddress, scheduler: this.opts.scheduler })
    inst.on('event', (e: AgentEvent) => this.emit('event', e))
    return inst
  }

  /**
   * Applies a new config without disturbing what did not change (reload/plan.ts): kept instances
   * are not touched at all; removed ones stop as on shutdown (priority-0 advert, VIPs released);
   * changed ones stop and start again; added ones start. Everything that can fail for the new
   * instances (their interface and address) is checked before anything is stopped, so a reload
   * that throws leaves the old config running.
   */
  reload(next: AgentConfig): Promise<ReloadResult> {
    const run = async (): Promise<ReloadResult> => {
      if (!this.started || this.stopping) throw new Error(this.stopping ? 'the agent is stopping; nothing reloaded' : 'the agent is still starting; reload again in a moment')
      const plan = planReload(this.config, next)
      const fresh = plan.config.instances.filter((i) => plan.added.includes(i.name) || plan.restarted.includes(i.name))
      const prevConfig = this.cfg
      this.cfg = plan.config // primaryAddress() excludes the new config's VIPs too
      let primaries: Map<string, string>
      try {
        primaries = await this.primaryAddresses(fresh)
      } catch (err) {
        this.cfg = prevConfig
        throw err
      }
      const leaving = new Set([...plan.removed, ...plan.restarted])
      const stopping = this.instances.filter((i) => leaving.has(i.cfg.name))
      await Promise.all(stopping.map((i) => i.stop()))
      this.warnings.splice(0, this.warnings.length, ...this.warnings.filter((w) => ![...leaving].some((n) => w.startsWith(`instance ${n}:`))))
      await this.removeLeftoverVips(fresh)
      const rechecked = await this.syncTrackedChecks()
      // What script security says now: about every instance that is new, and about the kept ones
      // whose scripts were checked again (a fixed script's warning goes away).
      this.warnings.splice(0, this.warnings.length, ...this.warnings.filter((w) => !rechecked.some((n) => w.includes(`: track script ${n} `))))
      this.reportRefusedScripts(fresh)
      this.reportRefusedTrackScripts(plan.config.instances.filter((i) => !fresh.includes(i)), rechecked)
      const byName = new Map(this.instances.filter((i) => !leaving.has(i.cfg.name)).map((i) => [i.cfg.name, i]))
      for (const cfg of plan.config.instances) if (plan.updated.includes(cfg.name)) byName.get(cfg.name)?.updateFailback(cfg)
      const started: Instance[] = []
      for (const cfg of fresh) {
        try {
          const inst = await this.makeInstance(cfg, primaries.get(cfg.name)!)
          byName.set(cfg.name, inst)
          started.push(inst)
        } catch (err) {
          const message = `instance ${cfg.name}: not started after the reload: ${(err as Error).message}`
          this.warnings.push(message)
          this.log('error', message, { instance: cfg.name })
          this.emitEvent({ type: 'error', instance: cfg.name, message })
        }
      }
      this.instances = plan.config.instances.map((c) => byName.get(c.name)).filter((i): i is Instance => i !== undefined)
      for (const inst of started) inst.start(combineHealth(inst.cfg.priority, this.checksFor(inst.cfg)))
      const result: ReloadResult = { kept: plan.kept, added: plan.added, removed: plan.removed, restarted: plan.restarted, updated: plan.updated, notApplied: plan.notApplied }
      const summary = `config reloaded: kept ${plan.kept.join(', ') || '-'}; added ${plan.added.join(', ') || '-'}; removed ${plan.removed.join(', ') || '-'}; restarted ${plan.restarted.join(', ') || '-'}; failback updated ${plan.updated.join(', ') || '-'}`
      this.log('info', summary, { ...result })
      for (const n of plan.notApplied) this.log('warn', `config reload: ${n}`)
      this.emitEvent({ type: 'reload', message: summary + (plan.notApplied.length > 0 ? `; not applied: ${plan.notApplied.join('; ')}` : '') })
      return result
    }
    const p = this.reloading.then(run, run)
    this.reloading = p.catch(() => undefined)
    return p
  }

  /** Script security (track/script-guard.ts): say loudly what will not run, and why. */
  private reportRefusedScripts(instances: InstanceConfig[]): void {
    this.reportRefusedTrackScripts(instances, [...this.scripts.keys()])
    for (const inst of instances) {
      for (const [hook, g] of guardNotify(inst.notify)) {
        if (!g.ok) this.refuse(`instance ${inst.name}: notify hook "${hook}" (${inst.notify[hook]?.[0] ?? ''}) will be skipped: ${g.reason}`, inst.name)
      }
    }
  }

  private reportRefusedTrackScripts(instances: InstanceConfig[], names: string[]): void {
    for (const name of names) {
      const s = this.scripts.get(name)
      if (!s?.refused) continue
      for (const inst of instances.filter((i) => i.trackScripts.some((t) => t.name === name))) {
        this.refuse(`instance ${inst.name}: track script ${name} ${s.refused}; the instance stays in FAULT until the script is fixed and the config reloaded ("havip-agent ctl reload") or the agent restarted`, inst.name)
      }
    }
  }

  private refuse(message: string, instance: string): void {
    this.warnings.push(message)
    this.log('error', message, { instance })
    this.emitEvent({ type: 'error', message, instance })
  }

  private emitEvent(e: Omit<AgentEvent, 'time'>): void {
    this.emit('event', { time: new Date().toISOString(), ...e } satisfies AgentEvent)
  }

  /** The instances a command acts on: the named one; without a name, all (`all`) or the only one. */
  private targetsOf(cmd: string, instance: string | undefined, all: boolean): Instance[] {
    if (instance) {
      const inst = this.instances.find((i) => i.cfg.name === instance)
      if (!inst) throw new Error(`no instance named "${instance}"; instances here: ${this.instances.map((i) => i.cfg.name).join(', ') || '(none)'}`)
      return [inst]
    }
    if (all || this.instances.length === 1) return this.instances
    throw new Error(`${cmd} needs an instance name: one of ${this.instances.map((i) => i.cfg.name).join(', ')}`)
  }

  /** Admin command; `instance` may be omitted for pause/resume (all) or when there is one instance. */
  command(cmd: AdminCommand, instance?: string): InstanceStatus[] {
    const targets = this.targetsOf(cmd, instance, cmd === 'pause' || cmd === 'resume')
    for (const t of targets) t.admin(cmd)
    if (cmd === 'takeover') {
      const refused = targets.filter((t) => t.state !== 'master')
      if (refused.length > 0) {
        throw new Error(refused.map((t) => `cannot take over ${t.cfg.name}: it is in state ${t.state}${t.state === 'maintenance' ? ' (paused: run "ctl resume" first)' : t.state === 'fault' ? ` (${t.status().health}: fix that first)` : ''}`).join('; '))
      }
    }
    return targets.map((t) => t.status())
  }

  /**
   * Simulate Failure of one instance for `durationMs` (instance.ts, track/simulated-failure.ts), or
   * end it early with `cancel`. Refused where it would not simulate anything: an instance paused,
   * not started, or already in Fault for a real reason.
   */
  simulateFailure(instance: string | undefined, opts: { durationMs?: number; cancel?: boolean }): InstanceStatus[] {
    const [t] = this.targetsOf('simulate-failure', instance, false)
    if (!t) throw new Error('simulate-failure: this agent runs no instance')
    if (opts.cancel) {
      if (opts.durationMs !== undefined) throw new Error('simulate-failure: give either a duration or cancel, not both')
      if (!t.cancelSimulatedFailure()) throw new Error(`no simulated failure is running on ${t.cfg.name}; nothing to cancel`)
      return [t.status()]
    }
    if (opts.durationMs === undefined) throw new Error('simulate-failure needs a duration in milliseconds (1000 to 600000), or cancel')
    if (t.state === 'maintenance') throw new Error(`cannot simulate a failure of ${t.cfg.name}: it is paused (maintenance); run "ctl resume" first`)
    if (t.state === 'initialize' || t.state === 'stopped') throw new Error(`cannot simulate a failure of ${t.cfg.name}: it is in state ${t.state}; wait until it runs`)
    if (t.state === 'fault' && !t.simulatedFailure) throw new Error(`cannot simulate a failure of ${t.cfg.name}: it is already in fault for a real reason (${t.status().health}); fix that first`)
    t.simulateFailure(opts.durationMs)
    return [t.status()]
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
      await this.reloading // a reload in progress finishes first, so no instance it starts is left running
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
