/**
 * Windows OS layer: VIPs through the NetTCPIP cmdlets (New-NetIPAddress in the ActiveStore with
 * SkipAsSource, Remove-NetIPAddress), interface state from Get-NetIPInterface/Get-NetAdapter,
 * the firewall rule for IP protocol 112, and neighbour update by Windows' own announcement of an
 * added address (windows/neighbour-update.ts says why that is the way). Every command is one of
 * the constant scripts in windows/scripts.ts, run through a PsRunner (windows/ps-runner.ts):
 * values travel as data, never as script text.
 *
 * Each action starts one powershell.exe (a few hundred ms): unlike linux.ts there is no
 * long-lived helper yet, so a Windows takeover pays that once per VIP.
 */
import { networkInterfaces as osNetworkInterfaces } from 'node:os'
import type { VipConfig } from '../config/model'
import type { GarpSupport, HeldAddress, InterfaceState, OsAdapter } from './os-adapter'
import { assessNeighbourUpdate, type NeighbourFacts, type NeighbourUpdateReport } from './windows/neighbour-update'
import { WindowsOsError } from './windows/ps-errors'
import { LocalPsRunner, runScript, type PsRunner } from './windows/ps-runner'
import { ADD_VIP, ADDRESS_STATE, FIREWALL_RULE, INTERFACE_STATE, LIST_ADDRESSES, NEIGHBOUR_FACTS, REMOVE_VIP } from './windows/scripts'

/** One address as the scripts report it (ConvertTo-HavipAddress in scripts.ts). */
export interface WinAddress {
  address: string
  prefix: number
  dev: string
  index: number
  state: string
  skipAsSource: boolean
  origin?: string
  store?: string
}

// The name of the inbound rule the agent keeps for VRRP (one per node; its remote addresses are the peers).
import { FIREWALL_RULE_DISPLAY, FIREWALL_RULE_NAME } from './windows/firewall-rule-name'
export { FIREWALL_RULE_DISPLAY, FIREWALL_RULE_NAME }

export interface WindowsOsOptions {
  runner?: PsRunner
  /** Interfaces that carry VIPs: the neighbour-update check looks at these (default: every connected one). */
  vipInterfaces?: string[]
  /** Peers whose VRRP adverts the firewall rule admits; absent: the agent leaves the firewall alone. */
  firewallPeers?: string[]
  /** Where prepare() reports a problem that does not stop the agent (the firewall rule). */
  warn?: (message: string) => void
  /** node:os networkInterfaces, injected by tests. */
  networkInterfaces?: typeof osNetworkInterfaces
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/**
 * Refuses values no script should see. The scripts do not depend on them (they are data), so
 * this is about clear messages: a typo is reported here, not as a cmdlet's parameter error.
 */
function checkVip(vip: VipConfig, dev: string): void {
  if (!IPV4.test(vip.address)) throw new WindowsOsError('failed', `"${vip.address}" is not an IPv4 address`)
  if (!Number.isInteger(vip.prefix) || vip.prefix < 0 || vip.prefix > 32) throw new WindowsOsError('failed', `prefix ${vip.prefix} of ${vip.address} is not 0..32`)
  checkDev(dev)
}

function checkDev(dev: string): void {
  if (typeof dev !== 'string' || dev.length === 0 || dev.length > 256) throw new WindowsOsError('failed', `"${String(dev)}" is not an interface alias (1-256 characters)`)
}

/** Windows has no primary address: own, usable addresses first, so Agent.primaryAddress picks one of them. */
function primaryFirst(a: WinAddress[]): WinAddress[] {
  const rank = (x: WinAddress): number => (x.skipAsSource ? 2 : 0) + (x.state === 'Preferred' ? 0 : 1)
  return [...a].sort((x, y) => rank(x) - rank(y))
}

function held(a: WinAddress): HeldAddress {
  return { address: a.address, prefix: a.prefix, dev: a.dev }
}

export class WindowsOs implements OsAdapter {
  private readonly runner: PsRunner
  /** VIPs whose announcement is confirmed (DAD passed) since they were last added: sendGarp does nothing more for them. */
  private readonly announced = new Set<string>()
  /** A check under way per VIP: a burst of repeats shares it instead of starting one PowerShell each. */
  private readonly checking = new Map<string, Promise<void>>()
  private report?: NeighbourUpdateReport

  constructor(private readonly opts: WindowsOsOptions = {}) {
    this.runner = opts.runner ?? new LocalPsRunner()
  }

  async prepare(): Promise<void> {
    if (!this.opts.firewallPeers) return
    try {
      await this.ensureFirewallRule(this.opts.firewallPeers)
    } catch (err) {
      // The admin may manage the firewall by policy; say what is missing rather than refuse to run.
      this.opts.warn?.(`${(err as Error).message}; VRRP adverts from the peers may be blocked (split brain): create an inbound rule for IP protocol 112 from the peers`)
    }
  }

  /** Creates or updates the inbound rule admitting IP protocol 112 from `peers` (none: the local subnet). */
  async ensureFirewallRule(peers: string[]): Promise<{ action: 'created' | 'updated' | 'kept'; remote: string[] }> {
    for (const p of peers) if (!IPV4.test(p)) throw new WindowsOsError('failed', `firewall rule: peer "${p}" is not an IPv4 address`)
    return runScript(this.runner, FIREWALL_RULE, { name: FIREWALL_RULE_NAME, displayName: FIREWALL_RULE_DISPLAY, remote: peers }, `creating the firewall rule ${FIREWALL_RULE_NAME} (IP protocol 112 from ${peers.join(', ') || 'the local subnet'})`)
  }

