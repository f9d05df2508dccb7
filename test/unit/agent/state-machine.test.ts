import { describe, expect, it } from 'vitest'
import {
  advertRejection,
  initialState,
  masterDownIntervalMs,
  nextDeadline,
  skewTimeMs,
  step,
  type InstanceParams,
  type InstanceState,
  type VrrpAction,
  type VrrpEvent
} from '../../../agent/vrrp/state-machine'
import { VrrpSim } from './vrrp-harness'

const A = '198.51.100.11'
const B = '198.51.100.12'
const C = '198.51.100.13'

function params(p: Partial<InstanceParams> = {}): InstanceParams {
  return { name: 'VI_1', vrid: 51, version: 3, priority: 100, advertIntervalMs: 1000, preempt: true, preemptDelayMs: 0, primaryAddress: A, ...p }
}

/** Run a sequence of [time, event] against one machine, returning the final state and all actions. */
function run(p: InstanceParams, events: [number, VrrpEvent][]): { s: InstanceState; actions: VrrpAction[]; last: VrrpAction[] } {
  let s = initialState(p, 0)
  const actions: VrrpAction[] = []
  let last: VrrpAction[] = []
  for (const [at, e] of events) {
    const r = step(s, e, at)
    s = r.state
    last = r.actions
    actions.push(...r.actions)
  }
  return { s, actions, last }
}

const kinds = (as: VrrpAction[]): string[] => as.map((a) => (a.kind === 'notify' ? `notify:${a.state}` : a.kind === 'send-advert' ? `advert:${a.priority}` : a.kind === 'transition' ? `${a.from}->${a.to}` : a.kind))

describe('timers (RFC 5798 §6.1, RFC 3768 §6.1)', () => {
  it('v2: skew (256-prio)/256 s and master down 3*adv + skew', () => {
    const s = initialState(params({ version: 2, priority: 100 }), 0)
    expect(skewTimeMs(s)).toBeCloseTo(609.375, 6)
    expect(masterDownIntervalMs(s)).toBeCloseTo(3609.375, 6)
  })
  it('v3: skew in whole centiseconds from Master_Adver_Interval', () => {
    const s = initialState(params({ version: 3, priority: 100, advertIntervalMs: 1000 }), 0)
    expect(skewTimeMs(s)).toBe(600) // floor(156*100/256) = 60 cs
    expect(masterDownIntervalMs(s)).toBe(3600)
    const fast = initialState(params({ version: 3, priority: 200, advertIntervalMs: 100 }), 0)
    expect(skewTimeMs(fast)).toBe(20) // floor(56*10/256) = 2 cs
    expect(masterDownIntervalMs(fast)).toBe(320)
  })
})

