/**
 * The VRRP state machine of one virtual router (RFC 5798 §6; RFC 3768 §6 for v2), as a pure
 * function: step(state, event, now) -> (new state, actions). Timers are deadlines in the
 * returned state (absolute ms on the caller's clock); their expiry comes back in as an event.
 * Sockets, `ip addr` and notify scripts live in the runtime, which only carries out actions.
 * The state and its derived values: vrrp-state.ts; the shared transitions: step-context.ts.
 *
 * Beyond the RFC: Fault (tracked interface/script down), Maintenance (paused by the admin),
 * planned takeover (advertise 254 until released), keepalived's preempt_delay, and the failback
 * window (preempt only during given hours, preempt-window.ts).
 */
import { ipv4ToUint32 } from './ipv4'
import { Step } from './step-context'
import {
  advertRejection, advertisedPriority, clampPriority, fmtMs, masterDownIntervalMs, preemptsNow, skewTimeMs,
  type InstanceState, type StepResult, type VrrpEvent, type VrrpState, type VrrpTimer
} from './vrrp-state'

// The model and its derived values live in vrrp-state.ts; importers of the state machine get them here too.
export * from './vrrp-state'

export function step(prev: InstanceState, e: VrrpEvent, now: number): StepResult {
  const t = new Step(prev, now)
  const s = t.s
  switch (e.kind) {
    case 'startup':
      if (s.state !== 'initialize' && s.state !== 'stopped') return t.result()
      s.preemptDelayElapsed = false
      if (s.paused) {
        t.clearTimers()
        // No election while paused: go straight to maintenance.
        t.go('maintenance', 'started while paused by admin')
        return t.result()
      }
      t.rejoin(s.fault ? 'started with a failing tracked check' : 'started')
      // keepalived's preempt_delay: after startup do not preempt a lower-priority master for a while.
      if ((s.state as VrrpState) === 'backup' && s.params.preempt && s.params.preemptDelayMs > 0) {
        s.deadlines.preemptDelay = now + s.params.preemptDelayMs
      }
      return t.result()

    case 'shutdown': {
      if (s.state === 'stopped') return t.result()
      const from = s.state
      t.resignIfMaster()
      t.clearTimers()
      s.takeover = false
      t.go('stopped', 'agent stopping')
      if (from !== 'initialize') t.actions.push({ kind: 'notify', state: 'STOP' })
      return t.result()
    }

    case 'advert':
      return onAdvert(t, e)

    case 'timer':
      return onTimer(t, e.timer)

    case 'health':
      return onHealth(t, e)

    case 'takeover':
      if (s.state === 'master') {
        if (!s.takeover) {
          s.takeover = true
          s.masterPriority = advertisedPriority(s)
          t.sendAdvert() // tell everyone at once that we now hold on at 254
        }
      } else if (s.state === 'backup') {
        s.takeover = true
        t.toMaster(`planned takeover by admin (advertising priority ${advertisedPriority(s)} until released)`)
      }
      // initialize, fault, maintenance, stopped: a takeover cannot be honoured; the runtime reports it.
      return t.result()

    case 'release':
      if (!s.takeover) return t.result()
      s.takeover = false
      if (s.state === 'master') {
        s.masterPriority = advertisedPriority(s)
        // Advertise the real priority now, so a higher-priority peer with preempt takes over at once.
        t.sendAdvert()
      }
      return t.result()

    case 'pause': {
      if (s.paused) return t.result()
      s.paused = true
      if (s.state === 'initialize' || s.state === 'stopped') return t.result()
      const wasMaster = s.state === 'master'
      t.resignIfMaster()
      t.clearTimers()
      s.takeover = false
      t.go('maintenance', 'paused by admin')
      // Notify hooks that undo master work must run when the VIPs leave.
      if (wasMaster) t.actions.push({ kind: 'notify', state: 'BACKUP' })
      return t.result()
    }

    case 'resume':
      if (!s.paused) return t.result()
      s.paused = false
      if (s.state === 'maintenance') t.rejoin('resumed by admin')
      return t.result()

    case 'set-preempt':
      s.params = { ...s.params, preempt: e.preempt, preemptDelayMs: e.preemptDelayMs }
      if (!e.preempt || e.preemptDelayMs === 0) s.deadlines.preemptDelay = undefined
      if (!e.preempt) acceptLowerMaster(t)
      return t.result()

    case 'preempt-window':
      if (s.preemptWindowOpen === e.open) return t.result()
      s.preemptWindowOpen = e.open
      if (!e.open) acceptLowerMaster(t)
      return t.result()
  }
}

/**
 * Preempting was just turned off (the failback window closed, or nopreempt set by a reload): a
 * backup that was discarding a lower-priority master's adverts, to preempt it when
 * Master_Down_Timer ran out, accepts that master now, as nopreempt would have all along.
 */
function acceptLowerMaster(t: Step): void {
  const s = t.s
  if (s.state === 'backup' && s.masterAddress !== undefined && (s.masterPriority ?? 0) > 0 && (s.masterPriority ?? 0) < s.effectivePriority) {
    s.deadlines.masterDown = t.now + masterDownIntervalMs(s)
  }
}

