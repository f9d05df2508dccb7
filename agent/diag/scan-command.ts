/**
 * `havip-agent scan`: listen on protocol 112 for a while and report every VRID heard with its
 * senders; optionally also prove protocol 112 passes to given peers by sending marked test
 * adverts (see scan-report.ts for why they disturb no router) and counting the ones peers send.
 *
 *   havip-agent scan --interface IF --duration-ms N [--source ADDR] [--json]
 *                    [--test-token HEX8 --peer ADDR... [--multicast] [--count N]
 *                     [--advert-interval-ms N] [--avoid-vrid N]...]
 *
 * Every node of a validation runs this at the same time: each one listens for the whole window,
 * waits a little (so slower peers are listening too), picks a VRID it has not heard, sends
 * `count` rounds of test adverts spread over the middle of the window, and stops listening at
 * the end. Uses the agent's raw transport unchanged: one socket joined to 224.0.0.18 listens
 * (and sends the multicast test adverts), one per peer sends the unicast ones.
 */
import { networkInterfaces } from 'node:os'
import { parseArgs } from 'node:util'
import { RawVrrpTransport } from '../net/raw-transport'
import { isIpv4 } from '../vrrp/ipv4'
import { formatScanReport, pickTestVrid, ScanCollector, testAdvert, VRRP_MULTICAST, type TestSend } from './scan-report'

type Out = { out: (s: string) => void; err: (s: string) => void }

export const SCAN_USAGE = `usage: havip-agent scan --interface IF --duration-ms N [--source ADDR] [--json]
         [--test-token HEX8 --peer ADDR... [--multicast] [--count N] [--advert-interval-ms N] [--avoid-vrid N]...]`

class ScanUsageError extends Error {}

export interface ScanOptions {
  interface: string
  source: string
  durationMs: number
  json: boolean
  test?: { token: string; peers: string[]; multicast: boolean; count: number; advertIntervalMs: number; avoid: number[] }
}

function int(name: string, v: string | undefined, min: number, max: number, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw new ScanUsageError(`--${name} is required`)
    return dflt
  }
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new ScanUsageError(`--${name} must be a whole number ${min}..${max}, got "${v}"`)
  return n
}

function primaryIpv4(dev: string): string | undefined {
  return networkInterfaces()[dev]?.find((a) => a.family === 'IPv4' && !a.internal)?.address
}

/** argv -> options, or a ScanUsageError saying what is wrong. Exported for the unit tests. */
export function parseScanArgs(args: string[], lookupSource: (dev: string) => string | undefined = primaryIpv4): ScanOptions {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        interface: { type: 'string' }, 'duration-ms': { type: 'string' }, source: { type: 'string' }, json: { type: 'boolean' },
        'test-token': { type: 'string' }, peer: { type: 'string', multiple: true }, multicast: { type: 'boolean' },
        count: { type: 'string' }, 'advert-interval-ms': { type: 'string' }, 'avoid-vrid': { type: 'string', multiple: true }
      }
    })
  } catch (err) {
    throw new ScanUsageError((err as Error).message)
  }
  const v = parsed.values
  const dev = v.interface
  if (!dev) throw new ScanUsageError('--interface is required')
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/.test(dev)) throw new ScanUsageError(`--interface "${dev}" is not an interface name`)
  const durationMs = int('duration-ms', v['duration-ms'], 100, 600_000)
  const source = v.source ?? lookupSource(dev)
  if (!source) throw new ScanUsageError(`interface ${dev} has no IPv4 address: give --source ADDR or check the interface name`)
  if (!isIpv4(source)) throw new ScanUsageError(`--source "${source}" is not an IPv4 address`)
  const opts: ScanOptions = { interface: dev, source, durationMs, json: v.json === true }
  const peers = v.peer ?? []
  for (const p of peers) if (!isIpv4(p)) throw new ScanUsageError(`--peer "${p}" is not an IPv4 address`)
  if (v['test-token'] === undefined) {
    if (peers.length || v.multicast || v.count || v['avoid-vrid']) throw new ScanUsageError('--peer, --multicast, --count and --avoid-vrid need --test-token')
    return opts
  }
  if (!/^[0-9a-f]{8}$/.test(v['test-token'])) throw new ScanUsageError('--test-token must be 8 lower-case hex digits')
  if (peers.length === 0 && !v.multicast) throw new ScanUsageError('a test needs --peer ADDR (repeatable) and/or --multicast')
  opts.test = {
    token: v['test-token'],
    peers: [...new Set(peers)].filter((p) => p !== source),
    multicast: v.multicast === true,
    count: int('count', v.count, 1, 100, 3),
    advertIntervalMs: int('advert-interval-ms', v['advert-interval-ms'], 10, 255_000, 1000),
    avoid: (v['avoid-vrid'] ?? []).map((a) => int('avoid-vrid', a, 1, 255))
  }
  return opts
}

