/**
 * Bench "agent": VIP unreachable time seen by a client pinging every 10 ms, for
 *   (a) kill -9 of the master, (a2) failure of the master's node, (b) clean stop of the master,
 *   (c) planned takeover,
 * for havip-agent and Debian's keepalived under the same settings in the same run,
 * at advert intervals 1 s (v3, and v2), 100 ms and 20 ms (v3); plus the agent's idle CPU and RSS.
 * For (a2) a capture on the new master's interface also times the takeover itself on the wire:
 * from the last advert it heard from the old master to its first gratuitous ARP and to its
 * first echo reply from the VIP. That leaves out the client's probe rhythm and the event's phase,
 * so it compares what the two implementations do after Master_Down_Interval.
 * Each measure is repeated and the median reported. Before each event the bench waits a random
 * 0..advert-interval, so the event lands at a uniformly random point of the master's advert cycle:
 * without it, both implementations' outage depends on where in that cycle the event happens to
 * fall, which is decided by the bench's own polling rhythm and not by the implementation.
 */
import { readFileSync } from 'node:fs'
import { clientExec, nodeExec, type LabNode } from '../lab/lab'
import {
  crash, ctl, ensureBundle, installAgent, labState, sleep, startAgent, startKeepalived, stopAll, stopClean,
  waitFor, waitForSoleHolder, writeNodeFile, keepalivedConf, logsOf, type InstanceSpec, type Running
} from '../integration/agent/lab-agents'
import { Capture } from './capture'
import { decodeFrame, takeoverTimes, type TakeoverTimes } from './pcap'
import { median, type Bench, type BenchContext, type BenchRow } from './registry'
import { Pinger } from './reachability'

type Impl = 'agent' | 'keepalived'
const IMPLS: readonly Impl[] = ['agent', 'keepalived']

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}
type Scenario = 'crash' | 'nodefail' | 'clean' | 'takeover'
interface Setting { label: string; version: 2 | 3; advertInt: number }

const SCENARIO_LABEL: Record<Scenario, string> = {
  crash: 'unreachable ms (a) kill -9 of master daemon',
  nodefail: 'unreachable ms (a2) master node failure',
  clean: 'unreachable ms (b) clean stop of master',
  takeover: 'unreachable ms (c) planned takeover'
}

const WIRE_GARP = 'takeover ms (a2) last advert heard -> first GARP'
const WIRE_REPLY = 'takeover ms (a2) last advert heard -> first reply'

const round1 = (x: number): number => Math.round(x * 10) / 10

/** keepalived's Master_Down_Interval for the backup (priority 100): 3 intervals + skew. */
function masterDownMs(s: Setting, priority: number): number {
  const intervalMs = s.advertInt * 1000
  return 3 * intervalMs + ((256 - priority) * (s.version === 2 ? 1000 : intervalMs)) / 256
}

async function startPair(impl: Impl, s: Setting, vip: string, vrid: number, tag: string): Promise<[Running, Running]> {
  const st = labState()
  const [n1, n2] = st.nodes as [typeof st.nodes[0], typeof st.nodes[0]]
  const base: Omit<InstanceSpec, 'priority'> = { vrid, version: s.version, advertInt: s.advertInt, vips: [vip] }
  const spec1 = { ...base, priority: 150, src: n1.address, peers: [n2.address] }
  const spec2 = { ...base, priority: 100, src: n2.address, peers: [n1.address] }
  const start = impl === 'agent' ? startAgent : startKeepalived
  const a = await start(n1, `${tag}a`, spec1)
  const b = await start(n2, `${tag}b`, spec2)
  await waitForSoleHolder([n1, n2], vip, n1, 15_000)
  return [a, b]
}

