// The deploy service on real lab nodes over real SSH: install, config, service, start, status,
// probe and removal, as root and as a key-only NOPASSWD sudo user, on a node with Node.js and on
// one without. Every test leaves its nodes as it found them (checked by snapshot), and scrubs
// them in afterEach if it failed midway.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { hideNodeJs, type Undo } from '../../lab/shapes'
import { killSpawned, nodeExec, nodeSpawn, type LabNode } from '../../lab/lab'
import { writeNodeFile } from '../agent/lab-agents'
import {
  agentConfig, agentProcesses, definition, makeDeployEnv, scrub, setAside, snapshot, waitFor,
  VIP_A, VIP_B, VIP_C, VRID_A, VRID_B, VRID_C, type DeployEnv, type NodeSnapshot
} from './deploy-lab'

let env: DeployEnv
const cleanups: Array<() => Promise<void>> = []
const figures: string[] = []

beforeAll(() => {
  env = makeDeployEnv()
})

afterEach(async () => {
  // Also after a failure: undo shapes, kill what runs, empty the dirs.
  while (cleanups.length) await cleanups.pop()!().catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`))
})

afterAll(async () => {
  if (figures.length) console.log(`deploy figures:\n  ${figures.join('\n  ')}`)
  await env?.dispose()
})

/** Sets aside what is in the node's havip dirs, registers its scrub (and its shapes), returns its snapshot before the test. */
async function claim(node: LabNode, vips: string[], undo?: Undo): Promise<NodeSnapshot> {
  cleanups.push(await setAside(node)) // runs last: what other tests left there goes back
  cleanups.push(() => scrub(node, vips))
  if (undo) cleanups.push(undo)
  return snapshot(node)
}

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  const r = await fn()
  figures.push(`${what}: ${((performance.now() - t0) / 1000).toFixed(2)} s`)
  return r
}

async function deployAndStart(s: SshSession, node: LabNode, vip: string, vrid: number, label: string): Promise<{ runtime: 'system' | 'uploaded'; summary: string }> {
  const facts = { arch: 'x86_64' } as Parameters<DeployEnv['deployer']['installRelease']>[1]
  const t0 = performance.now()
  const installed = await timed(`${label}: installRelease`, () => env.deployer.installRelease(s, facts, (n) => env.notes.push(`${node.name}: ${n}`)))
  await env.deployer.writeConfig(s, definition(node, vip, vrid), agentConfig(vip, vrid))
  expect(await env.deployer.installService(s)).toBe('supervisor') // no systemd on the lab's nodes
  await timed(`${label}: start`, () => env.deployer.start(s))
  figures.push(`${label}: whole deploy (install, config, service, start): ${((performance.now() - t0) / 1000).toFixed(2)} s`)
  return installed
}

async function expectMaster(s: SshSession, node: LabNode, vip: string): Promise<void> {
  await waitFor(`the agent on ${node.name} to be MASTER holding ${vip}`, async () => {
    const st = await env.deployer.status(s)
    return st.running && st.instances.length === 1 && st.instances[0]!.state === 'MASTER' && st.instances[0]!.holdsVips
  }, 15_000, 200)
}

describe('deploy to a lab node', () => {
  it('as root: install, config, service, start; status shows the instance; a probe from another node answers; removeAll leaves both nodes as before', async () => {
    const n1 = env.node('n1')
    const n2 = env.node('n2')
    const before1 = await claim(n1, [VIP_A])
    const before2 = await claim(n2, [VIP_A, VIP_B])
    const s1 = await env.root(n1)
    const s2 = await env.root(n2)

    const r = await deployAndStart(s1, n1, VIP_A, VRID_A, 'root, node with Node.js 20')
    expect(r.runtime).toBe('system')
    expect(r.summary).toMatch(/release .* installed .* runs with the node's own Node\.js v20/)
    await expectMaster(s1, n1, VIP_A)
    const st = await env.deployer.status(s1)
    expect(st).toMatchObject({ running: true, instances: [{ name: 'web', state: 'MASTER', vrid: VRID_A, priority: 150, holdsVips: true }] })

    const state = await env.deployer.inspect(s1)
    expect(state).toMatchObject({ currentRelease: state.releases[0], uploadedRuntime: null, nodePath: '/usr/bin/node', service: { kind: 'supervisor', installed: true, running: true }, cluster: { id: 'c-deploy-test', generation: 1 } })
    expect((await nodeExec(n1, ['stat', '-c', '%a %U', '/etc/havip/cluster.json', '/etc/havip/agent.json'])).stdout.trim().split('\n')).toEqual(['600 root', '600 root'])

    // The probe runs the agent on n2, so n2 gets the release too (no service).
    await env.deployer.installRelease(s2, { arch: 'x86_64' } as never, () => undefined)
    expect(await env.deployer.probe(s2, VIP_A, 5)).toEqual({ sent: 5, answered: 5 })
    expect(await env.deployer.probe(s2, VIP_B, 3)).toEqual({ sent: 3, answered: 0 }) // nobody holds VIP_B: a probe that can say no

    // n2 runs its own agent too: removing HAVIP from n1 must leave it alone.
    await deployAndStart(s2, n2, VIP_B, VRID_B, 'root, second node')
    await expectMaster(s2, n2, VIP_B)

    await env.deployer.stop(s1)
    expect((await env.deployer.status(s1)).running).toBe(false)
    expect(await agentProcesses(n1)).toEqual([])
    await env.deployer.start(s1) // start again after a stop: removeAll must stop it itself
    await expectMaster(s1, n1, VIP_A)

    expect(await timed('removeAll (running agent)', () => env.deployer.removeAll(s1, () => undefined))).toEqual([])
    await expectMaster(s2, n2, VIP_B)
    expect(await env.deployer.removeAll(s2, () => undefined)).toEqual([])
    expect(await snapshot(n1)).toEqual(before1)
    expect(await snapshot(n2)).toEqual(before2)
    expect(await env.deployer.inspect(s1)).toMatchObject({ releases: [], currentRelease: null, service: null, cluster: null })
  })

  it('as havipkey (key only, NOPASSWD sudo): the same, and removeAll leaves the node as before', async () => {
    const n2 = env.node('n2')
    const before = await claim(n2, [VIP_B])
    const s = await env.keyUser(n2)
    expect(s.target.username).toBe(env.lab.keyUsers.nopasswdSudo.name)
    await deployAndStart(s, n2, VIP_B, VRID_B, 'havipkey (sudo), node with Node.js 20')
    await expectMaster(s, n2, VIP_B)
    expect((await nodeExec(n2, ['stat', '-c', '%U', '/opt/havip/current/havip-agent.cjs'])).stdout.trim()).toBe('root')
    expect(await env.deployer.removeAll(s, () => undefined)).toEqual([])
    expect(await snapshot(n2)).toEqual(before)
  })

  it('as havipadm (sudo asks for the password every time): the config travels on stdin after the password', async () => {
    const n2 = env.node('n2')
    const before = await claim(n2, [VIP_B])
    const s = await env.admin(n2)
    expect(s.target.username).toBe(env.lab.sudoUser)
    await deployAndStart(s, n2, VIP_B, VRID_B, 'havipadm (sudo with password), node with Node.js 20')
    await expectMaster(s, n2, VIP_B)
    expect((await nodeExec(n2, ['cat', '/etc/havip/agent.json'])).stdout).toBe(agentConfig(VIP_B, VRID_B))
    expect(await env.deployer.removeAll(s, () => undefined)).toEqual([])
    expect(await snapshot(n2)).toEqual(before)
  })

  it('a node without Node.js gets the runtime (with progress notes) and runs; removeAll takes the runtime away again', async () => {
    const n3 = env.node('n3')
    const undo = await hideNodeJs(n3)
    const before = await claim(n3, [VIP_C], undo)
    const s = await env.root(n3)
    env.notes.length = 0
    const r = await deployAndStart(s, n3, VIP_C, VRID_C, 'root, node WITHOUT Node.js (runtime upload)')
    expect(r.runtime).toBe('uploaded')
    expect(r.summary).toMatch(/uploaded Node\.js v22\.23\.5 \(45\.\d MB\) and release/)
    expect(env.notes.some((n) => /uploading Node\.js v22\.23\.5: \d+\.\d MB of 45\.\d MB/.test(n))).toBe(true)
    await expectMaster(s, n3, VIP_C)
    expect((await nodeExec(n3, ['/opt/havip/node', '--version'])).stdout.trim()).toBe('v22.23.5')
    expect(await env.deployer.inspect(s)).toMatchObject({ uploadedRuntime: 'v22.23.5', nodePath: '/opt/havip/runtime/node-v22.23.5-linux-x64/bin/node' })
    expect(await env.deployer.removeAll(s, () => undefined)).toEqual([])
    expect(await snapshot(n3)).toEqual(before)
  })

  it('a connection cut in the middle of the runtime upload leaves nothing half installed, and running it again converges', async () => {
    const n3 = env.node('n3')
    const undo = await hideNodeJs(n3)
    const before = await claim(n3, [], undo)
    const cut = await env.root(n3)
    const err = await env.deployer
      .installRelease(cut, { arch: 'x86_64' } as never, (n) => {
        const m = /Node\.js v[\d.]+: ([\d.]+) MB of/.exec(n)
        if (m && Number(m[1]) > 5) void cut.close() // the link goes away mid-transfer
      })
      .catch((e: unknown) => e as Error)
    expect(err).toBeInstanceOf(Error)
    // Nothing switched, nothing unpacked: no current, no node link, no runtime, no install.json.
    expect((await nodeExec(n3, ['ls', '-A', '/opt/havip', '/etc/havip'])).stdout).not.toMatch(/current|node\b|runtime|install\.json/)
    const s = await env.root(n3)
    const r = await env.deployer.installRelease(s, { arch: 'x86_64' } as never, () => undefined)
    expect(r.runtime).toBe('uploaded')
    expect((await nodeExec(n3, ['/opt/havip/node', '--version'])).stdout.trim()).toBe('v22.23.5')
    expect((await nodeExec(n3, ['ls', '-A', '/opt/havip'])).stdout.trim().split('\n').sort()).toEqual(['current', 'node', 'releases', 'runtime'])
    expect(await env.deployer.removeAll(s, () => undefined)).toEqual([])
    expect(await snapshot(n3)).toEqual(before)
  })

  it('installRelease twice converges: the second run uploads nothing and changes nothing', async () => {
    const n1 = env.node('n1')
    const before = await claim(n1, [])
    const s = await env.root(n1)
    let uploads = 0
    const counting: SshSession = Object.assign(Object.create(s) as SshSession, {
      upload: (...a: Parameters<SshSession['upload']>) => {
        uploads++
        return s.upload(...a)
      }
    })
    await env.deployer.installRelease(counting, { arch: 'x86_64' } as never, () => undefined)
    expect(uploads).toBe(1)
    const files = await snapshot(n1)
    const again = await timed('installRelease again (nothing to do)', () => env.deployer.installRelease(counting, { arch: 'x86_64' } as never, () => undefined))
    expect(uploads).toBe(1)
    expect(again.summary).toMatch(/already installed and current/)
    expect(await snapshot(n1)).toEqual(files)
    expect(await env.deployer.removeAll(s, () => undefined)).toEqual([])
    expect(await snapshot(n1)).toEqual(before)
  })

  it('a disk too full for the runtime is refused before anything is uploaded, naming the node, the path and the space', async () => {
    const n3 = env.node('n3')
    const undo = await hideNodeJs(n3)
    const before = await claim(n3, [], undo)
    // Fill /opt/havip (a 512m tmpfs) so that less than the ~190 MB the runtime needs is free.
    cleanups.push(async () => void (await nodeExec(n3, ['rm', '-f', '/opt/havip/filler'])))
    expect((await nodeExec(n3, ['fallocate', '-l', '400M', '/opt/havip/filler'])).code).toBe(0)
    const s = await env.root(n3)
    const err = (await env.deployer.installRelease(s, { arch: 'x86_64' } as never, () => undefined).catch((e: unknown) => e)) as Error
    expect(err).toBeInstanceOf(Error)
    expect(err.message).toMatch(new RegExp(`^Installing the agent on ${n3.address.replaceAll('.', '\\.')} failed: not enough disk space in /opt/havip: the Node\\.js runtime and the agent release need \\d+\\.\\d MB, \\d+\\.\\d MB are free\\. Free at least`))
    expect((await nodeExec(n3, ['ls', '-A', '/opt/havip'])).stdout.trim()).toBe('filler') // nothing uploaded, nothing half written
    await nodeExec(n3, ['rm', '-f', '/opt/havip/filler'])
    expect(await snapshot(n3)).toEqual(before)
  })

  it('the supervisor brings back an agent killed with -9; removeAll also stops an agent started by hand', async () => {
    const n1 = env.node('n1')
    const before = await claim(n1, [VIP_A, VIP_B])
    const s = await env.root(n1)
    await deployAndStart(s, n1, VIP_A, VRID_A, 'root, restart test')
    await expectMaster(s, n1, VIP_A)
    const runPid = async (): Promise<string | undefined> => (await agentProcesses(n1)).find((l) => /havip-agent\.cjs run /.test(l))?.split(' ')[0]
    const first = await runPid()
    expect(first).toMatch(/^\d+$/)
    expect((await nodeExec(n1, ['kill', '-9', first!])).code).toBe(0)
    await waitFor('the supervisor to start a new agent', async () => {
      const p = await runPid()
      return p !== undefined && p !== first
    }, 20_000, 200)
    await expectMaster(s, n1, VIP_A)

    // An agent someone started by hand from the release (not the supervisor's): removeAll stops it
    // too, and removes the VIP it held.
    const release = (await env.deployer.inspect(s)).currentRelease!
    await writeNodeFile(n1, '/etc/havip/by-hand.json', agentConfig(VIP_B, VRID_B, 150, 'by-hand').replace('{', '{ "controlSocket": "/run/havip/by-hand.sock",'))
    const stray = nodeSpawn(n1, ['/usr/bin/node', `/opt/havip/releases/${release}/havip-agent.cjs`, 'run', '--config', '/etc/havip/by-hand.json'])
    cleanups.push(() => killSpawned(stray, 'SIGKILL'))
    await waitFor('the hand-started agent to hold its VIP', async () => (await nodeExec(n1, ['ip', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(`${VIP_B}/24`), 15_000, 200)

    expect(await env.deployer.removeAll(s, () => undefined)).toEqual([])
    expect(await snapshot(n1)).toEqual(before)
  })
})
