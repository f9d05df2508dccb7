/**
 * The conformance table: what one real Instance puts on the wire, asks of the OS and tells the
 * notify hooks, for each input. Format: table.ts; trace lines: world.ts. Defaults (world.ts):
 * VRRPv3, advert every 100 ms, priority 100, our address 198.51.100.12, VIP 198.51.100.250,
 * two gratuitous ARPs per burst and a second burst 1 s after becoming master.
 *
 * Timer arithmetic used below (RFC 5798 §6.1, Skew_Time in whole centiseconds):
 *   priority 100: Skew_Time = floor(156 * 10 / 256) cs = 60 ms, Master_Down_Interval = 360 ms
 *   priority 100, master interval 200 ms: Skew_Time = 120 ms, Master_Down_Interval = 720 ms
 */
import { expect } from 'vitest'
import type { ConformanceCase } from './table'
import { VIP } from './world'

const PEER = '198.51.100.11'
const STRANGER = '198.51.100.66'

/**
 * Becoming master at `t`: the VIP add first (it runs in the ip helper while the rest goes on),
 * transition, advert, notify, then the first burst of gratuitous ARP once the address is there.
 */
const master = (t: number, priority = 100, from = 'backup'): string[] => [
  `${t} vip+ ${VIP}`, `${t} state ${from}->master`, `${t} advert ${priority}`, `${t} notify MASTER`, `${t} garp ${VIP}`, `${t} garp ${VIP}`
]
const backupAtStart = ['0 state initialize->backup', '0 notify BACKUP']

