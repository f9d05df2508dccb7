/**
 * Lab test: the agent bundle runs on Node.js 18, the oldest Node issue 3 promises ("runs on
 * Node.js 18 to 22 on the node"). Node 18 is Debian bookworm's nodejs 18.x, unpacked by
 * scripts/ensure-node18.sh (see node18.ts); Node 20 is this machine's /usr/bin/node.
 *
 * One node runs the bundle under Node 18, another under Node 20, both from /opt/havip as
 * deployed. They must load raw-socket's native binding from the bundle's prebuilds/ (abi108 and
 * abi115), speak VRRP over raw IP protocol 112, elect the higher priority, serve the VIP to the
 * client, and a clean stop of the Node 18 master must hand the VIP over with a priority-0 advert
 * (RFC 5798 §6.4.3) rather than after the master-down interval.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { nodeExec, type LabNode } from '../../lab/lab'
import {
  NODE_AGENT, NODE_BIN, REPO, ensureBundle, installAgent, instanceStatus, labState, logsOf, startAgent, stopAll, stopClean,
  vipAnsweredBy, vipHolders, waitFor, waitForSoleHolder, writeNodeFile, keepalivedConf, type Running
} from './lab-agents'
import { ctlNode18, ensureNode18, node18Exec, startAgentOnNode18, stopNode18Agents, type Node18 } from './node18'

const state = labState()
const [n1, n2] = state.nodes as [LabNode, LabNode]
// Index 19 and VRID 118: not used by the other agent test files or the bench (they use 0..16, VRIDs 61..103 and 100+).
const VIP = state.vipPool[19]!
const VRID = 118
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version

let n18: Node18

beforeAll(async () => {
  ensureBundle()
  // Downloads and unpacks Debian's Node 18 the first time on a machine (bounded by ensureNode18's timeout).
  n18 = ensureNode18()
  for (const n of [n1, n2]) await installAgent(n)
}, 300_000)

afterEach(async () => {
  await stopNode18Agents()
  await stopAll([VIP])
  for (const n of [n1, n2]) await nodeExec(n, ['rm', '-f', '/etc/havip/node18-check.conf']).catch(() => undefined)
})

/** The native modules a running process has mapped: which raw-socket prebuild it loaded. */
async function loadedRawSocketBinding(node: LabNode, pid: number): Promise<string[]> {
  const maps = await nodeExec(node, ['cat', `/proc/${pid}/maps`])
  expect(maps.code, `reading /proc/${pid}/maps in ${node.name}: ${maps.stderr}`).toBe(0)
  return [...new Set(maps.stdout.split('\n').map((l) => l.trim().split(/\s+/)[5] ?? '').filter((p) => p.includes('raw-socket') && p.endsWith('.node')))]
}

/** The executable a running process was started from. */
async function exeOf(node: LabNode, pid: number): Promise<string> {
  const r = await nodeExec(node, ['readlink', `/proc/${pid}/exe`])
  expect(r.code, `readlink /proc/${pid}/exe in ${node.name}: ${r.stderr}`).toBe(0)
  return r.stdout.trim()
}

