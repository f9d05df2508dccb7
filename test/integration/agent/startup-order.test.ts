/**
 * Issue 9 item 1 in the lab: an address owner (priority 255) whose tracked script fails from the
 * start must never act as master, not even for a moment (RFC 5798 §6.4.1: the instance leaves
 * Initialize only once the first health result is known). tshark on the peer sees no advert from
 * it at all, and `ip monitor` on the node never sees the VIP appear. The peer, a plain backup,
 * becomes master meanwhile: the positive control that the capture and the wait were real.
 */
import type { ChildProcess } from 'node:child_process'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killSpawned, nodeExec, nodeSpawn } from '../../lab/lab'
import { deployBundle, holdsVip, instanceStatus, labState, startAgent, stopAll, waitFor, waitForSoleHolder, writeNodeFile } from './lab-agents'

const state = labState()
const [n1, n2] = state.nodes as [typeof state.nodes[0], typeof state.nodes[0]]
const VIP = state.vipPool[14]!
/** Root-owned, 0755, in root-owned directories: acceptable under keepalived-style script security. */
const SCRIPT = '/etc/havip/chk-startup-fails.sh'

const children: ChildProcess[] = []
function lines(child: ChildProcess): string[] {
  const out: string[] = []
  let buf = ''
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    const parts = buf.split('\n')
    buf = parts.pop() ?? ''
    out.push(...parts.filter(Boolean))
  })
  return out
}

beforeAll(() => deployBundle(state.nodes), 120_000)

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => killSpawned(c, 'SIGINT', 3000).catch(() => undefined)))
  await stopAll([VIP])
  await nodeExec(n1, ['rm', '-f', SCRIPT])
})

describe('startup order (issue 9 item 1)', () => {
  it('a priority-255 owner with a failing track script sends no advert and never holds the VIP; it starts in FAULT', async () => {
    await writeNodeFile(n1, SCRIPT, '#!/bin/sh\n# fails from the start: the service this node fronts is down\nexit 1\n')
    expect((await nodeExec(n1, ['chmod', '0755', SCRIPT])).code).toBe(0)

    // Every address change on n1's eth0, and every VRRP packet the peer receives, from before the agent starts.
    const monitor = nodeSpawn(n1, ['ip', '-o', '-4', 'monitor', 'address', 'dev', 'eth0'])
    children.push(monitor)
    const addrEvents = lines(monitor)
    const cap = nodeSpawn(n2, ['tshark', '-i', 'eth0', '-n', '-l', '-f', 'ip proto 112', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'vrrp.prio'])
    children.push(cap)
    const wire = lines(cap)
    let capErr = ''
    cap.stderr?.on('data', (d: Buffer) => (capErr += d.toString()))
    await waitFor('tshark on n2 to start capturing', () => /Capturing on/.test(capErr), 10_000, 50)

    const json = {
      instances: [{
        name: 'VI_S', interface: 'eth0', vrid: 111, version: 3, priority: 255, advertIntervalMs: 100,
        unicastSrcIp: n1.address, unicastPeers: [n2.address], vips: [{ address: VIP, prefix: 24 }],
        trackScripts: [{ name: 'chk_down' }]
      }],
      scripts: [{ name: 'chk_down', argv: [SCRIPT], intervalMs: 200, timeoutMs: 1000, rise: 1, fall: 1, weight: 0 }]
    }
    const owner = await startAgent(n1, 'so1', { json })
    await startAgent(n2, 'so2', { name: 'VI_S', vrid: 111, version: 3, advertInt: 0.1, priority: 100, vips: [VIP], src: n2.address, peers: [n1.address] })

    const s = await waitFor('n1 to report its state', async () => {
      const st = await instanceStatus(owner, 'VI_S')
      return st?.state === 'fault' ? st : undefined
    }, 10_000, 100)
    expect(s.health).toContain('script chk_down failing')
    // The peer hears nobody and takes the VIP: ~Master_Down_Interval (3 x 100 ms + skew) after it started.
    await waitForSoleHolder([n1, n2], VIP, n2, 10_000)
    // Let 20 of the peer's adverts go by on the wire, so any advert of n1's would have been captured as well.
    await waitFor('20 adverts from n2 on the wire', () => wire.filter((l) => l.startsWith(`${n2.address}|`)).length >= 20, 10_000, 50)

    expect(wire.filter((l) => l.startsWith(`${n1.address}|`))).toEqual([])
    expect((await instanceStatus(owner, 'VI_S')).adverts.sent).toBe(0)
    expect(addrEvents.filter((l) => l.includes(VIP))).toEqual([])
    expect(await holdsVip(n1, VIP)).toBe(false)
    // Notify hooks: the transition log shows Initialize -> Fault directly.
    expect((await instanceStatus(owner, 'VI_S')).lastTransition).toMatchObject({ from: 'initialize', to: 'fault' })
  })
})
