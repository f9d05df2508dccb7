/** The reload diff (agent/reload/plan.ts): which instances are kept, added, removed, restarted. */
import { describe, expect, it } from 'vitest'
import type { AgentConfig, InstanceConfig, TrackScriptConfig } from '../../../agent/config/model'
import { planReload } from '../../../agent/reload/plan'
import { baseConfig } from './conformance/world'

function inst(name: string, over: Partial<InstanceConfig> = {}): InstanceConfig {
  return baseConfig({ name, vrid: 10 + name.length, ...over })
}

function agentConfig(instances: InstanceConfig[], over: Partial<AgentConfig> = {}): AgentConfig {
  return { instances, scripts: [], transport: 'raw', udpPort: 11112, controlSocket: '/run/havip/agent.sock', ...over }
}

const script = (name: string, over: Partial<TrackScriptConfig> = {}): TrackScriptConfig =>
  ({ name, argv: ['/usr/bin/true'], intervalMs: 1000, timeoutMs: 500, rise: 1, fall: 1, weight: 0, ...over })

describe('config reload plan', () => {
  it('keeps unchanged instances (whatever order the reader built their fields in), restarts changed ones, adds and removes by name', () => {
    const a = inst('A')
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as InstanceConfig
    const old = agentConfig([a, inst('B'), inst('C')])
    const next = agentConfig([inst('D'), reordered, inst('B', { priority: 120 })])
    const plan = planReload(old, next)
    expect(plan).toMatchObject({ kept: ['A'], added: ['D'], removed: ['C'], restarted: ['B'], notApplied: [] })
    expect(plan.config.instances.map((i) => i.name)).toEqual(['D', 'A', 'B'])
  })

  it('restarts an instance when a track script it uses changed, and only that one', () => {
    const old = agentConfig([inst('A', { trackScripts: [{ name: 'chk' }] }), inst('B')], { scripts: [script('chk')] })
    const next = agentConfig([inst('A', { trackScripts: [{ name: 'chk' }] }), inst('B')], { scripts: [script('chk', { fall: 3 })] })
    expect(planReload(old, next)).toMatchObject({ kept: ['B'], restarted: ['A'] })
    // A script nobody tracks changing touches nobody.
    const more = agentConfig([inst('A', { trackScripts: [{ name: 'chk' }] }), inst('B')], { scripts: [script('chk'), script('other', { rise: 9 })] })
    expect(planReload(old, more)).toMatchObject({ kept: ['A', 'B'], restarted: [] })
  })

  it('keeps the settings that need a restart, and says which', () => {
    const old = agentConfig([inst('A')], { logFile: '/var/log/havip/agent.log' })
    const next = agentConfig([inst('A')], { controlSocket: '/run/other.sock', transport: 'udp', udpPort: 9999 })
    const plan = planReload(old, next)
    expect(plan.kept).toEqual(['A'])
    expect(plan.notApplied).toEqual([
      'controlSocket: "/run/other.sock" needs an agent restart; still "/run/havip/agent.sock"',
      'transport: "udp" needs an agent restart; still "raw"',
      'udpPort: 9999 needs an agent restart; still 11112',
      'logFile: null needs an agent restart; still "/var/log/havip/agent.log"'
    ])
    expect(plan.config).toMatchObject({ controlSocket: '/run/havip/agent.sock', transport: 'raw', udpPort: 11112, logFile: '/var/log/havip/agent.log' })
  })

  it('a change of failback settings only (preempt, preemptDelayMs, preemptWindow) updates the instance instead of restarting it', () => {
    const old = agentConfig([inst('A'), inst('B'), inst('C'), inst('D')])
    const next = agentConfig([
      inst('A', { preempt: false }), inst('B', { preemptWindow: { startHour: 22, endHour: 6 } }), inst('C', { preemptDelayMs: 5000 }),
      inst('D', { preempt: false, priority: 90 })
    ])
    expect(planReload(old, next)).toMatchObject({ kept: [], updated: ['A', 'B', 'C'], restarted: ['D'] })
  })
})