describe('agent bundle on Node.js 18', () => {
  it('the deployed CLI runs under Node 18: version, check-config', async () => {
    const v = await node18Exec(n18, n1, ['-p', 'process.version + " " + process.versions.modules'])
    expect(v.code, v.stderr).toBe(0)
    expect(v.stdout.trim()).toMatch(/^v18\.\d+\.\d+ 108$/) // Node 18's native-module ABI is 108

    const ver18 = await node18Exec(n18, n1, [NODE_AGENT, 'version'])
    expect(ver18.code, ver18.stderr).toBe(0)
    expect(ver18.stderr).toBe('')
    expect(ver18.stdout.trim()).toBe(PACKAGE_VERSION)
    const ver20 = await nodeExec(n1, [NODE_BIN, NODE_AGENT, 'version'])
    expect(ver20.stdout.trim()).toBe(ver18.stdout.trim())

    await writeNodeFile(n1, '/etc/havip/node18-check.conf', keepalivedConf({ vrid: VRID, priority: 150, vips: [VIP], src: n1.address, peers: [n2.address] }))
    const ok = await node18Exec(n18, n1, [NODE_AGENT, 'check-config', '--keepalived-conf', '/etc/havip/node18-check.conf', '--json'])
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    await writeNodeFile(n1, '/etc/havip/node18-check.conf', keepalivedConf({ vrid: 300, priority: 150, vips: [VIP] }))
    const bad = await node18Exec(n18, n1, [NODE_AGENT, 'check-config', '--keepalived-conf', '/etc/havip/node18-check.conf'])
    expect(bad.code).not.toBe(0)
    expect(bad.stdout + bad.stderr).toMatch(/virtual_router_id|vrid/)
  })

  it('a Node 18 agent and a Node 20 agent elect by priority over raw sockets; a clean stop of the Node 18 master hands the VIP over', async () => {
    // v3, advert 1 s: master-down = 3 s + skew (RFC 5798 §6.1); a priority-0 advert cuts it to the skew (~0.4 s).
    const spec = { vrid: VRID, version: 3 as const, advertInt: 1, vips: [VIP] }
    // The Node 20 agent starts alone and becomes master; the Node 18 agent then starts as a backup,
    // must hear its adverts on the raw socket, and preempts it with the higher priority.
    const a20: Running = await startAgent(n2, 'n18b', { ...spec, priority: 100, src: n2.address, peers: [n1.address] })
    await waitForSoleHolder([n1, n2], VIP, n2, 10_000)
    const a18 = await startAgentOnNode18(n18, n1, 'n18a', { ...spec, priority: 150, src: n1.address, peers: [n2.address] })
    await waitForSoleHolder([n1, n2], VIP, n1, 10_000)
    await waitFor('client ping to the VIP answered by n1 (Node 18)', async () => (await vipAnsweredBy([n1, n2], VIP)) === 'n1', 5000)

    // The Node 18 agent's own ctl client (also under Node 18) reports a raw, interoperable transport.
    const st18 = await ctlNode18(n18, a18, ['status'])
    expect(st18.code, st18.stderr).toBe(0)
    expect(st18.json?.ok, JSON.stringify(st18.json)).toBe(true)
    const agent18 = st18.json.result
    expect(agent18).toMatchObject({ version: PACKAGE_VERSION, transport: 'raw', interoperable: true })
    expect(agent18.nodeVersion).toMatch(/^v18\./)
    const inst18 = agent18.instances.find((i: { name: string }) => i.name === 'VI_T')
    expect(inst18).toMatchObject({ state: 'master', basePriority: 150 })
    expect(inst18.adverts.sent).toBeGreaterThan(0)
    expect(inst18.adverts.received).toBeGreaterThan(0) // n2's adverts reached it over the raw socket while it was backup
    expect(inst18.adverts.badTotal).toBe(0)

    // It really is Node 18 running, with the abi108 binding from the deployed prebuilds/ (not a build from source).
    expect(await exeOf(n1, agent18.pid)).toBe(n18.node)
    expect(await loadedRawSocketBinding(n1, agent18.pid)).toEqual(['/opt/havip/prebuilds/linux-x64/@neuralegion+raw-socket.abi108.glibc.node'])

    const s20 = await waitFor('n2 (Node 20) to settle as backup of n1', async () => {
      const s = await instanceStatus(a20)
      return s.state === 'backup' && s.masterAddress === n1.address ? s : undefined
    }, 5000)
    expect(s20.adverts.badTotal).toBe(0) // Node 20 accepts every advert Node 18 sent
    const pid20 = (await ctlNode18(n18, a20, ['status'])).json.result.pid as number // Node 18 ctl client against a Node 20 agent
    expect(await exeOf(n2, pid20)).toBe(NODE_BIN)
    expect(await loadedRawSocketBinding(n2, pid20)).toEqual(['/opt/havip/prebuilds/linux-x64/@neuralegion+raw-socket.abi115.glibc.node'])

    const t0 = Date.now()
    await stopClean(a18)
    const handoverMs = Date.now() - t0
    expect(a18.child.exitCode, logsOf(a18)).toBe(0)
    expect(await vipHolders([n1], VIP)).toEqual([]) // the stopping master removed its VIP
    await waitForSoleHolder([n1, n2], VIP, n2, 5000)
    const tookOverMs = Date.now() - t0
    expect(tookOverMs, `stop took ${handoverMs} ms`).toBeLessThan(2500) // far below master-down (~3.6 s): the priority-0 advert worked
    const after = await instanceStatus(a20)
    expect(after.state).toBe('master')
    expect(after.lastTransition.reason).toMatch(/priority 0|down/i)
    await waitFor('client ping to the VIP answered by n2 (Node 20)', async () => (await vipAnsweredBy([n1, n2], VIP)) === 'n2', 5000)
    await stopClean(a20)
  })
})
