// System configuration: root or working sudo (every root test depends on it), firewall rules
// that would drop VRRP (IP protocol 112), another VRRP daemon already running and what it
// serves, and the sysctls that decide how a VIP behaves, each judged with its reason.
import type { NodeContext, ValidationTestDef } from '../test-module'
import { judgeFirewall, parseIptablesSave, parseNftRuleset, type RuleFinding } from './firewall-rules'
import { keepalivedConfPath, parseKeepalivedConf, type KeepalivedInstance } from './keepalived-conf'
import { fail, meta, ok, programsOn, run, warn } from './remote'
import { sysctlTest } from './sysctls'

const rootOrSudo: ValidationTestDef = {
  meta: meta('system', 'root-or-sudo', 'Root or working sudo', 'The login is root, or sudo works for it (with NOPASSWD or with the given sudo password): deploying and running the agent needs root.', 'node', true),
  async runNode(node) {
    const user = node.session.target.username
    if (user === 'root') return ok(`${node.label}: logged in as root.`, [{ label: 'user', value: 'root' }])
    // Through the session's sudo (NOPASSWD or the password on stdin): the same path every root command takes.
    const r = await run(node, ['id', '-u'], { sudo: true })
    if (r.code !== 0 || r.stdout.trim() !== '0') {
      return fail(
        `${node.label}: sudo as ${user} did not give root (id -u printed "${r.stdout.trim()}", ${r.stderr.trim().slice(0, 200) || `exit ${r.code}`}).`,
        `Allow ${user} to run commands as root with sudo (e.g. "${user} ALL=(ALL) ALL" in /etc/sudoers.d/), or log in as root.`
      )
    }
    const noPass = await run(node, ['sudo', '-n', 'true'])
    const how = noPass.code === 0 ? 'without a password (NOPASSWD)' : 'with the sudo password'
    return ok(`${node.label}: ${user} becomes root through sudo ${how}.`, [
      { label: 'user', value: user },
      { label: 'sudo', value: how }
    ])
  }
}

const firewall: ValidationTestDef = {
  meta: meta('system', 'firewall-vrrp', 'Firewall lets VRRP through', 'No firewall rule (nftables, iptables, firewalld) drops IP protocol 112, which carries the VRRP adverts between the nodes.', 'node', true),
  async runNode(node) {
    const tools = await programsOn(node, ['nft', 'iptables-save', 'iptables-legacy-save', 'firewall-cmd'])
    const findings: RuleFinding[] = []
    const read: string[] = []
    const problems: string[] = []
    if (tools.has('nft')) {
      const r = await run(node, ['nft', 'list', 'ruleset'], { sudo: true })
      if (r.code === 0) {
        findings.push(...parseNftRuleset(r.stdout))
        read.push('nftables')
      } else problems.push(`nft list ruleset: ${r.stderr.trim() || `exit ${r.code}`}`)
    }
    for (const save of ['iptables-save', 'iptables-legacy-save']) {
      if (!tools.has(save)) continue
      const r = await run(node, [save, '-t', 'filter'], { sudo: true })
      if (r.code === 0) {
        findings.push(...parseIptablesSave(r.stdout))
        read.push(save)
      } else problems.push(`${save}: ${r.stderr.trim() || `exit ${r.code}`}`)
    }
    const fwd = tools.has('firewall-cmd') ? await firewalldOpen(node) : undefined
    if (fwd) read.push('firewalld')
    const evidence = [
      { label: 'read', value: read.join(', ') || 'no firewall tool found (nft, iptables-save, firewall-cmd)' },
      ...findings.filter((f) => f.kind !== 'accept-other').slice(0, 20).map((f) => ({ label: `${f.source} ${f.chain}`, value: f.text }))
    ]
    if (fwd && !fwd.open) {
      return fail(
        `${node.label}: firewalld runs and its zone "${fwd.zone}" does not allow protocol vrrp, so VRRP adverts are dropped.`,
        `firewall-cmd --permanent --zone=${fwd.zone} --add-protocol=vrrp && firewall-cmd --reload (on every node).`,
        evidence
      )
    }
    const j = judgeFirewall(findings)
    const fix = 'Allow IP protocol 112 between the nodes, e.g. nft insert rule inet filter input ip protocol vrrp accept (and in output), or iptables -I INPUT -p vrrp -j ACCEPT; make it permanent in the firewall\'s configuration.'
    if (j.verdict === 'blocked') return fail(`${node.label}: the firewall drops VRRP (IP protocol 112): ${j.reasons.join(' | ')}.`, fix, evidence)
    if (j.verdict === 'maybe') return warn(`${node.label}: the firewall may drop VRRP: ${j.reasons.join(' | ')}.`, `Add an explicit accept for protocol 112 to be sure. ${fix}`, evidence)
    if (problems.length > 0) return warn(`${node.label}: some firewall rules could not be read (${problems.join('; ')}).`, 'Check that root can run nft / iptables-save on the node, then validate again.', evidence)
    if (read.length === 0) return ok(`${node.label}: no firewall tool is installed (nft, iptables-save, firewall-cmd), so no rule drops VRRP.`, evidence)
    return ok(`${node.label}: no rule in ${read.join(', ')} drops IP protocol 112.`, evidence)
  }
}

