// The router id scan, judged: which VRIDs were heard on the segment and from whom, whether the
// chosen one is free (one router id per VRID domain), and a free one to propose. Pure.
import type { TestOutcome } from '../test-module'
import type { NodeProbe, ProbeResult } from './vrrp-probe'
import type { ScanReport } from './vrrp-scan-schema'

export interface JudgeNode {
  nodeId: string
  label: string
}

export interface ScanSettings {
  vip: string
  vrid?: number
  advertIntervalMs: number
  mode: 'unicast' | 'multicast'
}

type Sender = ScanReport['routers'][number]['senders'][number]

export function describeSender(s: Sender): string {
  const every = s.advertIntervalMs % 1000 === 0 ? `${s.advertIntervalMs / 1000} s` : `${s.advertIntervalMs} ms`
  return `${s.address} (priority ${s.priority}, VRRPv${s.version}, every ${every}, ${s.multicast ? 'multicast' : 'unicast'}, VIPs ${s.addresses.join(' ') || 'none'})`
}

/** Every VRID heard by any node. */
export function heardVrids(probe: ProbeResult): Set<number> {
  const all = new Set<number>()
  for (const p of probe.nodes.values()) if (p.kind === 'ok') for (const r of p.report.routers) all.add(r.vrid)
  return all
}

/**
 * A free VRID to propose: the VIP's last octet when nobody uses it (easy to remember: .210 gets
 * 210), else the next free one upwards, wrapping after 255. Undefined when no node could scan.
 */
export function proposeVrid(vip: string, probe: ProbeResult): number | undefined {
  if (![...probe.nodes.values()].some((p) => p.kind === 'ok')) return undefined
  const taken = heardVrids(probe)
  const start = Math.max(1, Number(vip.split('.')[3]) || 1)
  for (let i = 0; i < 255; i++) {
    const v = ((start - 1 + i) % 255) + 1
    if (!taken.has(v)) return v
  }
  return undefined
}

/** What a node that did not scan reports, for any test built on the probe. */
export function probeNotOk(p: NodeProbe | undefined): TestOutcome | undefined {
  if (!p) return { status: 'Failed', details: 'The VRRP scan gave no result for this node.', remediation: 'Validate again; report it with the JSON report if it persists.' }
  if (p.kind === 'ok') return undefined
  return { status: p.kind === 'not-run' ? 'NotRun' : 'Failed', details: p.details, ...(p.remediation ? { remediation: p.remediation } : {}) }
}

function intervals(windowMs: number, advertIntervalMs: number): string {
  return `${(windowMs / 1000).toFixed(1)} s (${Math.floor(windowMs / advertIntervalMs)} advert intervals of ${advertIntervalMs} ms)`
}

