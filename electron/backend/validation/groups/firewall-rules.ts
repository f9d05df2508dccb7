// Reading firewall rules for what they do to VRRP (IP protocol 112): pure parsers of
// `nft list ruleset` and `iptables-save`, and one judgement over both. Heuristic on purpose:
// it finds explicit drops of protocol 112 and default-drop chains that nothing opens for it;
// it does not evaluate every match (saddr sets, marks), and says so when unsure.

export type RuleKind = 'vrrp-drop' | 'vrrp-accept' | 'policy-drop' | 'drop-all' | 'accept-other'

export interface RuleFinding {
  source: 'nftables' | 'iptables'
  /** "inet filter input" / "filter INPUT". */
  chain: string
  /** The hook of a base chain, or the iptables built-in chain; 'other' for user chains. */
  hook: 'input' | 'output' | 'other'
  kind: RuleKind
  text: string
}

const VRRP_VALUE = /^(vrrp|112)$/i

/** True when a protocol match value ("vrrp", "112", "{ tcp, vrrp }") names VRRP. */
function namesVrrp(value: string): boolean {
  return value.replace(/[{}]/g, ' ').split(/[\s,]+/).some((v) => VRRP_VALUE.test(v))
}

function hookOf(name: string): RuleFinding['hook'] {
  const n = name.toLowerCase()
  return n === 'input' ? 'input' : n === 'output' ? 'output' : 'other'
}

export function parseNftRuleset(text: string): RuleFinding[] {
  const out: RuleFinding[] = []
  let table = ''
  let chain = ''
  let hook: RuleFinding['hook'] = 'other'
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    let m: RegExpExecArray | null
    if ((m = /^table\s+(\S+)\s+(\S+)\s*\{/.exec(line))) {
      table = `${m[1]} ${m[2]}`
      continue
    }
    if ((m = /^chain\s+(\S+)\s*\{/.exec(line))) {
      chain = `${table} ${m[1]}`
      hook = 'other'
      continue
    }
    if ((m = /\bhook\s+(\w+)\b/.exec(line)) && /\btype\s+filter\b/.test(line)) {
      hook = hookOf(m[1]!)
      if (/\bpolicy\s+drop\b/.test(line)) out.push({ source: 'nftables', chain, hook, kind: 'policy-drop', text: line })
      continue
    }
    if (!chain || line === '}' || line === '' || line.startsWith('#')) continue
    const verdict = /\b(drop|reject)\b/.test(line) ? 'drop' : /\baccept\b/.test(line) ? 'accept' : undefined
    if (!verdict) continue
    const proto = /\b(?:ip protocol|meta l4proto|ip6 nexthdr)\s+(!=\s*)?(\{[^}]*\}|\S+)/.exec(line)
    if (proto) {
      if (proto[1] || !namesVrrp(proto[2]!)) {
        continue // a rule about other protocols (or "everything but VRRP")
      }
      out.push({ source: 'nftables', chain, hook, kind: verdict === 'drop' ? 'vrrp-drop' : 'vrrp-accept', text: line })
      continue
    }
    if (/\b(tcp|udp|icmp|icmpv6|sctp|th)\b/.test(line)) continue // matches a protocol other than VRRP
    if (verdict === 'drop') {
      // Only matchers that do not exclude VRRP: counters, logging, "ct state invalid" (VRRP is never invalid).
      const matchers = line.replace(/\b(counter( packets \d+ bytes \d+)?|log( prefix "[^"]*")?( level \w+)?|drop|reject( with [\w\s-]+)?|comment "[^"]*")\b/g, '').trim()
      if (matchers === '') out.push({ source: 'nftables', chain, hook, kind: 'drop-all', text: line })
    } else if (!/\bct state\b/.test(line) && !/\biif(name)?\s+"?lo"?\b/.test(line)) {
      out.push({ source: 'nftables', chain, hook, kind: 'accept-other', text: line })
    }
  }
  return out
}

export function parseIptablesSave(text: string): RuleFinding[] {
  const out: RuleFinding[] = []
  let table = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    let m: RegExpExecArray | null
    if ((m = /^\*(\w+)/.exec(line))) {
      table = m[1]!
      continue
    }
    if (table !== 'filter') continue
    if ((m = /^:(\S+)\s+DROP\b/.exec(line))) {
      out.push({ source: 'iptables', chain: `filter ${m[1]}`, hook: hookOf(m[1]!), kind: 'policy-drop', text: line })
      continue
    }
    if (!(m = /^-A\s+(\S+)\s+(.*)$/.exec(line))) continue
    const chainName = m[1]!
    const rest = m[2]!
    const target = /(?:^|\s)-j\s+(\S+)/.exec(rest)?.[1]
    const verdict = target === 'DROP' || target === 'REJECT' ? 'drop' : target === 'ACCEPT' ? 'accept' : undefined
    if (!verdict) continue
    const base = { source: 'iptables' as const, chain: `filter ${chainName}`, hook: hookOf(chainName), text: line }
    const proto = /(?:^|\s)(!\s+)?-p\s+(\S+)/.exec(rest)
    if (proto) {
      if (!proto[1] && namesVrrp(proto[2]!)) out.push({ ...base, kind: verdict === 'drop' ? 'vrrp-drop' : 'vrrp-accept' })
      continue
    }
    const matchers = rest.replace(/(?:^|\s)-j\s+\S+(\s+--reject-with\s+\S+)?/, '').replace(/-m\s+comment\s+--comment\s+("[^"]*"|\S+)/, '').trim()
    if (verdict === 'drop' && matchers === '') out.push({ ...base, kind: 'drop-all' })
    else if (verdict === 'accept' && !/--(ct)?state\b/.test(rest) && !/-i\s+lo\b/.test(rest)) out.push({ ...base, kind: 'accept-other' })
  }
  return out
}

export interface FirewallJudgement {
  verdict: 'open' | 'maybe' | 'blocked'
  reasons: string[]
}

/** What the rules mean for VRRP between the nodes. */
export function judgeFirewall(findings: readonly RuleFinding[]): FirewallJudgement {
  const drops = findings.filter((f) => f.kind === 'vrrp-drop')
  if (drops.length > 0) {
    return { verdict: 'blocked', reasons: drops.map((f) => `${f.source} chain "${f.chain}" drops protocol 112: ${f.text}`) }
  }
  const vrrpAccepted = new Set(findings.filter((f) => f.kind === 'vrrp-accept').map((f) => f.hook))
  const reasons: string[] = []
  let verdict: FirewallJudgement['verdict'] = 'open'
  for (const hook of ['input', 'output'] as const) {
    const closing = findings.filter((f) => f.hook === hook && (f.kind === 'policy-drop' || f.kind === 'drop-all'))
    if (closing.length === 0 || vrrpAccepted.has(hook) || vrrpAccepted.has('other')) continue
    const opening = findings.filter((f) => f.hook === hook && f.kind === 'accept-other')
    const what = closing.map((f) => `${f.source} "${f.chain}" (${f.kind === 'policy-drop' ? 'policy drop' : f.text})`).join('; ')
    if (opening.length === 0) {
      verdict = 'blocked'
      reasons.push(`${hook}: ${what}, and no rule accepts protocol 112`)
    } else {
      if (verdict === 'open') verdict = 'maybe'
      reasons.push(`${hook}: ${what}; no rule names protocol 112, though ${opening.length} broader accept rule(s) might let it through (${opening[0]!.text})`)
    }
  }
  return { verdict, reasons }
}
