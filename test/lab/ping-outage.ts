// The outage a client sees at a VIP while something happens (a Move, a Pause, a failover): the
// lab client pings the address every few milliseconds (`ping -D`, so every reply carries its
// receive time) and the outage is issue 12's: from the first probe that got no answer to the
// first probe answered after the last one lost. Shared by the console lab test and the Move bench.
import { clientSpawn, killSpawned } from './exec'
import { waitFor } from '../support/wait-for'

export interface PingReply {
  seq: number
  /** Receive time, ms since the epoch (the host clock, which the lab's nodes share). */
  at: number
}

export interface PingOutage {
  /** Probes counted (up to the last reply; the few sent after it were still in flight) and of them unanswered. */
  sent: number
  lost: number
  /**
   * From the first unanswered probe (its send time, interpolated between the replies around it)
   * to the first reply after the last unanswered one; 0 when nothing was lost; null when the
   * replies had not come back when the window ended.
   */
  outageMs: number | null
}

/** One line of `ping -D -n` output: a reply, or null (headers, summaries, errors). */
export function parsePingLine(line: string): PingReply | null {
  const m = /^\[(\d+(?:\.\d+)?)\] \d+ bytes from .*icmp_seq=(\d+)/.exec(line)
  if (!m || /DUP!/.test(line)) return null
  return { seq: Number(m[2]), at: Number(m[1]) * 1000 }
}

/** Probes sent after the last reply that still count as in flight when ping was stopped, not lost. */
const IN_FLIGHT = 3

/**
 * The outage among `replies` for probes 1..`sent` (ping numbers from 1, every `intervalMs`).
 * More than a few unanswered probes after the last reply mean the outage had not ended: null.
 */
export function outageOf(replies: readonly PingReply[], sent: number, intervalMs: number): PingOutage {
  const bySeq = new Map<number, number>()
  for (const r of replies) if (!bySeq.has(r.seq) && r.seq <= sent) bySeq.set(r.seq, r.at)
  const answered = [...bySeq.keys()].sort((a, b) => a - b)
  const last = answered.at(-1) ?? 0
  if (sent - last > IN_FLIGHT) return { sent, lost: sent - answered.length, outageMs: null }
  const counted = last // probes after the last reply were in flight when ping stopped
  const lost = counted - answered.length
  let firstLost: number | null = null
  let lastLost = 0
  for (let s = 1; s <= counted; s++) {
    if (bySeq.has(s)) continue
    firstLost ??= s
    lastLost = s
  }
  if (firstLost === null) return { sent: counted, lost: 0, outageMs: 0 }
  const after = answered.find((s) => s > lastLost)!
  const before = [...answered].reverse().find((s) => s < firstLost!)
  const recoveredAt = bySeq.get(after)!
  // The first lost probe's send time: the probes between two replies went out evenly spaced.
  const lostSentAt =
    before === undefined ? recoveredAt - (after - firstLost) * intervalMs : bySeq.get(before)! + ((recoveredAt - bySeq.get(before)!) * (firstLost - before)) / (after - before)
  return { sent: counted, lost, outageMs: Math.max(0, Math.round(recoveredAt - lostSentAt)) }
}

export interface ReplyGaps {
  /** The longest time between two consecutive replies (by receive time): a drill's outage as the client saw it. */
  longestGapMs: number
  /** Every time between replies over 100 ms: more than one means more than one outage (a failback). */
  gapsMs: number[]
}

export function replyGaps(replies: readonly PingReply[]): ReplyGaps {
  const stamps = replies.map((r) => r.at).sort((a, b) => a - b)
  const between = stamps.slice(1).map((t, i) => Math.round(t - stamps[i]!))
  return { longestGapMs: Math.max(0, ...between), gapsMs: between.filter((gap) => gap > 100) }
}

/**
 * Pings `address` from the lab client every `intervalMs` while `during` runs, and afterwards until
 * `settleReplies` more replies came (bounded: a VIP that stays silent ends the window after 3 s).
 */
export async function pingsDuring<T>(address: string, during: () => Promise<T>, opts: { intervalMs?: number; settleReplies?: number } = {}): Promise<{ result: T } & PingOutage & ReplyGaps> {
  const interval = opts.intervalMs ?? 10
  const ping = clientSpawn(['ping', '-n', '-D', '-i', String(interval / 1000), '-W', '1', address])
  const replies: PingReply[] = []
  let out = ''
  let partial = ''
  ping.stdout?.on('data', (d: Buffer) => {
    const text = d.toString()
    out += text
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const l of lines) {
      const r = parsePingLine(l)
      if (r) replies.push(r)
    }
  })
  try {
    await waitFor(`the first ping reply from ${address}`, () => replies.length > 0, 10_000, 10)
    const result = await during()
    const seen = replies.length
    await waitFor('replies after the action', () => replies.length >= seen + (opts.settleReplies ?? 20), 3000, 10).catch(() => undefined)
    await killSpawned(ping, 'SIGINT', 3000)
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out)
    if (!m) throw new Error(`no ping summary from the lab client: ${out.slice(-300)}`)
    return { result, ...outageOf(replies, Number(m[1]), interval), ...replyGaps(replies) }
  } finally {
    await killSpawned(ping, 'SIGKILL', 500)
  }
}
