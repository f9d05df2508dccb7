// The keepalived.conf a node would need to behave as its havip-agent does (Export): the same
// instances, priorities, peers, password and VIPs as agentConfigFor(), in keepalived's words.
// For admins who want to see the config, keep it, or run keepalived instead.
import type { ClusterDefinition, ClusterNode, Role } from '../../api/cluster'
import { nodeOf, peersOf } from './agent-config'
import { effectivePriority } from './definition'

/** advert_int in seconds: whole for VRRPv2, with decimals (centiseconds) for VRRPv3. */
export function advertIntSeconds(ms: number): string {
  const whole = Math.trunc(ms / 1000)
  const rest = ms % 1000
  if (rest === 0) return String(whole)
  return `${whole}.${String(rest).padStart(3, '0').replace(/0+$/, '')}`
}

function failbackLines(role: Role): string[] {
  switch (role.failback.policy) {
    case 'never':
      return ['    # failback: never (a returning preferred owner stays backup)', '    nopreempt']
    case 'immediately':
      return ['    # failback: immediately (keepalived preempts by default)']
    case 'window':
      return [
        `    # failback: only between ${role.failback.startHour}:00 and ${role.failback.endHour}:00 (node local time) with havip-agent.`,
        '    # keepalived has no failback window: nopreempt keeps the role where it is; move it back by hand.',
        '    nopreempt'
      ]
  }
}

function instanceBlock(def: ClusterDefinition, node: ClusterNode, role: Role): string[] {
  const lines = [
    `vrrp_instance ${role.name} {`,
    `    interface ${node.interface}`,
    `    virtual_router_id ${role.vrid}`,
    `    version ${role.version}`,
    `    priority ${effectivePriority(def, role.name, node.name)}`,
    `    advert_int ${advertIntSeconds(role.advertIntervalMs)}`,
    ...failbackLines(role)
  ]
  const peers = peersOf(def, node)
  if (role.mode === 'unicast' && peers.length > 0) {
    lines.push(`    unicast_src_ip ${node.address}`, '    unicast_peer {', ...peers.map((p) => `        ${p}`), '    }')
  } else {
    if (role.mode === 'unicast') lines.push('    # unicast, but this node has no peer yet: adverts go to the multicast group until a second node joins')
    lines.push(`    mcast_src_ip ${node.address}`)
  }
  if (role.auth.type === 'pass') {
    // Quoted: the password may hold "{", "}" or ";" (cluster.ts refuses only what keepalived
    // would still read differently inside quotes); keepalived and the agent keep it verbatim.
    lines.push('    authentication {', '        auth_type PASS', `        auth_pass "${role.auth.password}"`, '    }')
  }
  lines.push('    virtual_ipaddress {', `        ${role.vip}`, '    }', '}')
  return lines
}

/** Free text from the file (a hand-edited cluster.json) inside a comment: one line, printable. */
function commentSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?')
}

/** keepalived.conf for `nodeName` of the cluster (Debian keepalived 2.2 reads it without a warning). */
export function keepalivedConfFor(def: ClusterDefinition, nodeName: string): string {
  const node = nodeOf(def, nodeName)
  const header = [
    `# keepalived.conf for node ${node.name} of cluster ${def.name} (${def.id}), generation ${def.generation}`,
    `# Exported by HAVIP Manager from the cluster definition (written by ${commentSafe(def.writtenBy) || 'an unknown version'} at ${commentSafe(def.updatedAt)}).`,
    '# The cluster runs havip-agent; this file is what keepalived would need to behave the same.',
    '# It holds the VRRP password: keep it private (chmod 600).',
    ''
  ]
  const global = ['global_defs {', `    router_id ${node.name}`, '}']
  const blocks = def.roles.flatMap((r) => ['', ...instanceBlock(def, node, r)])
  if (def.roles.length === 0) blocks.push('', '# This cluster has no role yet: no vrrp_instance.')
  return [...header, ...global, ...blocks, ''].join('\n')
}