/**
 * When the test rounds go out: after `settle` (peers may start a little later; a router at our
 * interval has been heard once), spread up to `tail` before the end (peers may stop earlier).
 */
export function sendSchedule(durationMs: number, advertIntervalMs: number, count: number): number[] {
  const settle = Math.min(advertIntervalMs, Math.floor(durationMs / 3))
  const tail = Math.min(1000, Math.floor(durationMs / 4))
  const span = Math.max(0, durationMs - tail - settle)
  return Array.from({ length: count }, (_, i) => settle + (count > 1 ? Math.round((span * i) / (count - 1)) : 0))
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function runScan(o: ScanOptions): Promise<ReturnType<ScanCollector['report']>> {
  const collector = new ScanCollector(o.test?.token)
  const listener = new RawVrrpTransport({ interface: o.interface, sourceAddress: o.source, peers: [] })
  listener.onAdvert((r) => collector.add(r))
  const senders = (o.test?.peers ?? []).map((peer) => ({ peer, t: new RawVrrpTransport({ interface: o.interface, sourceAddress: o.source, peers: [peer] }) }))
  const started = Date.now()
  try {
    await listener.start()
    for (const s of senders) await s.t.start()
    let test: { vrid: number; sent: TestSend[] } | undefined
    if (o.test) {
      const t = o.test
      const sent: TestSend[] = [
        ...senders.map((s) => ({ to: s.peer, sent: 0, errors: [] as string[] })),
        ...(t.multicast ? [{ to: VRRP_MULTICAST, sent: 0, errors: [] as string[] }] : [])
      ]
      let vrid = 0
      for (const at of sendSchedule(o.durationMs, t.advertIntervalMs, t.count)) {
        await sleep(Math.max(0, at - (Date.now() - started)))
        if (vrid === 0) vrid = pickTestVrid(collector.heardVrids(), t.avoid)
        const advert = testAdvert(vrid, t.token, t.advertIntervalMs)
        const ways = [...senders.map((s) => s.t), ...(t.multicast ? [listener] : [])]
        await Promise.all(ways.map(async (way, i) => {
          const rec = sent[i]!
          try {
            await way.send(advert)
            rec.sent++
          } catch (err) {
            if (rec.errors.length < 3) rec.errors.push((err as Error).message)
          }
        }))
      }
      test = { vrid, sent }
    }
    await sleep(Math.max(0, o.durationMs - (Date.now() - started)))
    for (const [code, n] of Object.entries(listener.counters().bad)) collector.countBad(code, n)
    return collector.report({ interface: o.interface, source: o.source, durationMs: Date.now() - started, test })
  } finally {
    await listener.close()
    for (const s of senders) await s.t.close()
  }
}

export async function cmdScan(args: string[], io: Out): Promise<number> {
  let opts: ScanOptions
  try {
    opts = parseScanArgs(args)
  } catch (err) {
    if (!(err instanceof ScanUsageError)) throw err
    io.err(`havip-agent scan: ${err.message}\n${SCAN_USAGE}`)
    return 2
  }
  try {
    const report = await runScan(opts)
    io.out(opts.json ? JSON.stringify(report) : formatScanReport(report))
    return 0
  } catch (err) {
    const message = (err as Error).message
    io.err(opts.json ? JSON.stringify({ error: message }) : `havip-agent scan: ${message}`)
    return 1
  }
}