  async addVip(vip: VipConfig, dev: string): Promise<void> {
    checkVip(vip, dev)
    this.announced.delete(vip.address)
    await runScript<{ added: boolean; address: WinAddress }>(this.runner, ADD_VIP, { address: vip.address, prefix: vip.prefix, dev }, `adding VIP ${vip.address}/${vip.prefix} on ${dev}`)
  }

  async removeVip(vip: VipConfig, dev: string): Promise<void> {
    checkVip(vip, dev)
    this.announced.delete(vip.address)
    await runScript<{ removed: number; interface: boolean }>(this.runner, REMOVE_VIP, { address: vip.address, dev }, `removing VIP ${vip.address}/${vip.prefix} from ${dev}`)
  }

  async listAddresses(dev?: string): Promise<HeldAddress[]> {
    if (dev !== undefined) checkDev(dev)
    const r = await runScript<{ addresses: WinAddress[] | WinAddress | null }>(this.runner, LIST_ADDRESSES, { dev: dev ?? null }, `listing addresses${dev ? ` on ${dev}` : ''}`)
    return primaryFirst(asArray(r.addresses)).map(held)
  }

  async interfaceState(dev: string): Promise<InterfaceState> {
    checkDev(dev)
    const r = await runScript<{ exists: boolean; index?: number; connection?: string; adapterStatus?: string | null; addresses?: WinAddress[] | WinAddress | null }>(
      this.runner, INTERFACE_STATE, { dev }, `reading the state of interface ${dev}`)
    if (!r.exists) return { exists: false, up: false, addresses: [] }
    // Connected (IP interface) and, for a physical or virtual adapter, Status Up (admin up with media).
    const up = r.connection === 'Connected' && (r.adapterStatus == null || r.adapterStatus === 'Up')
    return { exists: true, up, index: r.index, addresses: primaryFirst(asArray(r.addresses)).map((a) => a.address) }
  }

  /**
   * Exec-free up/down check for tracked interfaces: Node lists on Windows only adapters whose
   * operational status is Up (libuv's GetAdaptersAddresses filter), keyed by alias.
   */
  interfaceUpSync(dev: string): boolean {
    const list = (this.opts.networkInterfaces ?? osNetworkInterfaces)()[dev]
    return (list ?? []).some((a) => a.family === 'IPv4')
  }

  /**
   * Windows sends the announcement itself when the VIP is added (neighbour-update.ts); the agent
   * cannot send one. What it can do is check that it will happen: the address must have passed
   * duplicate address detection. Tentative: DAD still runs, the announcement follows. Duplicate:
   * another host (the old master, not yet quiet) answered; Windows will not use the address, so
   * it is added again (a fresh DAD, and its announcement) once. Confirmed addresses cost no
   * further PowerShell runs for the rest of the mastership's repeats.
   */
  async sendGarp(address: string, dev: string): Promise<void> {
    if (this.announced.has(address)) return
    const running = this.checking.get(address)
    if (running) return running
    const check = this.checkAnnouncement(address, dev).finally(() => this.checking.delete(address))
    this.checking.set(address, check)
    return check
  }

  private async checkAnnouncement(address: string, dev: string): Promise<void> {
    checkDev(dev)
    const r = await runScript<{ present: boolean; address?: WinAddress }>(this.runner, ADDRESS_STATE, { address, dev }, `checking VIP ${address} on ${dev}`)
    if (!r.present || !r.address) throw new WindowsOsError('failed', `VIP ${address} is not on ${dev}, so Windows announces nothing for it; it was removed by someone else, or the interface changed`)
    const state = r.address.state
    if (state === 'Preferred') {
      this.announced.add(address)
      return
    }
    if (state === 'Duplicate') {
      const vip = { address, prefix: r.address.prefix }
      await this.removeVip(vip, dev)
      await this.addVip(vip, dev)
      throw new WindowsOsError('duplicate-address', `VIP ${address} on ${dev} was marked Duplicate by Windows (another host answered its duplicate address detection, usually the old master still holding it); added it again so that a fresh detection announces it`)
    }
    // Tentative (DAD running) or Deprecated/Invalid: look again at the next repeat.
  }

  async garpSupport(): Promise<GarpSupport> {
    try {
      const facts = await runScript<NeighbourFacts>(this.runner, NEIGHBOUR_FACTS, {}, 'reading duplicate address detection settings')
      this.report = assessNeighbourUpdate({ ...facts, interfaces: asArray(facts.interfaces) }, this.opts.vipInterfaces ?? [])
      return { ok: this.report.ok, detail: this.report.detail, method: this.report.method }
    } catch (err) {
      return { ok: false, method: 'windows-dad-announcement', detail: `cannot tell whether Windows will announce the VIPs: ${(err as Error).message}` }
    }
  }

  /** The last neighbour-update assessment (after garpSupport), for status and validation. */
  neighbourUpdate(): NeighbourUpdateReport | undefined {
    return this.report
  }
}

/** ConvertTo-Json in Windows PowerShell 5.1 may unwrap a one-element array: accept both. */
function asArray<T>(v: T[] | T | null | undefined): T[] {
  if (v == null) return []
  return Array.isArray(v) ? v : [v]
}
