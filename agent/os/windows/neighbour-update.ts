/**
 * How neighbours learn that a Windows node took a VIP over, and how to tell whether it works on
 * a node. Windows has no packet socket for the agent to send its own gratuitous ARP (Linux's
 * way, packet-sender.ts); what it does have is what its TCP/IP stack sends when an address is
 * added:
 *
 * - Duplicate address detection (DAD) over ARP: DadTransmits probes (Get-NetIPInterface; 3 by default
 *   for IPv4 since Server 2008: http://www.windowsreference.com/tag/gratuitous-arp/), DadRetransmitTime apart. Since Windows Vista / Server 2008 these probes carry
 *   sender address 0.0.0.0 (RFC 5227 probes) and, by design, do NOT update neighbours' caches:
 *   https://learn.microsoft.com/en-us/archive/blogs/winsdk/arp-changes-in-server-2008vista
 *   (the same change is why vendors shipped their own "GARP drivers" for failover on Windows:
 *   https://docs.cc.sinch.com/onpremise/fp18/installation-guide/en/ccy1615834155088.html).
 * - After DAD succeeds, the Windows 10 generation of the stack (Server 2016, 2019, 2022, 2025)
 *   sends one ARP announcement, sender = target = the new address, which updates every
 *   neighbour that has an entry for it (RFC 826's merge rule; RFC 5227 §2.3). A public
 *   Windows 7 / Windows 10 capture shows three 0.0.0.0 probes on both and the announcement only
 *   on Windows 10: https://796t.com/content/1533645613.html. Microsoft Cluster Server documented
 *   the same address-add path for its IP Address resources (TCP/IP broadcasts ARP requests for
 *   an address as it registers it): https://support.microsoft.com/kb/168567.
 *
 * So the agent's way is: add the VIP with New-NetIPAddress and let Windows announce it; DAD must
 * be on (DadTransmits >= 1) on the VIP's interface, or nothing is sent at all and neighbours keep
 * the old owner until their cache entry goes stale (15-45 s on Windows neighbours, minutes on
 * many routers). The announcement comes after DAD, DadTransmits x DadRetransmitTime later
 * (3 x 1 s by default): a Windows takeover reaches neighbours that much later than a Linux one,
 * and only once per add (no repeats as garp_master_repeat does on Linux). If the old owner still
 * answers during DAD, Windows marks the VIP Duplicate and will not use it (windows.ts re-adds it
 * once the old owner has let go). This was not measured here (no Windows on the build machine):
 * docs/windows-agent-checks.md captures it with Wireshark on a real pair.
 */
import type { GarpSupport } from '../os-adapter'

export const NEIGHBOUR_UPDATE_METHOD = 'windows-dad-announcement' as const

/** What NEIGHBOUR_FACTS (scripts.ts) reports. */
export interface NeighbourFacts {
  build: number
  caption?: string
  interfaces: { alias: string; index: number; dadTransmits: number; dadRetransmitMs: number; connection?: string }[]
}

export interface NeighbourUpdateReport extends GarpSupport {
  method: typeof NEIGHBOUR_UPDATE_METHOD
  /** Per interface checked: whether Windows will announce a VIP added there, and after how long. */
  interfaces: { alias: string; announces: boolean; afterMs: number; problem?: string }[]
  /** Problems an admin should fix (one line each); empty when the way works on every interface checked. */
  warnings: string[]
}

/** Windows Server 2016 (10.0.14393): the first server build of the stack that announces after DAD. */
export const FIRST_ANNOUNCING_BUILD = 14393

/**
 * Judges the facts for the interfaces that carry VIPs (`aliases`; empty: every connected IPv4
 * interface). Used by the agent for its status (`garp`) and by the manager's validation, which
 * runs the same NEIGHBOUR_FACTS script over SSH.
 */
export function assessNeighbourUpdate(facts: NeighbourFacts, aliases: string[] = []): NeighbourUpdateReport {
  const lower = new Set(aliases.map((a) => a.toLowerCase()))
  const warnings: string[] = []
  const interfaces: NeighbourUpdateReport['interfaces'] = []
  const checked = aliases.length > 0
    ? facts.interfaces.filter((i) => lower.has(i.alias.toLowerCase()))
    : facts.interfaces.filter((i) => i.connection !== 'Disconnected' && !/loopback/i.test(i.alias))
  for (const alias of aliases) {
    if (!facts.interfaces.some((i) => i.alias.toLowerCase() === alias.toLowerCase())) warnings.push(`interface "${alias}" has no IPv4 configuration on this node, so no VIP can be announced there`)
  }
  for (const i of checked) {
    const afterMs = Math.max(0, i.dadTransmits) * Math.max(0, i.dadRetransmitMs)
    if (i.dadTransmits <= 0) {
      const problem = `duplicate address detection is off on "${i.alias}" (DadTransmits 0): Windows sends nothing when a VIP is added there, so neighbours keep the old owner's MAC until their cache expires. Turn it on: Set-NetIPInterface -InterfaceIndex ${i.index} -AddressFamily IPv4 -DadTransmits 3`
      warnings.push(problem)
      interfaces.push({ alias: i.alias, announces: false, afterMs: 0, problem })
      continue
    }
    interfaces.push({ alias: i.alias, announces: true, afterMs })
  }
  if (facts.build > 0 && facts.build < FIRST_ANNOUNCING_BUILD) {
    warnings.push(`this is Windows build ${facts.build} (${facts.caption ?? 'before Server 2016'}): its stack sends only the 0.0.0.0 DAD probes, which do not update neighbours' caches; use Windows Server 2016 or later`)
    for (const i of interfaces) i.announces = false
  }
  const ok = interfaces.length > 0 && interfaces.every((i) => i.announces) && warnings.length === 0
  const timing = interfaces.filter((i) => i.announces).map((i) => `${i.alias}: ~${i.afterMs} ms after the VIP is added`).join('; ')
  const detail = ok
    ? `Windows announces each VIP itself when it is added (ARP announcement after duplicate address detection; ${timing}); the agent cannot repeat it`
    : `neighbour update will not work everywhere: ${warnings.join('; ') || 'no IPv4 interface to check'}`
  return { ok, detail, method: NEIGHBOUR_UPDATE_METHOD, interfaces, warnings }
}