export const CASES: ConformanceCase[] = [
  {
    name: 'a backup that hears nobody becomes master after Master_Down_Interval, then advertises every interval',
    why: 'RFC 5798 §6.4.1 (Backup on startup), §6.4.2 (Master_Down_Timer fires), §6.4.3 (Adver_Timer)',
    steps: [
      { in: { start: null }, out: backupAtStart, status: { state: 'backup' } },
      { in: { advance: 359 }, out: [] },
      { in: { advance: 1 }, out: master(360), status: { state: 'master', vipsHeld: [`${VIP}/24`] } },
      { in: { advance: 100 }, out: ['460 advert 100'] },
      { in: { advance: 899 }, out: ['560 advert 100', '660 advert 100', '760 advert 100', '860 advert 100', '960 advert 100', '1060 advert 100', '1160 advert 100', '1260 advert 100'] },
      // garp_master_delay: the second burst of gratuitous ARP 1 s after becoming master.
      { in: { advance: 1 }, out: ['1360 advert 100', `1360 garp ${VIP}`, `1360 garp ${VIP}`] }
    ]
  },
  {
    name: 'the address owner (priority 255) starts as master at once',
    why: 'RFC 5798 §6.4.1: if the priority is 255, send an advert, broadcast gratuitous ARP, transition to Master',
    config: { priority: 255 },
    steps: [
      { in: { start: null }, out: master(0, 255, 'initialize') },
      { in: { advance: 100 }, out: ['100 advert 255'] }
    ]
  },
  {
    name: 'a backup follows a higher-priority master, adopts its interval (v3), and takes over when it falls silent',
    why: 'RFC 5798 §6.4.2: accept the advert, set Master_Adver_Interval, reset Master_Down_Timer',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 50 }, out: [] },
      { in: { advert: { src: PEER, priority: 200, intervalMs: 200 } }, out: [], status: { masterAddress: PEER, masterPriority: 200 } },
      { in: { advance: 719 }, out: [], status: { state: 'backup' } },
      { in: { advance: 1 }, out: master(770) }
    ]
  },
  {
    name: 'a master that hears a higher priority yields and removes the VIP',
    why: 'RFC 5798 §6.4.3: Adver priority greater than the local priority: transition to Backup',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { advance: 40 }, out: [] },
      // One last advert at our priority first (keepalived higher_prio_send_advert): see the split-brain cases.
      { in: { advert: { src: PEER, priority: 200 } }, out: ['400 advert 100', '400 state master->backup', '400 notify BACKUP', `400 vip- ${VIP}`], status: { state: 'backup', vipsHeld: [] } },
      // The peer falls silent: master again after Master_Down_Interval from its advert.
      { in: { advance: 359 }, out: [] },
      { in: { advance: 1 }, out: master(760) },
      // The second burst belongs to this mastership (760 + 1 s); none is left over from the first (360 + 1 s),
      // which demotion cancelled: it would have pulled clients to us while we were backup.
      { in: { advance: 1000 }, out: ['860 advert 100', '960 advert 100', '1060 advert 100', '1160 advert 100', '1260 advert 100', '1360 advert 100', '1460 advert 100', '1560 advert 100', '1660 advert 100', '1760 advert 100', `1760 garp ${VIP}`, `1760 garp ${VIP}`] }
    ]
  },
  {
    name: 'a master answers a resigning peer (priority 0) with an advert at once',
    why: 'RFC 5798 §6.4.3: Priority 0 received: send an ADVERTISEMENT, reset the Adver_Timer',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { advance: 50 }, out: [] },
      { in: { advert: { src: PEER, priority: 0 } }, out: ['410 advert 100'] },
      { in: { advance: 100 }, out: ['510 advert 100'] }
    ]
  },
  {
    name: 'a backup takes over Skew_Time after its master resigns',
    why: 'RFC 5798 §6.4.2: Priority 0 received: set Master_Down_Timer to Skew_Time',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 200 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      { in: { advert: { src: PEER, priority: 0 } }, out: [] },
      { in: { advance: 59 }, out: [] },
      { in: { advance: 1 }, out: master(160) }
    ]
  },
  {
    name: 'a tracked weight that moves the priority of a master is advertised at once',
    why: 'keepalived vrrp_script weight; the new priority goes out now so a peer that now outranks us can preempt',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { advance: 40 }, out: [] },
      { in: { health: { priority: 120, reason: 'script chk ok +20' } }, out: ['400 advert 120'], status: { effectivePriority: 120 } },
      { in: { advance: 100 }, out: ['500 advert 120'] }
    ]
  },
  {
    name: 'a fault while master resigns with priority 0 and removes the VIP',
    why: 'RFC 5798 §6.4.3 (Shutdown path: priority 0 advert) taken on entering Fault, as keepalived does',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { health: { fault: true, reason: 'script chk failing' } }, out: ['360 advert 0', '360 state master->fault', '360 notify FAULT', `360 vip- ${VIP}`] },
      { in: { advance: 5000 }, out: [] },
      { in: { health: { fault: false, reason: 'all tracked checks ok' } }, out: ['5360 state fault->backup', '5360 notify BACKUP'] }
    ]
  },
  // Simulate Failure (issue 12): the same steps as the tracked-check fault above, by the same path.
  {
    name: 'a simulated failure of a master resigns exactly as a failing weight-0 check does, and recovers by itself when its time runs out',
    why: 'FCM Simulate Failure: the tracked-check fault path (RFC 5798 §6.4.3 priority 0 on leaving Master), for a bounded time',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { simulate: 5000 }, out: ['360 advert 0', '360 state master->fault', '360 notify FAULT', `360 vip- ${VIP}`], status: { state: 'fault', fault: true, vipsHeld: [], simulatedFailure: expect.objectContaining({ durationMs: 5000 }) as never } },
      { in: { advance: 4999 }, out: [] },
      { in: { advance: 1 }, out: ['5360 state fault->backup', '5360 notify BACKUP'], status: { state: 'backup', fault: false, health: 'no tracked checks' } },
      // Nobody else is master: the instance takes the role again after Master_Down_Interval.
      { in: { advance: 360 }, out: master(5720) }
    ]
  },
  {
    name: 'a simulated failure cancelled early clears the fault at once',
    why: 'FCM Simulate Failure, ended by the admin (ctl simulate-failure --cancel)',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { simulate: 60_000 }, out: ['360 advert 0', '360 state master->fault', '360 notify FAULT', `360 vip- ${VIP}`] },
      { in: { advance: 1000 }, out: [] },
      { in: { simulate: 'cancel' }, out: ['1360 state fault->backup', '1360 notify BACKUP'] },
      { in: { advance: 360 }, out: master(1720) }
    ]
  },
  {
    name: 'a tracked check that fails during a simulated failure keeps the instance in Fault when the window ends',
    why: 'the simulation only lays a fault over the tracked checks; a real failure is never hidden nor cleared by it',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { simulate: 2000 }, out: ['0 state backup->fault', '0 notify FAULT'] },
      { in: { health: { fault: true, reason: 'script chk failing' } }, out: [], status: { health: expect.stringMatching(/^simulated failure until .*; also script chk failing$/) as unknown as string } },
      { in: { advance: 2000 }, out: [], status: { state: 'fault', health: 'script chk failing' } },
      { in: { health: { fault: false, reason: 'all tracked checks ok' } }, out: ['2000 state fault->backup', '2000 notify BACKUP'] }
    ]
  },
  {
    name: 'a planned takeover adds the VIP and starts gratuitous ARP first, then advertises 254',
    why: 'admin takeover: neighbours learn our MAC before the old master stops answering',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 200 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      { in: { admin: 'takeover' }, out: [`100 vip+ ${VIP}`, '100 state backup->master', '100 notify MASTER', `100 garp ${VIP}`, `100 garp ${VIP}`] },
      { in: { advance: 30 }, out: ['130 advert 254'], status: { takeover: true } },
      // The old master (200) hears 254 and yields; its adverts stop. Ours go on at 254 until released.
      { in: { advance: 70 }, out: ['200 advert 254'] },
      { in: { admin: 'release' }, out: ['200 advert 100'], status: { takeover: false } }
    ]
  },
  {
    name: 'pause drains the VIP with a priority 0 advert; resume rejoins as backup',
    why: 'admin pause (maintenance): leave Master as RFC 5798 §6.4.3 Shutdown does',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { admin: 'pause' }, out: ['360 advert 0', '360 state master->maintenance', '360 notify BACKUP', `360 vip- ${VIP}`], status: { paused: true } },
      { in: { advance: 5000 }, out: [] },
      { in: { admin: 'resume' }, out: ['5360 state maintenance->backup', '5360 notify BACKUP'] }
    ]
  },
  {
    name: 'a clean stop as master sends priority 0, removes the VIP and runs notify STOP',
    why: 'RFC 5798 §6.4.3 Shutdown: send an ADVERTISEMENT with Priority = 0, transition to Initialize',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { stop: true }, out: ['360 advert 0', '360 state master->stopped', '360 notify STOP', `360 vip- ${VIP}`] },
      { in: { advance: 5000 }, out: [] }
    ]
  },
  {
    name: 'VRRPv2: an advert with the wrong password is dropped and counted',
    why: 'RFC 3768 §5.3.6.1 / §7.1: simple text password must match',
    config: { version: 2, advertIntervalMs: 1000, auth: { type: 'PASS', password: 'secret' } },
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 200, auth: 'wrong' } }, out: [], status: { masterAddress: undefined, adverts: { bad: { 'auth-mismatch': 1 } } } },
      { in: { advert: { src: PEER, priority: 200, auth: 'secret' } }, out: [], status: { masterAddress: PEER } }
    ]
  },

  // Issue 9 item 1: the first health result is known before the instance leaves Initialize.
  {
    name: 'an address owner whose tracked check fails from the start goes straight to Fault: no VIP, no GARP, no advert at 255',
    why: 'RFC 5798 §6.4.1: leave Initialize only on Startup, which waits for the first health result; keepalived starts such an instance in FAULT',
    config: { priority: 255 },
    steps: [
      { in: { start: { priority: 255, fault: true, reason: 'script chk failing' } }, out: ['0 state initialize->fault', '0 notify FAULT'], status: { state: 'fault', vipsHeld: [] } },
      { in: { advance: 10_000 }, out: [] }
    ]
  },
  {
    name: 'a weight-0 check failing from the start: notify FAULT only, never BACKUP first',
    why: 'RFC 5798 §6.4.1 with keepalived track_script weight 0: the instance starts in FAULT',
    steps: [
      { in: { start: { fault: true, reason: 'script chk failing' } }, out: ['0 state initialize->fault', '0 notify FAULT'] },
      { in: { advance: 10_000 }, out: [] },
      // The check recovers: an ordinary start as backup from here.
      { in: { health: { fault: false, reason: 'all tracked checks ok' } }, out: ['10000 state fault->backup', '10000 notify BACKUP'] },
      { in: { advance: 360 }, out: master(10360) }
    ]
  },
  {
    name: 'a negative weight known at start is the priority of the first advert',
    why: 'RFC 5798 §6.4.1: Priority is set before the Master_Down_Timer is computed; keepalived vrrp_script weight -60',
    config: { priority: 150 },
    steps: [
      { in: { start: { priority: 90, reason: 'script chk failing -60' } }, out: backupAtStart, status: { effectivePriority: 90 } },
      // Skew_Time for 90: floor(166 x 10 / 256) cs = 60 ms, so Master_Down_Interval = 360 ms.
      { in: { advance: 360 }, out: master(360, 90) }
    ]
  },

  // Issue 9 item 3: forged and foreign adverts.
  {
    name: 'unicast: an advert from a source that is not a configured peer is dropped and counted',
    why: "keepalived check_unicast_src (on by default here): a forged higher priority must not make us yield",
    config: { unicastSrcIp: '198.51.100.12', unicastPeers: [PEER] },
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { advert: { src: STRANGER, priority: 254 } }, out: [], status: { state: 'master', peers: [], adverts: { bad: { 'unknown-source': 1 } } } },
      { in: { advert: { src: STRANGER, priority: 0 } }, out: [], status: { adverts: { bad: { 'unknown-source': 2 } } } },
      // The configured peer is still heard.
      { in: { advert: { src: PEER, priority: 200 } }, out: ['360 advert 100', '360 state master->backup', '360 notify BACKUP', `360 vip- ${VIP}`], status: { masterAddress: PEER } }
    ]
  },

  // Issue 9 item 11: a healed split brain strands no client.
  {
    name: 'split brain healed, the winner side: a master that hears a lower priority answers and announces the VIP again',
    why: 'RFC 5798 §6.4.3 says discard; keepalived sends an advert and garp_lower_prio_repeat gratuitous ARPs, so clients that followed the other master come back now',
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advance: 360 }, out: master(360) },
      { in: { advance: 40 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: ['400 advert 100', `400 garp ${VIP}`, `400 garp ${VIP}`] },
      // The regular schedule goes on unchanged (the answer does not move the Adver_Timer): the
      // second burst 1 s after becoming master, nothing more.
      { in: { advance: 960 }, out: ['460 advert 100', '560 advert 100', '660 advert 100', '760 advert 100', '860 advert 100', '960 advert 100', '1060 advert 100', '1160 advert 100', '1260 advert 100', '1360 advert 100', `1360 garp ${VIP}`, `1360 garp ${VIP}`] }
    ]
  },
  {
    name: 'split brain healed, the losing side: one last advert at its own priority, then it yields',
    why: "keepalived higher_prio_send_advert: the winner may never hear the loser otherwise (the loser stops advertising at once), and would not re-announce",
    config: { priority: 50 },
    steps: [
      { in: { start: null }, out: backupAtStart },
      // Skew_Time for 50: floor(206 x 10 / 256) cs = 80 ms, Master_Down_Interval 380 ms.
      { in: { advance: 380 }, out: master(380, 50) },
      { in: { advert: { src: PEER, priority: 100 } }, out: ['380 advert 50', '380 state master->backup', '380 notify BACKUP', `380 vip- ${VIP}`] },
      { in: { advert: { src: PEER, priority: 100 } }, out: [] }
    ]
  },
  // The failback window (preemptWindow, HAVIP only): a higher priority preempts a lower master only
  // while the local hour is in [startHour, endHour). A lower master advertising every 100 ms: its
  // adverts are discarded while we preempt (Master_Down_Timer runs out at 360 ms), accepted while not.
  {
    name: 'failback window, inside it (12:00 in 08-18): a higher priority preempts the lower master',
    why: 'HAVIP failback policy "window": inside the window it is keepalived preempt (RFC 5798 §6.4.2 discard, then Master_Down_Timer)',
    config: { preemptWindow: { startHour: 8, endHour: 18 } },
    hour: 12,
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 50 } }, out: [], status: { masterAddress: PEER, masterPriority: 50, preemptWindow: { startHour: 8, endHour: 18, open: true } } },
      { in: { advance: 100 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 159 }, out: [] },
      { in: { advance: 1 }, out: master(360), status: { state: 'master' } }
    ]
  },
  {
    name: 'failback window, outside it (20:00 in 08-18): the higher priority stays backup, and still takes over when the master dies',
    why: 'HAVIP failback policy "window": outside the window it is keepalived nopreempt; RFC 5798 §6.4.2 Master_Down_Timer still runs',
    config: { preemptWindow: { startHour: 8, endHour: 18 } },
    hour: 20,
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 200 }, out: [], status: { state: 'backup', masterAddress: PEER, preemptWindow: { startHour: 8, endHour: 18, open: false } } },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      // The master falls silent: Master_Down_Interval after its last advert (400 + 360).
      { in: { advance: 359 }, out: [] },
      { in: { advance: 1 }, out: master(760) }
    ]
  },
  {
    name: 'failback window wrapping midnight (22-06): open at 23:00, so the higher priority preempts',
    why: 'HAVIP failback window: startHour > endHour wraps midnight',
    config: { preemptWindow: { startHour: 22, endHour: 6 } },
    hour: 23,
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 359 }, out: [] },
      { in: { advance: 1 }, out: master(360) }
    ]
  },
  {
    name: 'failback window wrapping midnight (22-06): closed at 06:00 (the end hour is outside), so it stays backup',
    why: 'HAVIP failback window: [startHour, endHour), wrapping',
    config: { preemptWindow: { startHour: 22, endHour: 6 } },
    hour: 6,
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 200 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 200 }, out: [], status: { state: 'backup', masterAddress: PEER, preemptWindow: { startHour: 22, endHour: 6, open: false } } }
    ]
  },
  {
    name: 'failback window opening (07:00 -> 08:00 in 08-18) while following a lower master: it preempts from the next advert on',
    why: 'HAVIP failback window: the window is read at every input; once open, lower adverts are discarded and Master_Down_Timer runs out',
    config: { preemptWindow: { startHour: 8, endHour: 18 } },
    hour: 7,
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      // Accepted (window closed): Master_Down_Timer now runs to 100 + 360 = 460.
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { hour: 8 }, out: [] },
      { in: { advance: 100 }, out: [] },
      // Discarded (window open): the timer is not reset.
      { in: { advert: { src: PEER, priority: 50 } }, out: [], status: { preemptWindow: { startHour: 8, endHour: 18, open: true } } },
      { in: { advance: 259 }, out: [] },
      { in: { advance: 1 }, out: master(460) }
    ]
  },
  {
    name: 'failback window closing (17:00 -> 18:00 in 08-18) while about to preempt: the lower master is accepted instead',
    why: 'HAVIP failback window: at close, a backup that was discarding a lower master accepts it, as nopreempt would have',
    config: { preemptWindow: { startHour: 8, endHour: 18 } },
    hour: 17,
    steps: [
      { in: { start: null }, out: backupAtStart },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 100 }, out: [] },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { hour: 18 }, out: [] },
      // Master_Down_Timer was due at 360 (both adverts discarded); at 360 the window is closed: no preemption.
      { in: { advance: 260 }, out: [], status: { state: 'backup', masterAddress: PEER, masterPriority: 50, preemptWindow: { startHour: 8, endHour: 18, open: false } } },
      { in: { advert: { src: PEER, priority: 50 } }, out: [] },
      { in: { advance: 300 }, out: [], status: { state: 'backup' } }
    ]
  }
]
