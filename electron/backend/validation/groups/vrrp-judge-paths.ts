// Protocol 112 between the nodes, judged from the marked test adverts each node sent and
// received during the shared scan: every ordered pair (sender -> receiver) in the cluster's
// mode, unicast and multicast told apart. Pure.
import type { TestOutcome } from '../test-module'
import { probeNotOk, type JudgeNode } from './vrrp-judge-scan'
import { TEST_ROUNDS, type ProbeResult } from './vrrp-probe'

export interface Path {
  from: JudgeNode
  to: JudgeNode
  multicast: boolean
  /** Test adverts `to` received from `from` this way. */
  received: number
  /** Test adverts `from` handed to the kernel for `to` this way, and any send errors. */
  sent: number
  sendErrors: string[]
}

/** Every ordered pair of nodes that both scanned, both ways of sending. */
export function paths(nodes: JudgeNode[], probe: ProbeResult): Path[] {
  const ok = nodes.flatMap((n) => {
    const p = probe.nodes.get(n.nodeId)
    return p?.kind === 'ok' ? [{ n, address: p.address, report: p.report }] : []
  })
  const out: Path[] = []
  for (const a of ok) {
    for (const b of ok) {
      if (a === b) continue
      for (const multicast of [false, true]) {
        const sentRec = a.report.test?.sent.find((x) => x.to === (multicast ? '224.0.0.18' : b.address))
        const got = b.report.test?.received.find((r) => r.from === a.address && r.multicast === multicast)
        out.push({ from: a.n, to: b.n, multicast, received: got?.count ?? 0, sent: sentRec?.sent ?? 0, sendErrors: sentRec?.errors ?? [] })
      }
    }
  }
  return out
}

const arrow = (p: Path): string => `${p.from.label} → ${p.to.label}`
const passed = (p: Path): boolean => p.received > 0

function describeFailure(p: Path): string {
  const why = p.sendErrors.length ? ` (sending failed: ${p.sendErrors[0]})` : p.sent === 0 ? ' (none could be sent)' : ''
  return `${arrow(p)}: ${p.received} of ${p.sent || TEST_ROUNDS} test adverts arrived${why}`
}

function firewallHint(failed: Path[]): string {
  const receivers = [...new Set(failed.map((p) => p.to.label))]
  const senders = [...new Set(failed.map((p) => p.from.label))]
  return `Allow IP protocol 112 (VRRP) into ${receivers.join(', ')} from ${senders.join(', ')}: in the node's firewall ` +
    `(nft add rule inet filter input ip protocol vrrp accept; iptables -I INPUT -p vrrp -j ACCEPT; ` +
    `firewall-cmd --add-rich-rule='rule protocol value="vrrp" accept' --permanent) and in the cloud's security group or network ACL.`
}

export function judgeProtocol112(nodes: JudgeNode[], mode: 'unicast' | 'multicast', probe: ProbeResult): Record<string, TestOutcome> {
  const all = paths(nodes, probe)
  const scanned = nodes.filter((n) => probe.nodes.get(n.nodeId)?.kind === 'ok')
  const outcomes: Record<string, TestOutcome> = {}
  for (const n of nodes) {
    const notOk = probeNotOk(probe.nodes.get(n.nodeId))
    if (notOk) {
      outcomes[n.nodeId] = notOk
      continue
    }
    if (scanned.length < 2) {
      const others = nodes.length - 1
      outcomes[n.nodeId] = {
        status: 'NotRun',
        details: others === 0
          ? 'Not run: a single node has no peer to exchange VRRP adverts with.'
          : `Not run: no other node could take part in the test (${nodes.filter((x) => x !== n).map((x) => x.label).join(', ')} did not scan; see their results).`,
        ...(others === 0 ? { remediation: 'Validate together with the nodes that will form the cluster.' } : {})
      }
      continue
    }
    const mine = all.filter((p) => p.from === n || p.to === n)
    const uni = mine.filter((p) => !p.multicast)
    const multi = mine.filter((p) => p.multicast)
    const evidence = mine.map((p) => ({ label: `${arrow(p)} ${p.multicast ? 'multicast 224.0.0.18' : 'unicast'}`, value: `${p.received} of ${p.sent} received` }))
    const notTested = nodes.filter((x) => x !== n && !scanned.includes(x)).map((x) => x.label)
    const untestedNote = notTested.length ? ` Not tested with ${notTested.join(', ')} (no scan there; see their results).` : ''
    const peers = scanned.filter((x) => x !== n).map((x) => x.label).join(', ')
    const uniFailed = uni.filter((p) => !passed(p))
    const multiFailed = multi.filter((p) => !passed(p))
    if (mode === 'unicast') {
      const multiNote = multiFailed.length
        ? ` Multicast (not used) did not pass on ${multiFailed.map(arrow).join(', ')}.`
        : ' Multicast passes too (not used).'
      outcomes[n.nodeId] = uniFailed.length === 0
        ? { status: 'Success', details: `Unicast VRRP (protocol 112) passes both ways between ${n.label} and ${peers}.${multiNote}${untestedNote}`, evidence }
        : {
            status: 'Failed',
            details: `Unicast VRRP (protocol 112) is blocked: ${uniFailed.map(describeFailure).join('; ')}.${untestedNote}`,
            remediation: firewallHint(uniFailed),
            evidence
          }
      continue
    }
    if (multiFailed.length === 0) {
      outcomes[n.nodeId] = { status: 'Success', details: `Multicast VRRP (224.0.0.18) passes both ways between ${n.label} and ${peers}.${untestedNote}`, evidence }
    } else if (uniFailed.length === 0) {
      outcomes[n.nodeId] = {
        status: 'Warning',
        details: `Multicast VRRP is not delivered: ${multiFailed.map(describeFailure).join('; ')}. Unicast passes both ways, as in a cloud VPC, which does not deliver multicast.${untestedNote}`,
        remediation: 'Use unicast mode (the agent then sends to each peer from the node\'s own address).',
        evidence
      }
    } else {
      outcomes[n.nodeId] = {
        status: 'Failed',
        details: `VRRP (protocol 112) is blocked: multicast ${multiFailed.map(describeFailure).join('; ')}; unicast too: ${uniFailed.map(describeFailure).join('; ')}.${untestedNote}`,
        remediation: firewallHint([...uniFailed, ...multiFailed]),
        evidence
      }
    }
  }
  return outcomes
}