/** One outcome per node, plus the proposal. `clusterAddresses`: the nodes' own addresses. */
export function judgeScan(nodes: JudgeNode[], s: ScanSettings, probe: ProbeResult): { outcomes: Record<string, TestOutcome>; proposedVrid?: number } {
  const clusterAddresses = new Set([...probe.nodes.values()].flatMap((p) => (p.address ? [p.address] : [])))
  const proposal = proposeVrid(s.vip, probe)
  const outcomes: Record<string, TestOutcome> = {}
  // Who sends on the chosen VRID, as heard by any node: the cluster is judged as one.
  const onChosen = new Map<string, { sender: Sender; heardBy: string[] }>()
  for (const n of nodes) {
    const p = probe.nodes.get(n.nodeId)
    if (p?.kind !== 'ok' || s.vrid === undefined) continue
    for (const x of p.report.routers.find((r) => r.vrid === s.vrid)?.senders ?? []) {
      const e = onChosen.get(x.address) ?? { sender: x, heardBy: [] }
      e.heardBy.push(n.label)
      onChosen.set(x.address, e)
    }
  }
  const foreign = [...onChosen.values()].filter((e) => !clusterAddresses.has(e.sender.address))
  const own = [...onChosen.values()].filter((e) => clusterAddresses.has(e.sender.address))
  const heardBy = (e: { sender: Sender; heardBy: string[] }): string => `${describeSender(e.sender)}, heard by ${e.heardBy.join(', ')}`
  for (const n of nodes) {
    const p = probe.nodes.get(n.nodeId)
    const notOk = probeNotOk(p)
    if (notOk || p?.kind !== 'ok') {
      outcomes[n.nodeId] = notOk!
      continue
    }
    const routers = p.report.routers
    const evidence = routers.flatMap((r) => r.senders.map((x) => ({ label: `VRID ${r.vrid}`, value: describeSender(x) })))
    // Undecodable protocol-112 datagrams are worth showing: TTL below 255 means adverts crossed a router.
    const bad = Object.entries(p.report.bad)
    if (bad.length) evidence.push({ label: 'protocol 112 datagrams dropped', value: bad.map(([why, count]) => `${why}: ${count}`).join(', ') })
    if (p.report.foreignTestAdverts) evidence.push({ label: 'test adverts of another validation run', value: String(p.report.foreignTestAdverts) })
    const heard = routers.length === 0
      ? `No VRRP adverts were heard on ${p.report.interface} in ${intervals(p.report.durationMs, s.advertIntervalMs)}.`
      : `Heard on ${p.report.interface} in ${intervals(p.report.durationMs, s.advertIntervalMs)}: ` +
        routers.map((r) => `VRID ${r.vrid} from ${r.senders.map((x) => x.address).join(', ')}`).join('; ') + '.'
    const unicastNote = s.mode === 'unicast'
      ? ' Unicast VRRP between other hosts is addressed to them and cannot be heard here: keep one list of the VRIDs used in this network (one router id per VRID domain).'
      : ''
    // Two VIP sets on one VRID: two clusters already share a router id on this segment.
    const clashes = routers.filter((r) => new Set(r.senders.map((x) => [...x.addresses].sort().join(' '))).size > 1).map((r) => r.vrid)
    const clashNote = clashes.length ? ` VRID ${clashes.join(', ')} is used by senders advertising different VIPs: two VRRP clusters share one router id there and will fight over it.` : ''
    const chosen = s.vrid
    if (chosen === undefined) {
      outcomes[n.nodeId] = {
        status: clashes.length ? 'Warning' : 'Success',
        details: `${heard}${proposal !== undefined ? ` No VRID was chosen: VRID ${proposal} is free on every node that scanned and is proposed.` : ''}${clashNote}${unicastNote}`,
        ...(clashes.length ? { remediation: 'Give each VRRP cluster on this segment its own VRID.' } : {}),
        evidence
      }
      continue
    }
    if (foreign.length) {
      outcomes[n.nodeId] = {
        status: 'Failed',
        details: `VRID ${chosen} is already in use on this segment by ${foreign.map(heardBy).join('; ')}. One router id per VRID domain: a second cluster on VRID ${chosen} would take over or lose that cluster's VIP. ${heard}${clashNote}`,
        remediation: proposal !== undefined
          ? `Choose another VRID: ${proposal} was heard on no node. Or, if ${foreign.map((e) => e.sender.address).join(', ')} should not run VRRP, stop it there.`
          : `Choose a VRID that none of the senders listed uses.`,
        evidence
      }
    } else if (own.length) {
      outcomes[n.nodeId] = {
        status: 'Warning',
        details: `VRID ${chosen} is sent by this cluster's own nodes: ${own.map(heardBy).join('; ')}. That is expected when validating a running HAVIP cluster again; otherwise another VRRP daemon on those nodes uses it. ${heard}${clashNote}`,
        remediation: `If the sender is not this cluster's HAVIP agent (e.g. keepalived), stop it or choose another VRID${proposal !== undefined ? ` (${proposal} is free)` : ''}.`,
        evidence
      }
    } else {
      outcomes[n.nodeId] = {
        status: clashes.length ? 'Warning' : 'Success',
        details: `VRID ${chosen} is free: no adverts on it. ${heard}${clashNote}${unicastNote}`,
        ...(clashes.length ? { remediation: 'Give each VRRP cluster on this segment its own VRID.' } : {}),
        evidence
      }
    }
  }
  return { outcomes, ...(proposal !== undefined && (s.vrid === undefined || foreign.length > 0) ? { proposedVrid: proposal } : {}) }
}
