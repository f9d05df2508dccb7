// The validation tests of Windows nodes, where the Linux ones do not apply: administrator
// rights (an elevated token instead of root or sudo), the adapter's IPv4 configuration (DHCP
// or static; SkipAsSource for the VIP), Windows Firewall and IP protocol 112, and who already
// holds the VIP (a Failover Clustering IP Address resource, another VRRP router, any host).
// Every remote read is a named script of platform/windows/scripts.ts through the PowerShell seam.
import type { ValidationTestDef, NodeContext, TestOutcome, ClusterContext } from '../test-module'
import { SshPowerShellRunner, type PowerShellRunner } from '../../platform/windows/runner'
import type { WindowsScriptName } from '../../platform/windows/scripts'
import { fail, meta, ok, warn } from './remote'
import { judgeWindowsFirewall, profileOfCategory, type FirewallProfile, type FirewallRule } from './windows-rules'
import { FIREWALL_RULE_DISPLAY, FIREWALL_RULE_NAME } from '../../../../agent/os/windows/firewall-rule-name'

const WINDOWS = ['windows'] as const

function powershellOf(node: NodeContext): PowerShellRunner {
  return node.powershell ?? new SshPowerShellRunner(node.session)
}

/** A script's result, or the outcome that says why it could not be read. */
async function read(node: NodeContext, title: string, name: WindowsScriptName, params: Record<string, unknown> = {}): Promise<{ value: Record<string, unknown> } | { outcome: TestOutcome }> {
  const r = await powershellOf(node).run(name, params)
  if (r.ok) return { value: r.value && typeof r.value === 'object' ? (r.value as Record<string, unknown>) : {} }
  const e = r.error
  return { outcome: fail(`${node.label}: ${title} could not be read: ${e.message}`, e.hint) }
}

const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : v && typeof v === 'object' ? [v as Record<string, unknown>] : [])
const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))

function primaryIpv4(node: NodeContext): { address: string; prefix: number } | undefined {
  return node.iface?.addresses.find((a) => a.family === 'inet')
}

const administrator: ValidationTestDef = {
  meta: meta('system', 'windows-administrator', 'Administrator with an elevated token', 'The Windows login is a member of Administrators and its SSH session has an elevated token: adding the VIP, the firewall rule and the service need it.', 'node', true),
  platforms: WINDOWS,
  async runNode(node) {
    const w = node.facts.windows
    if (!w) return fail(`${node.label}: the Windows facts are missing.`, 'Refresh the node\'s facts (reconnect), then validate again.')
    const evidence = [
      { label: 'login', value: w.user },
      { label: 'elevated', value: String(w.elevated) },
      { label: 'PowerShell', value: `${w.psVersion} (${w.languageMode})` }
    ]
    if (w.elevated) return ok(`${node.label}: ${w.user} runs with an elevated administrator token.`, evidence)
    return fail(
      `${node.label}: ${w.user} has no elevated administrator token, so it cannot add the VIP, the firewall rule or the service.`,
      'Log in with an account in the local Administrators group (Windows OpenSSH gives such a login an elevated token). ' +
        'For key login of an administrator, the key belongs in C:\\ProgramData\\ssh\\administrators_authorized_keys.',
      evidence
    )
  }
}

const ipConfiguration: ValidationTestDef = {
  meta: meta('network', 'windows-ip-config', 'Adapter IPv4 configuration (static, SkipAsSource)', 'The adapter the VIP goes on has a static IPv4 address (a DHCP lease can change under the cluster), and any address already added with SkipAsSource is listed.', 'node', false),
  platforms: WINDOWS,
  async runNode(node) {
    const i = node.iface
    if (!i) return fail(`${node.label}: no adapter holds the VIP's subnet or the default route.`, 'Name the adapter the VIP should go on, then validate again.')
    const cfg = node.facts.windows?.ipv4.find((x) => x.interface === i.name)
    if (!cfg) return warn(`${node.label}: the IPv4 configuration of "${i.name}" could not be read.`, 'Check the adapter with Get-NetIPInterface -AddressFamily IPv4, then validate again.')
    const evidence = [
      { label: 'adapter', value: i.name },
      { label: 'IPv4', value: cfg.dhcp ? 'DHCP' : 'static' },
      { label: 'SkipAsSource addresses', value: cfg.skipAsSource.join(', ') || '(none)' }
    ]
    if (cfg.dhcp) {
      return warn(
        `${node.label}: "${i.name}" gets its IPv4 address from DHCP. The VIP is added beside it with SkipAsSource, but a lease that changes moves the node's VRRP source address.`,
        `Give "${i.name}" a static address (New-NetIPAddress / Set-NetIPInterface -Dhcp Disabled), or a DHCP reservation, before building the cluster.`,
        evidence
      )
    }
    return ok(`${node.label}: "${i.name}" has a static IPv4 address; the VIP will be added with SkipAsSource.`, evidence)
  }
}

