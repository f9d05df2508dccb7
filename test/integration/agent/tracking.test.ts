/**
 * Lab tests of health tracking and hooks with real processes: a tracked script's weight moves
 * the priority and changes the winner (JSON config), a tracked interface going down puts the
 * instance in FAULT, notify hooks run with keepalived's arguments, and the raw socket keeps
 * working while a unicast peer answers with ICMP "protocol unreachable".
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { nodeExec } from '../../lab/lab'
import {
  deployBundle, instanceStatus, labState, sleep, startAgent, stopAll, stopClean, waitFor, waitForSoleHolder
} from './lab-agents'

const state = labState()
const [n1, n2, n3] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0], typeof state.nodes[0]]
const VIP_A = state.vipPool[5]!
const VIP_B = state.vipPool[6]!
const VIP_C = state.vipPool[7]!

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await stopAll([VIP_A, VIP_B, VIP_C])
  await nodeExec(n1, ['rm', '-f', '/run/havip/healthy-t', '/run/havip/notify-t.log'])
  await nodeExec(n1, ['ip', 'link', 'del', 'trk0']).catch(() => undefined)
})

describe('tracking and hooks in the lab', () => {
  it('a failing track script with weight -60 hands the VIP to the peer; notify hooks get INSTANCE NAME STATE PRIORITY', async () => {
    await nodeExec(n1, ['touch', '/run/havip/healthy-t'])
    const json = {
      instances: [{
        name: 'VI_J', interface: 'eth0', vrid: 101, version: 3, priority: 150, advertIntervalMs: 200,
        unicastSrcIp: n1.address, unicastPeers: [n2.address], vips: [{ address: VIP_A, prefix: 24 }],
        trackScripts: [{ name: 'chk_file' }],
        notify: { generic: ['/bin/sh', '-c', 'echo "$@" >> /run/havip/notify-t.log', 'sh'] }
      }],
      scripts: [{ name: 'chk_file', argv: ['/usr/bin/test', '-e', '/run/havip/healthy-t'], intervalMs: 200, timeoutMs: 1000, rise: 1, fall: 1, weight: -60 }]
    }
    const a1 = await startAgent(n1, 'tj1', { json })
    await startAgent(n2, 'tj2', { name: 'VI_J', vrid: 101, version: 3, advertInt: 0.2, priority: 100, vips: [VIP_A], src: n2.address, peers: [n1.address] })
    await waitForSoleHolder([n1, n2], VIP_A, n1, 10_000)

    await nodeExec(n1, ['rm', '-f', '/run/havip/healthy-t'])
    await waitForSoleHolder([n1, n2], VIP_A, n2, 5000)
    const s = await instanceStatus(a1, 'VI_J')
    expect(s).toMatchObject({ state: 'backup', basePriority: 150, effectivePriority: 90 })
    expect(s.health).toContain('script chk_file failing -60')

    await nodeExec(n1, ['touch', '/run/havip/healthy-t'])
    await waitForSoleHolder([n1, n2], VIP_A, n1, 5000) // back to 150: preempts the peer's 100
    await stopClean(a1)
    const log = (await nodeExec(n1, ['cat', '/run/havip/notify-t.log'])).stdout.trim().split('\n')
    expect(log).toEqual(['INSTANCE VI_J BACKUP 150', 'INSTANCE VI_J MASTER 150', 'INSTANCE VI_J BACKUP 90', 'INSTANCE VI_J MASTER 150', 'INSTANCE VI_J STOP 150'])
  })

  it('a tracked interface going down puts the instance in FAULT and moves the VIP; up again recovers', async () => {
    // A veth pair inside n1 (the lab kernel may lack the dummy driver); trk0 is up while both ends are.
    const add = await nodeExec(n1, ['ip', 'link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1'])
    expect(add.stderr).toBe('')
    await nodeExec(n1, ['ip', 'link', 'set', 'trk1', 'up'])
    await nodeExec(n1, ['ip', 'link', 'set', 'trk0', 'up'])
    const spec = { vrid: 102, version: 3 as const, advertInt: 0.2, vips: [VIP_B] }
    const a1 = await startAgent(n1, 'ti1', { ...spec, priority: 150, src: n1.address, peers: [n2.address], extra: ['track_interface {', '  trk0', '}'] })
    await startAgent(n2, 'ti2', { ...spec, priority: 100, src: n2.address, peers: [n1.address] })
    await waitForSoleHolder([n1, n2], VIP_B, n1, 10_000)
    await nodeExec(n1, ['ip', 'link', 'set', 'trk0', 'down'])
    await waitForSoleHolder([n1, n2], VIP_B, n2, 5000)
    const s = await instanceStatus(a1)
    expect(s).toMatchObject({ state: 'fault', fault: true })
    expect(s.health).toContain('interface trk0 failing')
    await nodeExec(n1, ['ip', 'link', 'set', 'trk0', 'up'])
    await waitForSoleHolder([n1, n2], VIP_B, n1, 5000)
  })

  it('keeps hearing peers while unicast adverts to a stopped peer draw ICMP protocol-unreachable errors', async () => {
    const spec = { vrid: 103, version: 3 as const, advertInt: 0.1, vips: [VIP_C] }
    // n2 and n3 run no agent yet: their kernels answer each advert with ICMP protocol unreachable.
    const a1 = await startAgent(n1, 'tr1', { ...spec, priority: 100, src: n1.address, peers: [n2.address, n3.address] })
    await waitForSoleHolder([n1, n2, n3], VIP_C, n1, 10_000)
    await sleep(1000)
    const st = await instanceStatus(a1)
    expect(st.state).toBe('master')
    expect(st.adverts.sendErrors).toBe(0)
    // Now a higher-priority peer appears: n1 must still receive its adverts on the (reopened) socket.
    await startAgent(n2, 'tr2', { ...spec, priority: 200, src: n2.address, peers: [n1.address, n3.address] })
    await waitForSoleHolder([n1, n2, n3], VIP_C, n2, 5000)
    await waitFor('n1 backup following n2', async () => (await instanceStatus(a1)).masterAddress === n2.address, 5000)
  })
})
