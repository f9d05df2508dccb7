// Debian's keepalived 2.2 run on an exported keepalived.conf, the way test/unit/agent/
// config-compat.test.ts does it: in a throwaway network namespace (a veth pair eth0/ens3, the
// node's address on its interface) so nothing leaves this machine, with private pid files.
// `keepalivedTest` is `keepalived -t`; `keepalivedTopology` starts it with -d (dump the
// configuration) and reads back each instance as keepalived itself understood it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const KEEPALIVED = '/usr/sbin/keepalived'
export const canRunKeepalived = existsSync(KEEPALIVED) && process.getuid?.() === 0 && existsSync('/usr/bin/unshare')

const NETNS_SETUP = 'ip link add eth0 type veth peer name ens3 && ip link set lo up && ip link set eth0 up && ip link set ens3 up && ip addr add "$1" dev "$2"'

function runInNetns(args: string[], stopWhen: (out: string) => boolean, guardMs: number): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/unshare', ['--net', 'sh', '-c', `${NETNS_SETUP} && shift 2 && exec "$@"`, 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const guard = setTimeout(() => child.kill('SIGKILL'), guardMs)
    const onData = (d: Buffer): void => {
      out += d.toString()
      if (stopWhen(out)) child.kill('SIGTERM')
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      resolve({ out, code })
    })
  })
}

function pidArgs(work: string, tag: string): string[] {
  return ['-p', join(work, `${tag}.main.pid`), '-r', join(work, `${tag}.vrrp.pid`), '-c', join(work, `${tag}.check.pid`)]
}

/** `keepalived -t -f FILE`: its exit code (non-zero for any complaint) and every line it printed. */
export async function keepalivedTest(file: string, nodeCidr: string, dev: string, work: string, tag: string): Promise<{ code: number | null; lines: string[] }> {
  const r = await runInNetns([nodeCidr, dev, KEEPALIVED, '-t', '-f', file, ...pidArgs(work, `${tag}.t`)], () => false, 20_000)
  return { code: r.code, lines: [...new Set(r.out.split('\n').filter(Boolean))] }
}

export interface KeepalivedInstance {
  name: string
  version: number
  interface: string
  srcIp: string
  vrid: number
  priority: number
  advertIntervalMs: number
  preempt: boolean
  password?: string
  multicast: boolean
  peers: string[]
  vips: string[]
}

const STAMP = /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /

/** The "VRRP Topology" part of keepalived's -d dump, one record per instance. */
export function parseTopology(log: string): KeepalivedInstance[] {
  const lines = log.split('\n').map((l) => l.replace(STAMP, ''))
  const start = lines.indexOf('------< VRRP Topology >------')
  if (start < 0) return []
  const out: KeepalivedInstance[] = []
  let cur: KeepalivedInstance | undefined
  let list: 'vips' | 'peers' | undefined
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('------<')) break
    // The parent process logs to the same pipe while the VRRP child dumps ("Startup complete",
    // "Stopping"); every dump line is indented, so an unindented line is the other process's.
    if (!line.startsWith(' ')) continue
    const m = (re: RegExp) => re.exec(line)?.[1]
    const name = m(/^ VRRP Instance = (\S+)$/)
    if (name) {
      cur = { name, version: 0, interface: '', srcIp: '', vrid: 0, priority: 0, advertIntervalMs: 0, preempt: true, multicast: false, peers: [], vips: [] }
      out.push(cur)
      list = undefined
      continue
    }
    if (!cur) continue
    if (/^ {3}Virtual IP \(\d+\):$/.test(line)) list = 'vips'
    else if (/^ {3}Unicast Peer :$/.test(line)) list = 'peers'
    else if (list && /^ {5}\S/.test(line)) {
      if (list === 'vips') cur.vips.push(line.trim().split(' ')[0]!)
      else cur.peers.push(line.trim().split(' ')[0]!)
    } else {
      list = undefined
      const adv = /^ {3}Advert interval = (\d+) (milli-sec|sec)$/.exec(line)
      if (adv) cur.advertIntervalMs = Number(adv[1]) * (adv[2] === 'sec' ? 1000 : 1)
      const v = m(/^ {3}VRRP Version = (\d)$/)
      if (v) cur.version = Number(v)
      const i = m(/^ {3}Interface = (\S+)$/)
      if (i) cur.interface = i
      const s = m(/^ {3}Using src_ip = (\S+)/)
      if (s) cur.srcIp = s
      const id = m(/^ {3}Virtual Router ID = (\d+)$/)
      if (id) cur.vrid = Number(id)
      const p = m(/^ {3}Priority = (\d+)$/)
      if (p) cur.priority = Number(p)
      const pre = m(/^ {3}Preempt = (enabled|disabled)$/)
      if (pre) cur.preempt = pre === 'enabled'
      const pw = /^ {3}Password = (.*)$/.exec(line)
      if (pw) cur.password = pw[1]
      if (/^ {3}Multicast address /.test(line)) cur.multicast = true
    }
  }
  return out
}

/** Starts keepalived on FILE (VRRP only, -d), reads its dump of the topology, stops it. */
export async function keepalivedTopology(file: string, nodeCidr: string, dev: string, work: string, tag: string): Promise<{ instances: KeepalivedInstance[]; log: string }> {
  const dumped = (out: string) => /------< VRRP Topology >------[\s\S]*------< Interfaces >------/.test(out)
  const r = await runInNetns([nodeCidr, dev, KEEPALIVED, '--vrrp', '-n', '-l', '-D', '-d', '-f', file, ...pidArgs(work, tag)], dumped, 40_000)
  return { instances: parseTopology(r.out), log: r.out }
}