describe('single state machine', () => {
  it('startup: non-owner becomes backup with a master down deadline', () => {
    const { s, actions } = run(params(), [[0, { kind: 'startup' }]])
    expect(s.state).toBe('backup')
    expect(kinds(actions)).toEqual(['initialize->backup', 'notify:BACKUP'])
    expect(nextDeadline(s)).toEqual({ timer: 'masterDown', at: 3600 })
  })

  it('startup: address owner (255) becomes master at once (RFC 5798 §6.4.1)', () => {
    const { s, actions } = run(params({ priority: 255 }), [[0, { kind: 'startup' }]])
    expect(s.state).toBe('master')
    expect(kinds(actions)).toEqual(['initialize->master', 'advert:255', 'add-vips', 'garp', 'notify:MASTER'])
    expect(nextDeadline(s)).toEqual({ timer: 'advert', at: 1000 })
  })

  it('backup -> master when the master down timer expires; early or stale timers are ignored', () => {
    const early = run(params(), [[0, { kind: 'startup' }], [3599, { kind: 'timer', timer: 'masterDown' }]])
    expect(early.s.state).toBe('backup')
    expect(early.last).toEqual([])
    const stale = run(params(), [[0, { kind: 'startup' }], [5000, { kind: 'timer', timer: 'advert' }]])
    expect(stale.last).toEqual([])
    const { s, last } = run(params(), [[0, { kind: 'startup' }], [3600, { kind: 'timer', timer: 'masterDown' }]])
    expect(s.state).toBe('master')
    expect(kinds(last)).toEqual(['backup->master', 'advert:100', 'add-vips', 'garp', 'notify:MASTER'])
    expect(last[0]).toMatchObject({ reason: expect.stringContaining('master down timer expired') })
    expect(s.lastTransition).toMatchObject({ from: 'backup', to: 'master', at: 3600 })
  })

  it('master sends an advert every interval', () => {
    const r = run(params({ priority: 255 }), [[0, { kind: 'startup' }], [1000, { kind: 'timer', timer: 'advert' }]])
    expect(kinds(r.last)).toEqual(['advert:255'])
    expect(nextDeadline(r.s)).toEqual({ timer: 'advert', at: 2000 })
  })

  it('backup: advert of equal or higher priority resets the master down timer', () => {
    const r = run(params(), [
      [0, { kind: 'startup' }],
      [2000, { kind: 'advert', src: B, priority: 100, advertIntervalMs: 1000 }]
    ])
    expect(r.last).toEqual([])
    expect(r.s.deadlines.masterDown).toBe(5600)
    expect(r.s).toMatchObject({ masterAddress: B, masterPriority: 100 })
  })

  it('backup: priority 0 advert cuts the wait to Skew_Time (RFC 5798 §6.4.2)', () => {
    const r = run(params(), [
      [0, { kind: 'startup' }],
      [2000, { kind: 'advert', src: B, priority: 0, advertIntervalMs: 1000 }]
    ])
    expect(r.s.deadlines.masterDown).toBe(2600)
    const m = step(r.s, { kind: 'timer', timer: 'masterDown' }, 2600)
    expect(m.state.state).toBe('master')
    expect(m.actions[0]).toMatchObject({ reason: expect.stringContaining(`${B} resigned`) })
  })

  it('v3 backup learns Master_Adver_Interval from the master (RFC 5798 §6.4.2)', () => {
    const r = run(params({ version: 3, advertIntervalMs: 1000 }), [
      [0, { kind: 'startup' }],
      [100, { kind: 'advert', src: B, priority: 150, advertIntervalMs: 200 }]
    ])
    expect(r.s.masterAdvertIntervalMs).toBe(200)
    expect(masterDownIntervalMs(r.s)).toBe(3 * 200 + 120) // skew floor(156*20/256) = 12 cs
    expect(r.s.deadlines.masterDown).toBe(100 + 720)
  })

  it('v2 discards adverts whose interval differs from ours (RFC 3768 §7.1)', () => {
    const s = run(params({ version: 2 }), [[0, { kind: 'startup' }]]).s
    const e = { kind: 'advert' as const, src: B, priority: 150, advertIntervalMs: 2000 }
    expect(advertRejection(s, e)).toMatch(/differs from ours/)
    const r = step(s, e, 100)
    expect(r.state.deadlines.masterDown).toBe(s.deadlines.masterDown)
    expect(r.state.masterAddress).toBeUndefined()
  })

  it('ignores an advert carrying our own address (looped back)', () => {
    const s = run(params({ priority: 255 }), [[0, { kind: 'startup' }]]).s
    const r = step(s, { kind: 'advert', src: A, priority: 255, advertIntervalMs: 1000 }, 10)
    expect(r.actions).toEqual([])
    expect(r.state.state).toBe('master')
  })

  describe('master receiving adverts (RFC 5798 §6.4.3)', () => {
    const master = (p: Partial<InstanceParams> = {}): InstanceState =>
      run(params({ priority: 150, ...p }), [[0, { kind: 'startup' }], [3500, { kind: 'timer', timer: 'masterDown' }]]).s

    it('higher priority: one last advert at our priority (so the winner knows), then yields, removes VIPs, notifies BACKUP', () => {
      const s = master()
      expect(s.state).toBe('master')
      const r = step(s, { kind: 'advert', src: B, priority: 200, advertIntervalMs: 1000 }, 4000)
      expect(kinds(r.actions)).toEqual(['advert:150', 'master->backup', 'remove-vips', 'notify:BACKUP'])
      expect(r.actions[1]).toMatchObject({ reason: `advert from ${B} with priority 200: higher than ours 150` })
      expect(r.state.deadlines.advert).toBeUndefined()
      expect(r.state.deadlines.masterDown).toBe(4000 + 3000 + Math.floor((106 * 100) / 256) * 10)
    })
    it('equal priority: the greater primary address wins (unsigned 32-bit compare)', () => {
      const s = master({ primaryAddress: '198.51.100.9' })
      const lost = step(s, { kind: 'advert', src: '198.51.100.10', priority: 150, advertIntervalMs: 1000 }, 4000)
      expect(lost.state.state).toBe('backup')
      expect(lost.actions[1]).toMatchObject({ reason: expect.stringContaining('wins the tie') })
      // 203.x > 198.x only when compared unsigned (the top bit is set for both).
      const hi = master({ primaryAddress: '203.0.113.1' })
      const kept = step(hi, { kind: 'advert', src: '198.51.100.200', priority: 150, advertIntervalMs: 1000 }, 4000)
      expect(kept.state.state).toBe('master')
      expect(kinds(kept.actions)).toEqual(['advert:150', 'reannounce'])
    })
    it('lower priority: stays master, answers with an advert at once and announces the VIP again (as keepalived)', () => {
      const r = step(master(), { kind: 'advert', src: B, priority: 100, advertIntervalMs: 1000 }, 4000)
      expect(r.state.state).toBe('master')
      expect(kinds(r.actions)).toEqual(['advert:150', 'reannounce'])
    })
    it('priority 0 from a resigning peer: sends an advert at once', () => {
      const r = step(master(), { kind: 'advert', src: B, priority: 0, advertIntervalMs: 1000 }, 4000)
      expect(kinds(r.actions)).toEqual(['advert:150'])
      expect(r.state.deadlines.advert).toBe(5000)
    })
  })

  it('shutdown: master resigns with priority 0, removes VIPs, notifies STOP', () => {
    const r = run(params({ priority: 255 }), [[0, { kind: 'startup' }], [500, { kind: 'shutdown' }]])
    expect(kinds(r.last)).toEqual(['advert:0', 'remove-vips', 'master->stopped', 'notify:STOP'])
    expect(r.s.state).toBe('stopped')
    expect(nextDeadline(r.s)).toBeUndefined()
    const b = run(params(), [[0, { kind: 'startup' }], [500, { kind: 'shutdown' }]])
    expect(kinds(b.last)).toEqual(['backup->stopped', 'notify:STOP'])
  })

  it('health: fault leaves master (priority 0, VIPs removed), recovery rejoins as backup', () => {
    const m = run(params({ priority: 255 }), [[0, { kind: 'startup' }]]).s
    const f = step(m, { kind: 'health', effectivePriority: 255, fault: true, reason: 'interface eth1 down' }, 100)
    expect(kinds(f.actions)).toEqual(['advert:0', 'remove-vips', 'master->fault', 'notify:FAULT'])
    expect(f.actions[2]).toMatchObject({ reason: 'fault: interface eth1 down' })
    expect(nextDeadline(f.state)).toBeUndefined()
    // adverts and stale timers change nothing while in fault
    expect(step(f.state, { kind: 'advert', src: B, priority: 1, advertIntervalMs: 1000 }, 200).actions).toEqual([])
    const ok = step(f.state, { kind: 'health', effectivePriority: 255, fault: false, reason: 'interface eth1 up' }, 300)
    expect(ok.state.state).toBe('master') // the owner goes straight back to master
    const b = run(params(), [
      [0, { kind: 'startup' }],
      [10, { kind: 'health', effectivePriority: 100, fault: true, reason: 'script chk failing' }],
      [20, { kind: 'health', effectivePriority: 100, fault: false, reason: 'all tracked checks ok' }]
    ])
    expect(kinds(b.actions)).toEqual(['initialize->backup', 'notify:BACKUP', 'backup->fault', 'notify:FAULT', 'fault->backup', 'notify:BACKUP'])
    expect(b.s.deadlines.masterDown).toBe(20 + 3600)
  })

  it('health: a master whose priority changes advertises the new one at once; clamped to 1..254', () => {
    const m = run(params({ priority: 150 }), [[0, { kind: 'startup' }], [3500, { kind: 'timer', timer: 'masterDown' }]]).s
    const r = step(m, { kind: 'health', effectivePriority: 90, fault: false, reason: 'script chk failing -60' }, 4000)
    expect(kinds(r.actions)).toEqual(['advert:90'])
    expect(step(m, { kind: 'health', effectivePriority: 400, fault: false, reason: 'x' }, 4000).state.effectivePriority).toBe(254)
    expect(step(m, { kind: 'health', effectivePriority: -5, fault: false, reason: 'x' }, 4000).state.effectivePriority).toBe(1)
  })

  it('started with a failing check goes straight to fault', () => {
    const r = run(params(), [
      [0, { kind: 'health', effectivePriority: 100, fault: true, reason: 'interface eth0 down' }],
      [1, { kind: 'startup' }]
    ])
    expect(r.s.state).toBe('fault')
    expect(kinds(r.actions)).toEqual(['initialize->fault', 'notify:FAULT'])
  })

  it('pause: maintenance ignores adverts and timers until resume', () => {
    const m = run(params({ priority: 255 }), [[0, { kind: 'startup' }]]).s
    const p = step(m, { kind: 'pause' }, 100)
    expect(kinds(p.actions)).toEqual(['advert:0', 'remove-vips', 'master->maintenance', 'notify:BACKUP'])
    expect(p.actions[2]).toMatchObject({ reason: 'paused by admin' })
    expect(nextDeadline(p.state)).toBeUndefined()
    expect(step(p.state, { kind: 'advert', src: B, priority: 1, advertIntervalMs: 1000 }, 200).actions).toEqual([])
    expect(step(p.state, { kind: 'takeover' }, 200).actions).toEqual([])
    const resumed = step(p.state, { kind: 'resume' }, 300)
    expect(resumed.state.state).toBe('master')
    const b = run(params(), [[0, { kind: 'startup' }], [10, { kind: 'pause' }], [20, { kind: 'resume' }]])
    expect(kinds(b.actions)).toEqual(['initialize->backup', 'notify:BACKUP', 'backup->maintenance', 'maintenance->backup', 'notify:BACKUP'])
    expect(b.s.deadlines.masterDown).toBe(20 + 3600)
  })

  it('takeover: a backup becomes master now, advertising 254 until release', () => {
    const r = run(params({ priority: 100 }), [[0, { kind: 'startup' }], [50, { kind: 'advert', src: B, priority: 200, advertIntervalMs: 1000 }], [60, { kind: 'takeover' }]])
    expect(kinds(r.last)).toEqual(['backup->master', 'advert:254', 'add-vips', 'garp', 'notify:MASTER'])
    expect(r.last[0]).toMatchObject({ reason: expect.stringContaining('planned takeover') })
    const tick = step(r.s, { kind: 'timer', timer: 'advert' }, 1060)
    expect(kinds(tick.actions)).toEqual(['advert:254'])
    // the old master (200) announces itself: 200 < 254, so we stay and answer
    expect(kinds(step(tick.state, { kind: 'advert', src: B, priority: 200, advertIntervalMs: 1000 }, 1100).actions)).toEqual(['advert:254', 'reannounce'])
    const rel = step(tick.state, { kind: 'release' }, 1200)
    expect(kinds(rel.actions)).toEqual(['advert:100'])
    expect(rel.state.takeover).toBe(false)
    const yielded = step(rel.state, { kind: 'advert', src: B, priority: 200, advertIntervalMs: 1000 }, 1300)
    expect(yielded.state.state).toBe('backup')
  })

  it('does not modify the state it was given', () => {
    const s = run(params(), [[0, { kind: 'startup' }]]).s
    const frozen = JSON.stringify(s)
    step(s, { kind: 'timer', timer: 'masterDown' }, 3600)
    step(s, { kind: 'pause' }, 10)
    step(s, { kind: 'advert', src: B, priority: 200, advertIntervalMs: 500 }, 10)
    expect(JSON.stringify(s)).toBe(frozen)
  })

  it('preempt delay: tolerates a lower-priority master until the delay runs out', () => {
    let s = run(params({ priority: 200, preemptDelayMs: 5000 }), [[0, { kind: 'startup' }]]).s
    expect(s.deadlines.preemptDelay).toBe(5000)
    const lower = { kind: 'advert' as const, src: B, priority: 100, advertIntervalMs: 1000 }
    for (let t = 1000; t < 5000; t += 1000) {
      s = step(s, lower, t).state
      expect(s.deadlines.masterDown).toBe(t + masterDownIntervalMs(s)) // still accepted
    }
    s = step(s, { kind: 'timer', timer: 'preemptDelay' }, 5000).state
    const ignored = step(s, lower, 5000).state
    expect(ignored.deadlines.masterDown).toBe(s.deadlines.masterDown) // now ignored: master down runs out
  })
})

