// A lab option: a keepalived pair on the lab's segment that is not part of any cluster under
// test, in two extra namespaces (havip-kp-a, havip-kp-b) plugged into the lab bridge. It runs
// one multicast VRRP instance on the VRID you choose, so a router id scan must list that VRID
// with its master, and a validation that picks the same VRID must fail. Both namespaces, their
// veths, processes and files go away in stop(), also after a failed start.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '../support/wait-for'
import { killSpawned } from './exec'
import { deleteNetnsQuietly, plugScratchNetns } from './scratch-netns'
import { BASE_ENV, run } from './run'

export interface PairMember {
  netns: string
  address: string
  priority: number
  child: ChildProcess
  output: string[]
}

export interface KeepalivedPair {
  vrid: number
  vip: string
  members: [PairMember, PairMember]
  /** Every "Entering ... STATE" line each member logged so far, in order. */
  transitions(): Record<string, string[]>
  /** The member holding the VIP now (by `ip addr`), or undefined. */
  holder(): Promise<string | undefined>
  stop(): Promise<void>
}

export interface PairOptions {
  vrid: number
  /** A VIP from the lab's pool that no test in the same file uses otherwise. */
  vip: string
  /** keepalived advert_int (s). */
  advertInt?: number
}

const MEMBERS = [
  { netns: 'havip-kp-a', port: 'kp-a', address: '198.51.100.31', priority: 150 },
  { netns: 'havip-kp-b', port: 'kp-b', address: '198.51.100.32', priority: 100 }
] as const

function conf(o: PairOptions, priority: number): string {
  return [
    'global_defs {', '  router_id havip_kp_pair', '  enable_script_security', '}',
    'vrrp_instance VI_KP {', '  state BACKUP', '  interface eth0', `  virtual_router_id ${o.vrid}`, `  priority ${priority}`,
    '  version 3', `  advert_int ${o.advertInt ?? 1}`, '  virtual_ipaddress {', `    ${o.vip}/24 dev eth0`, '  }', '}', ''
  ].join('\n')
}

const STATE_LINE = /Entering (\w+) STATE/

export async function startKeepalivedPair(o: PairOptions): Promise<KeepalivedPair> {
  const dir = mkdtempSync(join(tmpdir(), 'havip-kp-'))
  const members: PairMember[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => killSpawned(m.child, 'SIGTERM', 5000).catch(() => undefined)))
    for (const m of MEMBERS) await deleteNetnsQuietly(m.netns)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const m of MEMBERS) {
      await plugScratchNetns(m.netns, m.port, m.address)
      const base = join(dir, m.netns)
      writeFileSync(`${base}.conf`, conf(o, m.priority))
      const child = spawn('nsenter', [`--net=/run/netns/${m.netns}`, '--', 'keepalived', '-n', '-l', '-D', '-f', `${base}.conf`,
        '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-checkers.pid`], { env: BASE_ENV, stdio: 'pipe', detached: true })
      const member: PairMember = { netns: m.netns, address: m.address, priority: m.priority, child, output: [] }
      const push = (d: Buffer): void => void member.output.push(d.toString())
      child.stdout?.on('data', push)
      child.stderr?.on('data', push)
      members.push(member)
    }
    const pair: KeepalivedPair = {
      vrid: o.vrid,
      vip: o.vip,
      members: members as [PairMember, PairMember],
      transitions: () => Object.fromEntries(members.map((m) => [m.netns, m.output.join('').split('\n').filter((l) => STATE_LINE.test(l)).map((l) => STATE_LINE.exec(l)![1]!)])),
      holder: async () => {
        for (const m of members) {
          const r = await runIn(m.netns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])
          if (r.includes(` ${o.vip}/`)) return m.netns
        }
        return undefined
      },
      stop
    }
    // Settled: the higher priority is master and holds the VIP, the other has entered BACKUP.
    await waitFor('the keepalived pair to settle (kp-a MASTER with the VIP, kp-b BACKUP)', async () => {
      for (const m of members) if (m.child.exitCode !== null) throw new Error(`keepalived in ${m.netns} exited: ${m.output.join('').slice(-1500)}`)
      const t = pair.transitions()
      return t['havip-kp-a']!.at(-1) === 'MASTER' && t['havip-kp-b']!.at(-1) === 'BACKUP' && (await pair.holder()) === 'havip-kp-a'
    }, 20_000, 100)
    return pair
  } catch (err) {
    await stop()
    throw err
  }
}

async function runIn(netns: string, argv: string[]): Promise<string> {
  return (await run(['nsenter', `--net=/run/netns/${netns}`, '--', ...argv])).stdout
}