function onAdvert(t: Step, e: Extract<VrrpEvent, { kind: 'advert' }>): StepResult {
  const s = t.s
  if (advertRejection(s, e) !== undefined) return t.result()
  const theirs = `advert from ${e.src} with priority ${e.priority}`

  if (s.state === 'backup') {
    // RFC 5798 §6.4.2 (Backup).
    if (e.priority === 0) {
      // The master resigned: take over after Skew_Time only, not the full Master_Down_Interval.
      s.masterAddress = e.src
      s.masterPriority = 0
      s.deadlines.masterDown = t.now + skewTimeMs(s)
      return t.result()
    }
    const mine = s.effectivePriority
    let accept = !preemptsNow(s) || e.priority >= mine
    if (!accept && s.params.preemptDelayMs > 0 && !s.preemptDelayElapsed) {
      // keepalived's preempt_delay: tolerate a lower-priority master until the delay runs out.
      s.deadlines.preemptDelay ??= t.now + s.params.preemptDelayMs
      accept = true
    }
    if (!accept) {
      // Lower priority and we preempt: let Master_Down_Timer run out (RFC 5798 §6.4.2 "discard").
      s.masterAddress = e.src
      s.masterPriority = e.priority
      return t.result()
    }
    if (e.priority > mine) {
      // A legitimately higher master: the next lower one gets the full preempt delay again.
      s.deadlines.preemptDelay = undefined
      s.preemptDelayElapsed = false
    }
    t.learnMaster(e)
    s.deadlines.masterDown = t.now + masterDownIntervalMs(s)
    return t.result()
  }

  if (s.state === 'master') {
    // RFC 5798 §6.4.3 (Master).
    const mine = advertisedPriority(s)
    if (e.priority === 0) {
      t.sendAdvert() // a resigning peer: assert ourselves at once
      return t.result()
    }
    const higher = e.priority > mine
    const tieLost = e.priority === mine && ipv4ToUint32(e.src) > ipv4ToUint32(s.params.primaryAddress)
    if (higher || tieLost) {
      const why = higher
        ? `${theirs}: higher than ours ${mine}`
        : `${theirs}: equal to ours, and ${e.src} > ${s.params.primaryAddress} wins the tie`
      // Two masters at once: a healed split brain. The winner may never hear us (we stop
      // advertising now), so it would not know clients may have followed our gratuitous ARP.
      // One last advert at our priority tells it, and it re-announces the VIP (below). This is
      // keepalived's higher_prio_send_advert; beyond RFC 5798 §6.4.3, which only says to yield.
      t.actions.push({ kind: 'send-advert', priority: mine })
      t.toBackup(why, e)
      return t.result()
    }
    // Lower priority: the RFC (§6.4.3) says discard. keepalived answers with an advert at once,
    // so the other side hears the real master without waiting an interval, and announces the VIP
    // again (garp_lower_prio_repeat): clients that followed the other side of a healed split
    // brain come back now, not when their ARP entry expires. We do both.
    t.actions.push({ kind: 'send-advert', priority: mine }, { kind: 'reannounce' })
    return t.result()
  }

  // initialize, fault, maintenance, stopped: no part in elections.
  return t.result()
}

function onTimer(t: Step, timer: VrrpTimer): StepResult {
  const s = t.s
  const due = s.deadlines[timer]
  // Stale or early timer (the runtime may race a deadline that moved): ignore.
  if (due === undefined || t.now < due) return t.result()
  s.deadlines[timer] = undefined

  if (timer === 'preemptDelay') {
    s.preemptDelayElapsed = true
    return t.result()
  }
  if (timer === 'advert' && s.state === 'master') {
    t.sendAdvert()
    return t.result()
  }
  if (timer === 'masterDown' && s.state === 'backup') {
    let why = 'master down timer expired: no master heard'
    if (s.masterAddress && s.masterPriority === 0) why = `master ${s.masterAddress} resigned (priority 0 advert); skew time ${fmtMs(skewTimeMs(s))} passed`
    else if (s.masterAddress && (s.masterPriority ?? 0) < s.effectivePriority && preemptsNow(s)) {
      why = `master down timer expired: preempting ${s.masterAddress} (priority ${s.masterPriority} < ours ${s.effectivePriority})`
    } else if (s.masterAddress) why = `master down timer expired: no advert from ${s.masterAddress} for ${fmtMs(masterDownIntervalMs(s))}`
    t.toMaster(why)
    return t.result()
  }
  return t.result()
}

function onHealth(t: Step, e: Extract<VrrpEvent, { kind: 'health' }>): StepResult {
  const s = t.s
  const before = advertisedPriority(s)
  s.effectivePriority = clampPriority(s.params, e.effectivePriority)
  const wasFault = s.fault
  s.fault = e.fault

  if (s.state === 'initialize' || s.state === 'stopped' || s.state === 'maintenance') return t.result()

  if (e.fault && !wasFault) {
    t.resignIfMaster()
    t.clearTimers()
    s.takeover = false
    t.go('fault', `fault: ${e.reason}`)
    t.actions.push({ kind: 'notify', state: 'FAULT' })
    return t.result()
  }
  if (!e.fault && s.state === 'fault') {
    t.rejoin(`fault cleared: ${e.reason}`)
    return t.result()
  }
  if (s.state === 'master') {
    s.masterPriority = advertisedPriority(s)
    // Tell backups the new priority now rather than at the next interval, so a peer that now
    // outranks us can preempt without delay.
    if (advertisedPriority(s) !== before) t.sendAdvert()
  }
  // Backup: the new priority takes effect on the next advert from the master.
  return t.result()
}
