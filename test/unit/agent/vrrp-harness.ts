/**
 * A small, pure network of VRRP state machines on one fake clock: every 'send-advert' action
 * is delivered to every other live node after `latencyMs`; timers fire exactly at their
 * deadlines. Used to test elections end to end without sockets.
 */
import {
  initialState,
  nextDeadline,
  step,
  type InstanceParams,
  type InstanceState,
  type VrrpAction,
  type VrrpEvent
} from '../../../agent/vrrp/state-machine'

export interface SimNode {
  name: string
  s: InstanceState
  alive: boolean
  holdsVips: boolean
  log: { at: number; action: VrrpAction }[]
}

interface Delivery {
  at: number
  to: string
  event: VrrpEvent
}

export class VrrpSim {
  now = 0
  readonly nodes = new Map<string, SimNode>()
  private deliveries: Delivery[] = []
  /** Adverts put on the wire: who, when, which priority. */
  readonly wire: { at: number; from: string; priority: number }[] = []

  constructor(readonly latencyMs = 1) {}

  add(name: string, p: Partial<InstanceParams> & { priority: number; primaryAddress: string }): SimNode {
    const params: InstanceParams = { name, vrid: 51, version: 3, advertIntervalMs: 1000, preempt: true, preemptDelayMs: 0, ...p }
    const node: SimNode = { name, s: initialState(params, this.now), alive: true, holdsVips: false, log: [] }
    this.nodes.set(name, node)
    return node
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name)
    if (!n) throw new Error(`no node ${name}`)
    return n
  }

  /** Feed an event to a node now and carry out its actions. */
  send(name: string, event: VrrpEvent): VrrpAction[] {
    const n = this.node(name)
    if (!n.alive) return []
    const { state, actions } = step(n.s, event, this.now)
    n.s = state
    for (const a of actions) {
      n.log.push({ at: this.now, action: a })
      if (a.kind === 'add-vips') n.holdsVips = true
      if (a.kind === 'remove-vips') n.holdsVips = false
      if (a.kind === 'send-advert') {
        this.wire.push({ at: this.now, from: name, priority: a.priority })
        for (const other of this.nodes.values()) {
          if (other.name === name) continue
          this.deliveries.push({
            at: this.now + this.latencyMs,
            to: other.name,
            event: { kind: 'advert', src: n.s.params.primaryAddress, priority: a.priority, advertIntervalMs: n.s.params.advertIntervalMs }
          })
        }
      }
    }
    return actions
  }

  /** Start every node now, in the order they were added. */
  startAll(): void {
    for (const name of this.nodes.keys()) this.send(name, { kind: 'startup' })
  }

  /** kill -9: the node vanishes without a word (its VIPs vanish with it). */
  kill(name: string): void {
    const n = this.node(name)
    n.alive = false
    n.holdsVips = false
  }

  /** Advance the clock to `until`, processing deliveries and timers in time order. */
  runUntil(until: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      let best: { at: number; run: () => void } | undefined
      for (const n of this.nodes.values()) {
        if (!n.alive) continue
        const d = nextDeadline(n.s)
        if (d && d.at <= until && (!best || d.at < best.at)) best = { at: d.at, run: () => this.send(n.name, { kind: 'timer', timer: d.timer }) }
      }
      for (const d of this.deliveries) {
        if (d.at <= until && (!best || d.at < best.at)) {
          best = {
            at: d.at,
            run: () => {
              this.deliveries.splice(this.deliveries.indexOf(d), 1)
              this.send(d.to, d.event)
            }
          }
        }
      }
      if (!best) {
        this.now = until
        return
      }
      this.now = Math.max(this.now, best.at)
      best.run()
    }
    throw new Error('simulation did not settle within 100000 steps')
  }

  masters(): string[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.s.state === 'master').map((n) => n.name)
  }

  vipHolders(): string[] {
    return [...this.nodes.values()].filter((n) => n.alive && n.holdsVips).map((n) => n.name)
  }

  /** Time of the last transition of `name` into `state` (undefined if never). */
  becameAt(name: string, state: string): number | undefined {
    const hits = this.node(name).log.filter((l) => l.action.kind === 'transition' && l.action.to === state)
    return hits.at(-1)?.at
  }
}