describe('simulated networks of 2-3 nodes', () => {
  it('three nodes elect the highest priority; exactly one holds the VIP', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 100, primaryAddress: A })
    sim.add('n2', { priority: 150, primaryAddress: B })
    sim.add('n3', { priority: 200, primaryAddress: C })
    sim.startAll()
    sim.runUntil(10_000)
    expect(sim.masters()).toEqual(['n3'])
    expect(sim.vipHolders()).toEqual(['n3'])
    // n3 has the shortest master down interval: 3 s + skew(200) = 3.21 s
    expect(sim.becameAt('n3', 'master')).toBe(3210)
    expect(sim.becameAt('n1', 'master')).toBeUndefined()
  })

  it('equal priority: both time out together, the greater address keeps the role', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 100, primaryAddress: A })
    sim.add('n2', { priority: 100, primaryAddress: B })
    sim.startAll()
    sim.runUntil(10_000)
    expect(sim.masters()).toEqual(['n2'])
    expect(sim.vipHolders()).toEqual(['n2'])
    expect(sim.node('n1').log.some((l) => l.action.kind === 'transition' && l.action.reason.includes('wins the tie'))).toBe(true)
  })

  it('preempt: a higher-priority node joining later takes over; with nopreempt it does not', () => {
    for (const preempt of [true, false]) {
      const sim = new VrrpSim()
      sim.add('n1', { priority: 100, primaryAddress: A })
      sim.add('n2', { priority: 200, primaryAddress: B, preempt })
      sim.send('n1', { kind: 'startup' })
      sim.runUntil(5000)
      expect(sim.masters()).toEqual(['n1'])
      sim.send('n2', { kind: 'startup' })
      sim.runUntil(20_000)
      expect(sim.masters()).toEqual([preempt ? 'n2' : 'n1'])
      expect(sim.vipHolders()).toEqual([preempt ? 'n2' : 'n1'])
      if (preempt) expect(sim.becameAt('n2', 'master')).toBe(5000 + 3210)
    }
  })

  it('preempt delay postpones the takeover by about the delay', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 100, primaryAddress: A })
    sim.add('n2', { priority: 200, primaryAddress: B, preemptDelayMs: 10_000 })
    sim.send('n1', { kind: 'startup' })
    sim.runUntil(5000)
    sim.send('n2', { kind: 'startup' })
    sim.runUntil(14_000)
    expect(sim.masters()).toEqual(['n1'])
    sim.runUntil(30_000)
    expect(sim.masters()).toEqual(['n2'])
    const at = sim.becameAt('n2', 'master') as number
    expect(at).toBeGreaterThanOrEqual(15_000)
    expect(at).toBeLessThanOrEqual(15_000 + 3210 + 1000)
  })

  it('clean stop hands over after Skew_Time; kill -9 only after Master_Down_Interval', () => {
    const make = (): VrrpSim => {
      const sim = new VrrpSim()
      sim.add('n1', { priority: 200, primaryAddress: A })
      sim.add('n2', { priority: 100, primaryAddress: B })
      sim.startAll()
      sim.runUntil(10_500)
      expect(sim.masters()).toEqual(['n1'])
      return sim
    }
    const stop = make()
    stop.send('n1', { kind: 'shutdown' })
    stop.runUntil(20_000)
    expect(stop.masters()).toEqual(['n2'])
    const skew = skewTimeMs(stop.node('n2').s) // 600 ms for priority 100 at 1 s
    expect(stop.becameAt('n2', 'master')).toBe(10_500 + 1 + skew)

    const kill = make()
    kill.kill('n1')
    kill.runUntil(20_000)
    expect(kill.masters()).toEqual(['n2'])
    // n1's last advert left at 10 210 (master at 3 210 + 7 intervals), heard 1 ms later
    expect(kill.becameAt('n2', 'master')).toBe(10_211 + 3600)
  })

  it('a tracked script weight moves the role and back', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 150, primaryAddress: A })
    sim.add('n2', { priority: 120, primaryAddress: B })
    sim.startAll()
    sim.runUntil(8000)
    expect(sim.masters()).toEqual(['n1'])
    // chk_nginx fails on n1 with weight -50: 150 -> 100 < 120
    sim.send('n1', { kind: 'health', effectivePriority: 100, fault: false, reason: 'script chk_nginx failing -50' })
    sim.runUntil(16_000)
    expect(sim.masters()).toEqual(['n2'])
    expect(sim.vipHolders()).toEqual(['n2'])
    sim.send('n1', { kind: 'health', effectivePriority: 150, fault: false, reason: 'all tracked checks ok' })
    sim.runUntil(24_000)
    expect(sim.masters()).toEqual(['n1'])
  })

  it('fault on the master hands over at once; recovery takes the role back (preempt)', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 200, primaryAddress: A })
    sim.add('n2', { priority: 100, primaryAddress: B })
    sim.startAll()
    sim.runUntil(8000)
    sim.send('n1', { kind: 'health', effectivePriority: 200, fault: true, reason: 'interface eth0 down' })
    sim.runUntil(9000)
    expect(sim.masters()).toEqual(['n2'])
    expect(sim.becameAt('n2', 'master')).toBe(8000 + 1 + 600)
    expect(sim.node('n1').s.state).toBe('fault')
    sim.send('n1', { kind: 'health', effectivePriority: 200, fault: false, reason: 'interface eth0 up' })
    sim.runUntil(20_000)
    expect(sim.masters()).toEqual(['n1'])
  })

  it('pause drains a node and keeps it out of elections; resume lets it back in', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 200, primaryAddress: A })
    sim.add('n2', { priority: 100, primaryAddress: B })
    sim.startAll()
    sim.runUntil(8000)
    sim.send('n1', { kind: 'pause' })
    sim.runUntil(30_000)
    expect(sim.masters()).toEqual(['n2'])
    expect(sim.node('n1').s.state).toBe('maintenance')
    sim.send('n1', { kind: 'resume' })
    sim.runUntil(40_000)
    expect(sim.masters()).toEqual(['n1'])
  })

  it('takeover moves the role to a lower node and it stays until release', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 200, primaryAddress: A })
    sim.add('n2', { priority: 100, primaryAddress: B })
    sim.add('n3', { priority: 150, primaryAddress: C })
    sim.startAll()
    sim.runUntil(8000)
    expect(sim.masters()).toEqual(['n1'])
    sim.send('n2', { kind: 'takeover' })
    sim.runUntil(8002)
    // n1 hears 254 > 200 one latency later and yields: one master, immediately
    expect(sim.masters()).toEqual(['n2'])
    expect(sim.vipHolders()).toEqual(['n2'])
    sim.runUntil(60_000)
    expect(sim.masters()).toEqual(['n2'])
    sim.send('n2', { kind: 'release' })
    sim.runUntil(70_000)
    expect(sim.masters()).toEqual(['n1'])
  })

  it('v3 backups learn a fast master interval and fail over in about 3 of its intervals', () => {
    const sim = new VrrpSim()
    sim.add('n1', { priority: 200, primaryAddress: A, advertIntervalMs: 100 })
    sim.add('n2', { priority: 100, primaryAddress: B, advertIntervalMs: 1000 })
    sim.send('n1', { kind: 'startup' })
    sim.runUntil(1000)
    sim.send('n2', { kind: 'startup' })
    sim.runUntil(5000)
    expect(sim.node('n2').s.masterAdvertIntervalMs).toBe(100)
    sim.kill('n1')
    sim.runUntil(8000)
    const at = sim.becameAt('n2', 'master') as number
    // last advert heard at most 100 ms before the kill; 3*100 + floor(156*10/256)=6 cs
    expect(at - 5000).toBeLessThanOrEqual(360)
    expect(at - 5000).toBeGreaterThan(250)
  })
})