/** keepalived has no planned switchover: raise the backup's priority above the master's and reload (SIGHUP). */
async function keepalivedTakeover(b: Running, s: Setting, vip: string, vrid: number): Promise<void> {
  const st = labState()
  const [n1, n2] = st.nodes as [typeof st.nodes[0], typeof st.nodes[0]]
  const conf = keepalivedConf({ vrid, version: s.version, advertInt: s.advertInt, vips: [vip], priority: 200, src: n2.address, peers: [n1.address] })
  await writeNodeFile(b.node, `/run/havip/k-${b.tag}.conf`, conf)
  const pid = (await nodeExec(b.node, ['cat', `/run/havip/k-${b.tag}.pid`])).stdout.trim()
  await nodeExec(b.node, ['kill', '-HUP', pid])
}

interface Measure {
  /** Longest gap between the client's replies, ms. */
  unreachableMs: number
  /** (a2) only: the takeover on the wire at the new master. */
  wire?: TakeoverTimes
}

/** The capture of a node-failure measure, on the new master's eth0: adverts, ARP and ICMP. */
async function startTakeoverCapture(n1: LabNode, n2: LabNode): Promise<Capture> {
  const cap = new Capture(n2, 'ip proto 112 or arp or icmp')
  await cap.start()
  // Live only once it has written the master's adverts: dumpcap may say "Capturing" before.
  await waitFor('the capture on n2 to see adverts from n1', () => cap.snapshot().filter((f) => {
    const d = decodeFrame(f.data)
    return d.kind === 'vrrp' && d.src === n1.address
  }).length >= 2, 10_000, 20)
  return cap
}