async function firewalldOpen(node: NodeContext): Promise<{ zone: string; open: boolean } | undefined> {
  const state = await run(node, ['firewall-cmd', '--state'], { sudo: true })
  if (state.stdout.trim() !== 'running') return undefined
  const ifname = node.iface?.name
  const zone = ifname ? (await run(node, ['firewall-cmd', `--get-zone-of-interface=${ifname}`], { sudo: true })).stdout.trim() : ''
  const z = zone || (await run(node, ['firewall-cmd', '--get-default-zone'], { sudo: true })).stdout.trim()
  const all = (await run(node, ['firewall-cmd', `--zone=${z}`, '--list-all'], { sudo: true })).stdout
  const open = /^\s*target:\s*ACCEPT\b/m.test(all) || /^\s*protocols:.*\bvrrp\b/m.test(all) || /protocol value="?(vrrp|112)"?[^\n]*accept/.test(all)
  return { zone: z, open }
}

/** Other VRRP speakers: keepalived, the old vrrpd, FRR's vrrpd, and ucarp (CARP also uses protocol 112). */
const VRRP_DAEMONS = ['keepalived', 'vrrpd', 'ucarp']
/**
 * Lists "pid<TAB>name<TAB>cmdline" of those daemons in the node's own network namespace only
 * (containers and network namespaces share a process table with their host). Fixed script; the
 * names are its arguments.
 */
const FIND_DAEMONS = [
  'self=$(readlink /proc/self/ns/net)',
  'for name in "$@"; do for pid in $(pgrep -x "$name"); do',
  '  [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$self" ] || continue',
  '  ppid=$(awk \'{print $4}\' /proc/$pid/stat 2>/dev/null); [ "$(cat /proc/$ppid/comm 2>/dev/null)" = "$name" ] && continue',
  '  printf "%s\\t%s\\t" "$pid" "$name"; tr "\\0" "\\t" < /proc/$pid/cmdline; echo',
  'done; done'
].join('\n')

const otherVrrpDaemon: ValidationTestDef = {
  meta: meta('system', 'other-vrrp-daemon', 'No other VRRP daemon in the way', 'Whether keepalived (or another VRRP daemon) already runs on the node, and what it serves: the same VIP or VRID on the same segment would fight HAVIP\'s agent.', 'node', true),
  async runNode(node, cluster) {
    const r = await run(node, ['sh', '-c', FIND_DAEMONS, 'sh', ...VRRP_DAEMONS], { sudo: true })
    const daemons = r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t').filter(Boolean))
    if (daemons.length === 0) return ok(`${node.label}: no other VRRP daemon (${VRRP_DAEMONS.join(', ')}) runs.`)
    const { vip, vrid } = cluster.settings
    const lines: string[] = []
    const conflicts: string[] = []
    const evidence: { label: string; value: string }[] = []
    for (const [pid, name, ...cmd] of daemons) {
      if (name !== 'keepalived') {
        lines.push(`${name} (pid ${pid}): ${cmd.join(' ')}`)
        continue
      }
      const conf = keepalivedConfPath(cmd.slice(1))
      const file = conf.startsWith('/') ? `/proc/${pid}/root${conf}` : `/proc/${pid}/cwd/${conf}`
      const text = await run(node, ['cat', '--', file], { sudo: true })
      if (text.code !== 0) {
        lines.push(`keepalived (pid ${pid}) with ${conf}, which could not be read`)
        continue
      }
      const parsed = parseKeepalivedConf(text.stdout)
      evidence.push({ label: `keepalived pid ${pid}`, value: conf })
      for (const inst of parsed.instances) {
        const d = describe(inst)
        lines.push(`keepalived ${d}`)
        evidence.push({ label: `vrrp_instance ${inst.name}`, value: d })
        if (inst.addresses.some((a) => a.split('/')[0] === vip)) conflicts.push(`instance ${inst.name} already serves the VIP ${vip}`)
        if (vrid !== undefined && inst.vrid === vrid && (!node.iface || !inst.interface || inst.interface === node.iface.name)) {
          conflicts.push(`instance ${inst.name} uses VRID ${vrid}${inst.interface ? ` on ${inst.interface}` : ''}`)
        }
      }
      if (parsed.includes.length) lines.push(`(its config includes ${parsed.includes.join(', ')}, not read)`)
    }
    if (conflicts.length > 0) {
      return fail(
        `${node.label}: ${conflicts.join('; ')}. Running: ${lines.join('; ')}.`,
        'Two VRRP daemons for one VIP or VRID fight over it. Stop that keepalived instance (or import it into HAVIP), or choose another VIP/VRID.',
        evidence
      )
    }
    return warn(
      `${node.label} already runs: ${lines.join('; ')}. It does not serve this VIP${vrid !== undefined ? ` or VRID ${vrid}` : ''}.`,
      'It can run beside HAVIP\'s agent while its VRIDs and VIPs differ; plan to stop it or move its VIPs into HAVIP to have one place that manages them.',
      evidence
    )
  }
}

function describe(inst: KeepalivedInstance): string {
  return `${inst.name}: VRID ${inst.vrid ?? '?'} on ${inst.interface ?? '?'}${inst.state ? ` (${inst.state}${inst.priority !== undefined ? `, priority ${inst.priority}` : ''})` : ''}, addresses ${inst.addresses.join(', ') || 'none'}`
}

export const systemTests: ValidationTestDef[] = [rootOrSudo, firewall, otherVrrpDaemon, sysctlTest]
