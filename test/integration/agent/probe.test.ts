/**
 * `havip-agent probe` against real lab addresses, run from the client namespace as the
 * manager's reachability graph and the bench use it: replies from a node, losses from an
 * address nobody holds, and the switch from lost to answered when an address appears.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProbeResult } from '../../../agent/net/icmp-probe'
import { clientExec, clientSpawn, killSpawned, nodeExec } from '../../lab/lab'
import { BUNDLE_DIR, ensureBundle, labState, NODE_BIN, sleep } from './lab-agents'

const state = labState()
const n1 = state.nodes[0]!
// The last address of the pool: the agent lab tests use the first ones.
const FREE = state.vipPool[state.vipPool.length - 1]!
const BUNDLE = join(BUNDLE_DIR, 'havip-agent.cjs')

beforeAll(() => ensureBundle(), 120_000)
afterAll(async () => {
  await nodeExec(n1, ['ip', '-4', 'addr', 'del', `${FREE}/24`, 'dev', 'eth0']).catch(() => undefined)
})

function parseLines(stdout: string): ProbeResult[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProbeResult)
}

describe('havip-agent probe in the lab', () => {
  it('a node answers every probe with a round-trip time; lines come in sequence order', async () => {
    const r = await clientExec([NODE_BIN, BUNDLE, 'probe', n1.address, '--interval-ms', '20', '--count', '25', '--json'], { timeoutMs: 20_000 })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const lines = parseLines(r.stdout)
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i))
    for (const l of lines) {
      expect(l.lost).toBeUndefined()
      expect(l.rttMs).toBeGreaterThanOrEqual(0)
      expect(l.rttMs).toBeLessThan(1000)
    }
    // Probes are spaced by the interval: 25 probes at 20 ms span about 480 ms of send times.
    const span = lines[24]!.sentAt - lines[0]!.sentAt
    expect(span).toBeGreaterThanOrEqual(400)
  })

  it('an address nobody holds reports every probe lost after its timeout', async () => {
    const r = await clientExec([NODE_BIN, BUNDLE, 'probe', FREE, '--interval-ms', '50', '--count', '5', '--timeout-ms', '300', '--json'], { timeoutMs: 20_000 })
    expect(r.code).toBe(0)
    const lines = parseLines(r.stdout)
    expect(lines).toHaveLength(5)
    for (const l of lines) {
      expect(l.lost).toBe(true)
      expect(l.rttMs).toBeUndefined()
    }
  })

  it('turns from lost to answered when the address appears on a node', async () => {
    const child = clientSpawn([NODE_BIN, BUNDLE, 'probe', FREE, '--interval-ms', '20', '--timeout-ms', '300', '--count', '150', '--json'])
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      await sleep(800)
      const add = await nodeExec(n1, ['ip', '-4', 'addr', 'add', `${FREE}/24`, 'dev', 'eth0'])
      expect(add.code, add.stderr).toBe(0)
      // The client may still hold a FAILED neighbour entry; a gratuitous ARP corrects it at once.
      await nodeExec(n1, ['arping', '-U', '-c', '1', '-I', 'eth0', '-s', FREE, FREE], { timeoutMs: 5000 })
      const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)])
      expect(code).toBe(0)
    } finally {
      await killSpawned(child)
    }
    const lines = parseLines(out)
    expect(lines).toHaveLength(150)
    const firstOk = lines.findIndex((l) => l.rttMs !== undefined)
    expect(firstOk).toBeGreaterThan(5)
    // Before the address existed every probe was lost; once it answers, it keeps answering.
    expect(lines.slice(0, firstOk).every((l) => l.lost)).toBe(true)
    const after = lines.slice(firstOk)
    expect(after.filter((l) => l.lost).length).toBeLessThanOrEqual(2)
  })
})