/** The firewall test's id: its result on a node may offer the rule (validation/firewall-fix.ts). */
export const WINDOWS_FIREWALL_TEST_ID = 'system.windows-firewall-vrrp'

const firewall: ValidationTestDef = {
  meta: meta('system', 'windows-firewall-vrrp', 'Windows Firewall admits VRRP from the peers', 'The firewall profile in force on the VIP\'s adapter lets IP protocol 112 (VRRP) in from every other node: an allow rule scoped to the peers, no block rule.', 'node', true),
  platforms: WINDOWS,
  async runNode(node, cluster) {
    const got = await read(node, 'the firewall rules', 'vrrp-firewall-check')
    if ('outcome' in got) return got.outcome
    const profiles: FirewallProfile[] = list(got.value.profiles).map((p) => ({ name: s(p.name), enabled: s(p.enabled) === 'True', defaultInboundAction: s(p.defaultInboundAction) }))
    const rules: FirewallRule[] = list(got.value.rules).map((r) => ({
      name: s(r.name),
      displayName: s(r.displayName),
      enabled: s(r.enabled) === 'True',
      direction: s(r.direction),
      action: s(r.action),
      profile: s(r.profile),
      remoteAddress: remoteAddresses(r.remoteAddress)
    }))
    const category = node.facts.windows?.networkCategories.find((c) => c.interface === node.iface?.name)?.category
    const profile = profileOfCategory(category) ?? 'Public'
    const peers = peersOf(node, cluster)
    const v = judgeWindowsFirewall(profile, profiles, rules, peers, primaryIpv4(node))
    const evidence = [
      { label: 'profile', value: `${profile}${category ? ` (network category ${category})` : ' (category unknown: assumed Public)'}` },
      { label: 'peers', value: peers.join(', ') || '(none yet)' },
      ...rules.slice(0, 10).map((r) => ({ label: `rule ${r.displayName || r.name}`, value: `${r.enabled ? 'enabled' : 'disabled'} ${r.direction} ${r.action} from ${r.remoteAddress.join(', ') || 'Any'} (${r.profile})` }))
    ]
    const create =
      `New-NetFirewallRule -Name ${FIREWALL_RULE_NAME} -DisplayName '${FIREWALL_RULE_DISPLAY}' -Direction Inbound -Protocol 112 -Action Allow -RemoteAddress ${peers.join(',') || '<peer addresses>'} -Profile Any`
    switch (v.verdict) {
      case 'off':
        return ok(`${node.label}: Windows Firewall is off for the ${v.profile} profile, so nothing stops VRRP.`, evidence)
      case 'open':
        if (peers.length === 0) return ok(`${node.label}: no other node to admit yet; the ${v.profile} profile is on.`, evidence)
        return ok(`${node.label}: the ${v.profile} profile admits VRRP from every peer (${v.rules.join(', ')}).`, evidence)
      case 'blocked':
        return fail(`${node.label}: the rule(s) ${v.rules.join(', ')} block IP protocol 112 in the ${v.profile} profile, and a block rule wins over any allow rule.`, `Disable or narrow those rules, then: ${create}`, evidence)
      case 'missing':
        return {
          ...fail(
            `${node.label}: the ${v.profile} profile has no rule that admits IP protocol 112 from ${v.uncovered.join(', ')}, so their VRRP adverts are dropped.`,
            `Create the rule from this report ("Create firewall rule": HAVIP Manager adds it, scoped to the cluster's peers), or on the node: ${create}`,
            evidence
          ),
          // Offered only here: against a block rule an allow rule changes nothing (block wins).
          fix: { kind: 'windows-firewall-rule', ruleName: FIREWALL_RULE_NAME, displayName: FIREWALL_RULE_DISPLAY, peers }
        }
    }
  }
}

