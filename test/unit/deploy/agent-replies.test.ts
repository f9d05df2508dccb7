// What the deployed agent answers (ctl status --json, probe --json, agent.json for removal),
// parsed defensively: the real agent's own status is the fixture, and anything else gives a
// reason, never an exception.
import { describe, expect, it } from 'vitest'
import type { InstanceStatus } from '../../../agent/instance'
import { parseProbeLines, parseStatus } from '../../../electron/backend/deploy/agent-status'
import { vipsOfAgentConfig } from '../../../electron/backend/deploy/removal'

// Type-level guard (npm run typecheck): the fields parseStatus reads still exist on the agent's InstanceStatus.
const READ_FIELDS: (keyof InstanceStatus)[] = ['name', 'state', 'vrid', 'effectivePriority', 'basePriority', 'vipsHeld']
void READ_FIELDS

describe('parseStatus', () => {
  it('reads the reply shape `havip-agent ctl status --json` prints', () => {
    // The shape main.ts prints: the ControlResponse with the agent's status() as result.
    const inst = { name: 'VI_1', interface: 'eth0', vrid: 51, version: 3, state: 'master', fault: false, basePriority: 150, effectivePriority: 150, vipsHeld: ['198.51.100.210/24'], vips: ['198.51.100.210/24'] }
    const reply = { id: 1, ok: true, result: { version: '0.1.0', nodeVersion: 'v22.23.5', pid: 1, instances: [inst, { ...inst, name: 'VI_2', vrid: 52, state: 'backup', effectivePriority: 90, vipsHeld: [] }, { ...inst, name: 'VI_3', vrid: 53, state: 'backup', fault: true, vipsHeld: [] }, { ...inst, name: 'VI_4', vrid: 54, state: 'initialize', vipsHeld: [] }] } }
    expect(parseStatus(JSON.stringify(reply) + '\n', '', 0)).toEqual({
      running: true,
      version: '0.1.0',
      instances: [
        { name: 'VI_1', state: 'MASTER', vrid: 51, priority: 150, holdsVips: true },
        { name: 'VI_2', state: 'BACKUP', vrid: 52, priority: 90, holdsVips: false },
        { name: 'VI_3', state: 'FAULT', vrid: 53, priority: 150, holdsVips: false },
        { name: 'VI_4', state: 'INIT', vrid: 54, priority: 150, holdsVips: false }
      ]
    })
  })

  it('says why when the agent is not there or answers something else', () => {
    expect(parseStatus('', 'havip-agent: no havip-agent is listening on /run/havip/agent.sock (ENOENT); start it\n', 1)).toMatchObject({ running: false, error: expect.stringMatching(/no havip-agent is listening/) })
    expect(parseStatus('{"ok":false,"error":"busy"}', '', 1)).toMatchObject({ running: true, error: 'busy' })
    expect(parseStatus('{"ok":true,"result":{"instances":[{"name":1}]}}', '', 0)).toMatchObject({ running: true, instances: [], error: expect.stringMatching(/unexpected shape/) })
    expect(parseStatus('<html>', '', 0)).toMatchObject({ running: false })
  })
})

describe('parseProbeLines', () => {
  it('counts probes and answers from the JSON lines, ignoring anything else', () => {
    const out = ['{"seq":1,"sentAt":1,"rttMs":0.3}', '{"seq":2,"sentAt":2,"lost":true}', 'garbage', '{"seq":3,"sentAt":3,"rttMs":0.2}', ''].join('\n')
    expect(parseProbeLines(out)).toEqual({ sent: 3, answered: 2 })
  })
})

describe('vipsOfAgentConfig', () => {
  it('lists each VIP on its dev or its instance\'s interface, and drops anything that is not an address or interface name', () => {
    const conf = {
      instances: [
        { interface: 'eth0', vips: [{ address: '198.51.100.210', prefix: 24 }, { address: '198.51.100.211', prefix: 32, dev: 'eth1' }] },
        { interface: 'eth0; rm -rf /', vips: [{ address: '198.51.100.212', prefix: 24 }] },
        { interface: 'eth0', vips: [{ address: '$(reboot)', prefix: 24 }, { address: '198.51.100.213', prefix: 99 }] }
      ]
    }
    expect(vipsOfAgentConfig(JSON.stringify(conf))).toEqual([
      { address: '198.51.100.210', prefix: 24, dev: 'eth0' },
      { address: '198.51.100.211', prefix: 32, dev: 'eth1' }
    ])
    expect(vipsOfAgentConfig('not json')).toEqual([])
  })
})
