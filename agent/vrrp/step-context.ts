/**
 * One step of the state machine in progress: a working copy of the state and the actions
 * collected so far, with the RFC's composite transitions (to Master, to Backup, resigning,
 * rejoining after a fault or a pause) that several events share. Used by state-machine.ts only.
 */
import { masterDownIntervalMs, advertisedPriority, OWNER_PRIORITY, type InstanceState, type StepResult, type VrrpAction, type VrrpState } from './vrrp-state'

/** Mutable working copy used inside one step; the caller's state is never modified. */
export class Step {
  readonly s: InstanceState
  readonly actions: VrrpAction[] = []

  constructor(
    prev: InstanceState,
    readonly now: number
  ) {
    this.s = { ...prev, params: prev.params, deadlines: { ...prev.deadlines } }
    if (prev.lastTransition) this.s.lastTransition = { ...prev.lastTransition }
  }

  result(): StepResult {
    return { state: this.s, actions: this.actions }
  }

  go(to: VrrpState, reason: string): void {
    const from = this.s.state
    this.s.state = to
    this.s.lastTransition = { from, to, reason, at: this.now }
    this.actions.push({ kind: 'transition', from, to, reason })
  }

  sendAdvert(): void {
    this.actions.push({ kind: 'send-advert', priority: advertisedPriority(this.s) })
    this.s.deadlines.advert = this.now + this.s.params.advertIntervalMs
  }

  /** RFC 5798 §6.4.1/§6.4.2 "transition to Master": advert, addresses, gratuitous ARP. */
  toMaster(reason: string): void {
    const d = this.s.deadlines
    d.masterDown = undefined
    d.preemptDelay = undefined
    this.s.preemptDelayElapsed = false
    this.go('master', reason)
    this.sendAdvert()
    this.s.masterAddress = this.s.params.primaryAddress
    this.s.masterPriority = advertisedPriority(this.s)
    this.actions.push({ kind: 'add-vips' }, { kind: 'garp' }, { kind: 'notify', state: 'MASTER' })
  }

  /** Into Backup (RFC 5798 §6.4.1 startup path, or §6.4.3 master yielding). */
  toBackup(reason: string, master?: { src: string; priority: number; advertIntervalMs: number }): void {
    const wasMaster = this.s.state === 'master'
    this.s.deadlines.advert = undefined
    this.s.takeover = false
    if (master) {
      this.learnMaster(master)
    } else {
      this.s.masterAddress = undefined
      this.s.masterPriority = undefined
      this.s.masterAdvertIntervalMs = this.s.params.advertIntervalMs
    }
    this.go('backup', reason)
    this.s.deadlines.masterDown = this.now + masterDownIntervalMs(this.s)
    if (wasMaster) this.actions.push({ kind: 'remove-vips' })
    this.actions.push({ kind: 'notify', state: 'BACKUP' })
  }

  /** Leave Master without handing over the role in an orderly election: tell backups at once (priority 0, RFC 5798 §6.4.3). */
  resignIfMaster(): void {
    if (this.s.state !== 'master') return
    this.actions.push({ kind: 'send-advert', priority: 0 }, { kind: 'remove-vips' })
  }

  clearTimers(): void {
    this.s.deadlines = {}
  }

  learnMaster(m: { src: string; priority: number; advertIntervalMs: number }): void {
    this.s.masterAddress = m.src
    this.s.masterPriority = m.priority
    // RFC 5798 §6.4.2: v3 backups adopt the master's interval; v2 intervals must match anyway.
    this.s.masterAdvertIntervalMs = this.s.params.version === 3 ? m.advertIntervalMs : this.s.params.advertIntervalMs
  }

  /** Where a node goes when it may take part in elections again (startup, fault cleared, resume). */
  rejoin(reason: string): void {
    if (this.s.fault) {
      this.clearTimers()
      this.go('fault', reason)
      this.actions.push({ kind: 'notify', state: 'FAULT' })
      return
    }
    // RFC 5798 §6.4.1: the address owner (priority 255) starts as Master right away.
    if (this.s.effectivePriority === OWNER_PRIORITY) return this.toMaster(`${reason}; priority 255 (address owner)`)
    this.toBackup(reason)
  }
}
