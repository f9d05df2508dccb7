/**
 * The agent's start-up on Windows, through the real Agent and the Windows adapter replaying
 * recorded PowerShell output: it reports how neighbours are updated, finds its own address (not
 * the VIP) on the interface, and removes a VIP a crashed run left behind, as on Linux.
 */
import { describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import type { AgentConfig } from '../../../agent/config/model'
import { createLogger } from '../../../agent/log'
import { newCounters, type TransportOptions, type VrrpTransport } from '../../../agent/net/transport'
import { WindowsOs } from '../../../agent/os/windows'
import { ReplayPsRunner } from './windows-replay'

/** A transport that hears nothing: start-up is what is under test, not the election. */
function silentTransport(o: TransportOptions, opened: TransportOptions[]): VrrpTransport {
  opened.push(o)
  return { kind: 'raw', interoperable: true, start: async () => {}, send: async () => {}, onAdvert: () => {}, counters: newCounters, close: async () => {} }
}

describe('agent start-up on Windows', () => {
  it('checks the neighbour update, sends from its own address and removes the leftover VIP', async () => {
    const runner = new ReplayPsRunner('neighbour-facts-2022', 'interface-state-up', 'list-addresses', 'remove-vip-removed')
    const config: AgentConfig = {
      instances: [{
        name: 'web', interface: 'Ethernet', vrid: 51, version: 3, priority: 100, advertIntervalMs: 60_000, preempt: true, preemptDelayMs: 0,
        unicastPeers: ['198.51.100.22'], vips: [{ address: '192.0.2.10', prefix: 24 }], trackInterfaces: [], trackScripts: [], notify: {},
        garp: { masterDelayMs: 0, masterRepeat: 1, masterRefreshMs: 0, masterRefreshRepeat: 1, intervalMs: 0 }
      }],
      scripts: [], transport: 'raw', udpPort: 0, controlSocket: '\\\\.\\pipe\\havip-agent'
    }
    const opened: TransportOptions[] = []
    const agent = new Agent(config, { os: new WindowsOs({ runner, vipInterfaces: ['Ethernet'] }), logger: createLogger({ stderr: false }), makeTransport: (_c, o) => silentTransport(o, opened) })
    await agent.start()
    try {
      expect(runner.calls.map((c) => c.script)).toEqual(['neighbour-facts', 'interface-state', 'list-addresses', 'remove-vip'])
      expect(runner.calls[3]!.params).toEqual({ address: '192.0.2.10', dev: 'Ethernet' })
      expect(opened).toEqual([{ interface: 'Ethernet', sourceAddress: '198.51.100.21', peers: ['198.51.100.22'] }])
      const st = agent.status()
      expect(st.garp).toMatchObject({ ok: true, method: 'windows-dad-announcement' })
      expect(st.warnings).toEqual([])
    } finally {
      await agent.stop()
    }
    expect(runner.left).toEqual([])
  })
})