/** A rule's RemoteAddress list; an empty one means any address, as Windows shows it ("Any"). */
function remoteAddresses(v: unknown): string[] {
  const all = (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(s).filter(Boolean)
  return all.length > 0 ? all : ['Any']
}

/** The other nodes' addresses on the VIP's subnet: where the adverts come from. */
function peersOf(node: NodeContext, cluster: ClusterContext): string[] {
  return cluster.nodes
    .filter((n) => n.nodeId !== node.nodeId)
    .map((n) => primaryIpv4(n)?.address)
    .filter((a): a is string => !!a)
}

/** VRRP's virtual router MAC (RFC 5798 §7.3): 00-00-5E-00-01-{VRID}. */
const VRRP_MAC = /^00[-:]00[-:]5e[-:]00[-:]01[-:]([0-9a-f]{2})$/i

const vipHolder: ValidationTestDef = {
  meta: meta('network', 'windows-vip-free', 'VIP not held by Failover Clustering or another host', 'No Windows Failover Clustering IP Address resource has the VIP, it is not one of the node\'s own addresses, and no host (or other VRRP router) answers ARP for it on the segment.', 'node', true),
  platforms: WINDOWS,
  timeoutMs: 30_000,
  async runNode(node, cluster) {
    const vip = cluster.settings.vip
    const got = await read(node, 'who holds the VIP', 'vip-check', { vip })
    if ('outcome' in got) return got.outcome
    const clusterIps = list(got.value.clusterAddresses)
    const own = list(got.value.own)
    const neighbours = list(got.value.neighbors).filter((n) => ['Reachable', 'Stale', 'Delay', 'Probe', 'Permanent'].includes(s(n.state)) && s(n.mac) && !/^(00-){5}00$/.test(s(n.mac)))
    const evidence = [
      { label: 'Failover Clustering (ClusSvc)', value: s(got.value.clusSvc) || 'not installed' },
      ...clusterIps.map((c) => ({ label: `cluster resource ${s(c.name) || '?'}`, value: s(c.error) || `${s(c.address)} in ${s(c.group)} (${s(c.state)})` })),
      ...own.map((o) => ({ label: `own address on ${s(o.alias)}`, value: `${vip} SkipAsSource=${s(o.skipAsSource)} ${s(o.store)}` })),
      ...neighbours.map((n) => ({ label: `ARP on ${s(n.alias)}`, value: `${vip} at ${s(n.mac)} (${s(n.state)})` }))
    ]
    const wsfc = clusterIps.find((c) => s(c.address) === vip)
    if (wsfc) {
      return fail(
        `${node.label}: the Windows Failover Clustering resource "${s(wsfc.name)}" (group ${s(wsfc.group)}) holds ${vip}; HAVIP's agent and the cluster would fight over it.`,
        'Choose another VIP, or remove the address from the failover cluster (Remove-ClusterResource) before HAVIP manages it.',
        evidence
      )
    }
    const clusterErr = clusterIps.find((c) => s(c.error))
    const mine = own[0]
    if (mine) {
      if (mine.skipAsSource === true) {
        return warn(`${node.label}: ${vip} is already on ${s(mine.alias)} with SkipAsSource, as HAVIP's agent adds it: this cluster may hold it now.`, 'If no HAVIP cluster runs here, remove it (Remove-NetIPAddress) and validate again.', evidence)
      }
      return fail(`${node.label}: ${vip} is configured as one of the node's own addresses on ${s(mine.alias)}.`, 'Choose another VIP, or remove that address from the node.', evidence)
    }
    const n = neighbours[0]
    if (n) {
      const vr = VRRP_MAC.exec(s(n.mac))
      const ourNode = cluster.nodes.find((c) => c.iface?.mac && c.iface.mac === s(n.mac).replace(/-/g, ':').toLowerCase())
      if (ourNode) return warn(`${node.label}: ${vip} answers from ${ourNode.label} (${s(n.mac)}), a node of this cluster: it may be this cluster's current owner.`, 'If no HAVIP cluster serves this VIP yet, find out why that node has it.', evidence)
      return fail(
        vr
          ? `${node.label}: another VRRP router (virtual MAC ${s(n.mac)}, VRID ${parseInt(vr[1]!, 16)}) answers ARP for ${vip} on the segment.`
          : `${node.label}: ${vip} is in use on the segment: ${s(n.mac)} answers ARP for it.`,
        'Choose a free VIP, or stop what holds it first.',
        evidence
      )
    }
    if (clusterErr) return warn(`${node.label}: ${vip} looks free, but the failover cluster's addresses could not be read: ${s(clusterErr.error)}`, 'Check Get-ClusterResource on the node, then validate again.', evidence)
    return ok(`${node.label}: ${vip} is free: no failover cluster resource, no own address and no ARP answer on the segment.`, evidence)
  }
}

export const windowsTests: ValidationTestDef[] = [administrator, ipConfiguration, firewall, vipHolder]
