// Two per-node traps from the cloud guides, judged: the heartbeat source must be the node's own
// address, never the VIP; and a NIC carries only a few secondary addresses (clouds cap them). Pure.
import type { NetInterface } from '../../../api/model'
import type { TestOutcome } from '../test-module'
import { ownAddress, primaryAddress, secondaryAddresses, type AddressSettings } from './vrrp-addresses'
import type { JudgeNode } from './vrrp-judge-scan'
import type { ProbeResult } from './vrrp-probe'

export function judgeHeartbeatSource(
  n: JudgeNode & { iface?: NetInterface },
  nodes: JudgeNode[],
  s: AddressSettings,
  probe: ProbeResult | undefined
): TestOutcome {
  if (!n.iface) return { status: 'NotRun', details: `Not run: no interface for the VIP was found on ${n.label} (see the Network tests).` }
  const dev = n.iface.name
  const own = ownAddress(n.iface, s)
  const inet = n.iface.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefix}`)
  const evidence = [{ label: `IPv4 on ${dev}`, value: inet.join(', ') || 'none' }]
  if (!own) {
    return {
      status: 'Failed',
      details: inet.length
        ? `The only IPv4 address on ${dev} is the VIP ${s.vip}: VRRP adverts would leave from the VIP, which moves to another node on failover, so peers would stop recognising this node.`
        : `${dev} has no IPv4 address: VRRP adverts need the node's own address as their source.`,
      remediation: `Give ${dev} its own fixed IPv4 address in the VIP's subnet; the VIP is added beside it, never instead of it.`,
      evidence
    }
  }
  // Who received this node's test adverts, and from which source address they saw them come.
  const seenFrom: string[] = []
  for (const other of nodes) {
    const p = probe?.nodes.get(other.nodeId)
    if (other.nodeId === n.nodeId || p?.kind !== 'ok') continue
    const got = p.report.test?.received.filter((r) => r.from === own) ?? []
    if (got.length) seenFrom.push(other.label)
  }
  if (seenFrom.length) evidence.push({ label: 'test adverts from this address received by', value: seenFrom.join(', ') })
  const seen = seenFrom.length ? ` ${seenFrom.join(', ')} received this node's test adverts from ${own}.` : ''
  if (primaryAddress(n.iface) === s.vip) {
    return {
      status: 'Warning',
      details: `${s.vip} (the VIP) is the primary address of ${dev}; ${own} is secondary. keepalived without unicast_src_ip, and the kernel, take the primary address as the source, so adverts and replies would leave from the VIP.${seen}`,
      remediation: `Make ${own} the primary address of ${dev} (remove the VIP and add it back after ${own}); HAVIP sends from ${own} (unicast_src_ip).`,
      evidence
    }
  }
  return {
    status: 'Success',
    details: `VRRP adverts leave from ${own}, ${dev}'s own address, not from the VIP ${s.vip}.${seen}`,
    evidence
  }
}

/** The cloud a node runs in, from its DMI strings (sys_vendor, product_name, chassis_asset_tag). */
export function cloudOf(dmi: string): string | undefined {
  const t = dmi.toLowerCase()
  if (t.includes('amazon ec2')) return 'AWS'
  if (t.includes('alibaba cloud')) return 'Alibaba Cloud'
  if (t.includes('google compute engine') || /^google$/m.test(t)) return 'Google Cloud'
  if (t.includes('7783-7084-3265-9085-8269-3286-77')) return 'Azure' // Azure's chassis asset tag
  if (t.includes('tencent cloud')) return 'Tencent Cloud'
  if (t.includes('oraclecloud.com')) return 'Oracle Cloud'
  if (t.includes('huawei cloud')) return 'Huawei Cloud'
  if (t.includes('openstack')) return 'OpenStack'
  return undefined
}

/** Beyond this many secondary addresses on one NIC, even outside a cloud, say so. */
export const HANDFUL_OF_VIPS = 5

export function judgeVipPerNic(n: JudgeNode & { iface?: NetInterface }, s: AddressSettings, dmi: string): TestOutcome {
  if (!n.iface) return { status: 'NotRun', details: `Not run: no interface for the VIP was found on ${n.label} (see the Network tests).` }
  const dev = n.iface.name
  const secondary = secondaryAddresses(n.iface)
  const holdsVip = n.iface.addresses.some((a) => a.family === 'inet' && a.address === s.vip)
  const withVip = secondary.length + (holdsVip ? 0 : 1)
  const cloud = cloudOf(dmi)
  const evidence = [
    { label: `secondary IPv4 on ${dev}`, value: secondary.join(', ') || 'none' },
    { label: 'cloud (from DMI)', value: cloud ?? 'none recognised' }
  ]
  const count = `${dev} carries ${secondary.length} secondary IPv4 address${secondary.length === 1 ? '' : 'es'}${holdsVip ? ' (the VIP among them)' : ''}; with the VIP, ${withVip}.`
  if (cloud) {
    return {
      status: 'Warning',
      details: `${n.label} runs in ${cloud}. ${count} Clouds limit the private addresses per NIC by instance type, and route a VIP to a node only when the cloud itself assigns it there.`,
      remediation: `Check the per-NIC address limit of this instance type in ${cloud} and reserve the VIP as the cloud's HAVIP / secondary private IP, so a failover can move it.`,
      evidence
    }
  }
  if (withVip > HANDFUL_OF_VIPS) {
    return {
      status: 'Warning',
      details: `${count} That is more than a handful on one NIC; hosted and virtual networks often cap it.`,
      remediation: `Check your network's limit on addresses per NIC, or spread the VIPs over more interfaces.`,
      evidence
    }
  }
  return { status: 'Success', details: `${count} No cloud was recognised, so no per-NIC cap applies beyond your network's own.`, evidence }
}