async function measureOnce(ctx: BenchContext, impl: Impl, s: Setting, scenario: Scenario, vip: string, vrid: number, tag: string): Promise<Measure | null> {
  const st = labState()
  const [n1, n2] = st.nodes as [typeof st.nodes[0], typeof st.nodes[0]]
  const pinger = new Pinger(vip, 10)
  const running: Running[] = []
  let cap: Capture | undefined
  try {
    const [a, b] = await startPair(impl, s, vip, vrid, tag)
    running.push(a, b)
    pinger.start()
    await waitFor('steady replies before the event', async () => pinger.okSince(0) >= 30, 10_000)
    if (scenario === 'nodefail') cap = await startTakeoverCapture(n1, n2)
    await sleep(Math.random() * s.advertInt * 1000)
    const t0 = Date.now()
    if (scenario === 'crash') await crash(a)
    else if (scenario === 'nodefail') {
      // The node dies: its link goes away together with the daemon, so the VIP left on it no longer answers.
      await Promise.all([nodeExec(n1, ['ip', 'link', 'set', 'eth0', 'down']), crash(a)])
    }
    else if (scenario === 'clean') await stopClean(a)
    else if (impl === 'agent') {
      const r = await ctl(b, ['takeover', 'VI_T'])
      if (r.code !== 0) throw new Error(`ctl takeover failed: ${r.stderr}`)
    } else await keepalivedTakeover(b, s, vip, vrid)
    await waitFor(`${vip} on n2`, async () => (await nodeExec(n2, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout.includes(` ${vip}/`), 15_000)
    const tMoved = Date.now()
    // Replies must flow again after the move, for a while, to close the gap.
    await waitFor('replies after the VIP moved', async () => pinger.okSince(tMoved) >= 50, 15_000)
    await pinger.stop()
    let wire: TakeoverTimes | undefined | void
    if (cap) {
      const c = cap
      const mac = (await nodeExec(n2, ['cat', '/sys/class/net/eth0/address'])).stdout.trim()
      // dumpcap writes what it read within ms, but on a busy machine it reads late: wait for it.
      wire = await waitFor('the capture on n2 to hold the takeover', () => takeoverTimes(c.snapshot(), { oldMaster: n1.address, newMasterMac: mac, vip }), 10_000, 50)
        .catch((err: Error) => void ctx.log(`  ${impl} ${s.label} ${scenario}: no wire times: ${err.message}`))
    }
    const unreachableMs = pinger.unreachableMs(t0)
    return unreachableMs === null ? null : { unreachableMs, wire: wire ?? undefined }
  } catch (err) {
    ctx.log(`  ${impl} ${s.label} ${scenario}: ${(err as Error).message}`)
    if (process.env.HAVIP_BENCH_DEBUG) {
      const neigh = await clientExec(['ip', 'neigh', 'show', vip]).catch(() => undefined)
      const last = pinger.results.slice(-5).map((r) => JSON.stringify(r)).join(' ')
      ctx.log(`    client neigh: ${neigh?.stdout.trim()}; last probes: ${last}; total ${pinger.results.length}`)
      for (const r of running) ctx.log(`    ${r.kind} ${r.node.name} log tail:\n${logsOf(r).slice(-1500)}`)
    }
    return null
  } finally {
    await pinger.stop()
    await cap?.stop().catch(() => undefined)
    if (scenario === 'nodefail') await nodeExec(n1, ['ip', 'link', 'set', 'eth0', 'up'])
    await stopAll([vip])
  }
}

/** CPU % and RSS of a running program over `ms`, from /proc (pid namespaces are shared with the host). */
async function usage(pids: number[], ms: number): Promise<{ cpuPct: number; rssMiB: number }> {
  const ticks = (): number => pids.reduce((sum, p) => {
    const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return sum + Number(f[11]) + Number(f[12]) // utime + stime (fields 14, 15)
  }, 0)
  const rss = (): number => pids.reduce((sum, p) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0), 0)
  const t0 = ticks()
  const w0 = Date.now()
  await sleep(ms)
  const cpu = ((ticks() - t0) / 100) / ((Date.now() - w0) / 1000) * 100 // USER_HZ = 100
  return { cpuPct: cpu, rssMiB: rss() / 1024 }
}

async function pidsOf(r: Running): Promise<number[]> {
  const root = r.child.pid!
  if (r.kind === 'agent') return [root]
  // keepalived: parent plus its VRRP (and checker) children.
  const out = await nodeExec(r.node, ['pgrep', '-g', String(root)])
  return out.stdout.split('\n').filter(Boolean).map(Number)
}

async function idleUsage(ctx: BenchContext, impl: Impl, s: Setting, vip: string, vrid: number): Promise<BenchRow[]> {
  const cpu: (number | null)[] = []
  const rss: (number | null)[] = []
  for (let i = 0; i < ctx.repeats; i++) {
    try {
      const [a] = await startPair(impl, s, vip, vrid, `idle${i}`)
      await sleep(1000)
      const u = await usage(await pidsOf(a), ctx.quick ? 4000 : 10_000)
      cpu.push(u.cpuPct)
      rss.push(u.rssMiB)
    } catch (err) {
      ctx.log(`  idle ${impl}: ${(err as Error).message}`)
    } finally {
      await stopAll([vip])
    }
  }
  const subject = `${impl} master ${s.label}`
  return [
    { metric: 'idle CPU %', subject, median: median(cpu), unit: '%', samples: cpu },
    { metric: 'RSS MiB', subject, median: median(rss), unit: 'MiB', samples: rss }
  ]
}

export const agentBench: Bench = {
  name: 'agent',
  description: 'havip-agent vs keepalived: VIP unreachable time on failover, and idle CPU/RSS',
  async run(ctx) {
    ensureBundle()
    const st = labState()
    for (const n of st.nodes) await installAgent(n)
    const vip = st.vipPool[16]!
    const all: Setting[] = [
      { label: 'v3 1s', version: 3, advertInt: 1 },
      { label: 'v2 1s', version: 2, advertInt: 1 },
      { label: 'v3 100ms', version: 3, advertInt: 0.1 },
      { label: 'v3 20ms', version: 3, advertInt: 0.02 }
    ]
    // `--settings "v3 100ms,v3 20ms"` narrows the run to those advert settings.
    const key = (l: string): string => l.replace(/[\s_-]+/g, '').toLowerCase()
    const wantedSettings = argValue('settings')?.split(',').map(key)
    const unknown = wantedSettings?.filter((w) => !all.some((x) => key(x.label) === w))
    if (unknown?.length) throw new Error(`--settings: unknown ${unknown.join(', ')}; known: ${all.map((x) => x.label).join(', ')}`)
    const settings: Setting[] = wantedSettings
      ? all.filter((x) => wantedSettings.includes(key(x.label)))
      : ctx.quick ? all.filter((x) => x.label === 'v3 100ms') : all
    // `--scenarios crash,takeover` narrows the run (e.g. to re-measure one change quickly).
    const allScenarios: Scenario[] = ['crash', 'nodefail', 'clean', 'takeover']
    const wanted = argValue('scenarios')?.split(',')
    const scenarios = wanted ? allScenarios.filter((x) => wanted.includes(x)) : allScenarios
    const rows: BenchRow[] = []
    // A fresh VRID per measure keeps a straggling advert of the last one out of the next; they cycle
    // through 100..254 so any --repeats stays a valid VRID.
    let n = 0
    const nextVrid = (): number => 100 + (n++ % 155)
    for (const s of settings) {
      for (const scenario of scenarios) {
        // At 100 ms a measure takes a second, so take three times as many: differences of a few
        // tens of ms are within the spread of the event's phase and need the larger sample.
        const repeats = s.advertInt < 1 ? ctx.repeats * 3 : ctx.repeats
        const samples: Record<Impl, (number | null)[]> = { agent: [], keepalived: [] }
        const toGarp: Record<Impl, (number | null)[]> = { agent: [], keepalived: [] }
        const toReply: Record<Impl, (number | null)[]> = { agent: [], keepalived: [] }
        // Alternate the two implementations so a drift of the machine's load hits both alike.
        for (let i = 0; i < repeats; i++) {
          for (const impl of IMPLS) {
            const vrid = nextVrid()
            const m = await measureOnce(ctx, impl, s, scenario, vip, vrid, `b${vrid}`)
            const w = m?.wire
            const garp = w?.firstGarpMs === undefined ? null : round1(w.firstGarpMs - w.lastAdvertMs)
            const reply = w ? round1(w.firstReplyMs - w.lastAdvertMs) : null
            const wireNote = w ? `; on the wire: last advert -> GARP ${garp ?? '-'} ms, -> reply ${reply} ms` : ''
            ctx.log(`  ${impl.padEnd(10)} ${s.label.padEnd(8)} ${scenario.padEnd(8)} #${i + 1}: ${m === null ? 'n/a' : `${m.unreachableMs} ms${wireNote}`}`)
            samples[impl].push(m?.unreachableMs ?? null)
            if (scenario === 'nodefail') {
              toGarp[impl].push(garp)
              toReply[impl].push(reply)
            }
          }
        }
        for (const impl of IMPLS) {
          const note = impl === 'keepalived' && scenario === 'takeover' ? 'priority raised to 200 + SIGHUP reload' : undefined
          rows.push({ metric: SCENARIO_LABEL[scenario], subject: `${impl} ${s.label}`, median: median(samples[impl]), unit: 'ms', samples: samples[impl], note })
        }
        if (scenario === 'nodefail') {
          const limit = `Master_Down_Interval ${masterDownMs(s, 100).toFixed(1)} ms`
          for (const impl of IMPLS) rows.push({ metric: WIRE_GARP, subject: `${impl} ${s.label}`, median: median(toGarp[impl]), unit: 'ms', samples: toGarp[impl], note: limit })
          for (const impl of IMPLS) rows.push({ metric: WIRE_REPLY, subject: `${impl} ${s.label}`, median: median(toReply[impl]), unit: 'ms', samples: toReply[impl], note: limit })
        }
      }
    }
    if (wanted && !wanted.includes('idle')) return rows
    const idleSetting: Setting = { label: 'v3 1s', version: 3, advertInt: 1 }
    for (const impl of IMPLS) rows.push(...(await idleUsage(ctx, impl, idleSetting, vip, nextVrid())))
    return rows
  }
}
