/**
 * Runs the conformance table (conformance/cases.ts) against the real Instance and state machine
 * on a fake clock, with a transport that puts every advert through the real codec and an OS layer
 * and notify sink that record what they are asked to do. The real `ip`, `arping` and sockets are
 * exercised by the lab tests (test/integration/agent).
 */
import { describe, expect, it } from 'vitest'
import type { VrrpAdvert } from '../../../agent/vrrp/packet'
import { CASES } from './conformance/cases'
import type { ConformanceCase, Input } from './conformance/table'
import { baseConfig, makeWorld, type World } from './conformance/world'

async function apply(w: World, input: Input, c: ConformanceCase): Promise<void> {
  if ('start' in input) {
    const h = input.start
    const cfg = w.inst.cfg
    w.inst.start(h ? { effectivePriority: h.priority ?? cfg.priority, fault: h.fault ?? false, reason: h.reason ?? 'given by the case' } : undefined)
  } else if ('advance' in input) {
    await w.clock.advance(input.advance)
    return
  } else if ('advert' in input) {
    const a = input.advert
    const cfg = w.inst.cfg
    const version = a.version ?? cfg.version
    const intervalMs = a.intervalMs ?? cfg.advertIntervalMs
    const advert: VrrpAdvert = {
      version, vrid: a.vrid ?? cfg.vrid, priority: a.priority,
      advertInterval: version === 2 ? intervalMs / 1000 : intervalMs / 10,
      addresses: cfg.vips.map((v) => v.address)
    }
    if (version === 2) {
      advert.authType = a.auth !== undefined ? 1 : 0
      if (a.auth !== undefined) advert.authData = a.auth
    }
    w.transport.deliver(a.src, advert)
  } else if ('health' in input) {
    const h = input.health
    w.inst.setHealth({ effectivePriority: h.priority ?? w.inst.cfg.priority, fault: h.fault ?? false, reason: h.reason ?? 'given by the case' })
  } else if ('admin' in input) {
    w.inst.admin(input.admin)
  } else if ('simulate' in input) {
    if (input.simulate === 'cancel') w.inst.cancelSimulatedFailure()
    else w.inst.simulateFailure(input.simulate)
  } else if ('stop' in input) {
    await w.inst.stop()
  } else if ('hour' in input) {
    w.hour = input.hour
  } else {
    throw new Error(`case "${c.name}": unknown input ${JSON.stringify(input)}`)
  }
  // Whatever the input armed for "now" (a 0 ms timer: the rest of a gratuitous-ARP burst) runs now.
  await w.clock.advance(0)
}

describe('Instance conformance (real Instance, fake clock, codec-checked wire)', () => {
  for (const c of CASES) {
    it(`${c.name} [${c.why}]`, async () => {
      const w = makeWorld(baseConfig(c.config), c.hour)
      try {
        for (const [i, step] of c.steps.entries()) {
          const from = w.trace.lines.length
          await apply(w, step.in, c)
          expect(w.trace.since(from), `step ${i + 1}: ${JSON.stringify(step.in)}`).toEqual(step.out)
          if (step.status) expect(w.inst.status(), `status after step ${i + 1}`).toMatchObject(step.status)
        }
        // Every advert on the wire decoded (world.ts) to this instance's VRID, version, interval and VIPs.
        const cfg = w.inst.cfg
        const interval = cfg.version === 2 ? cfg.advertIntervalMs / 1000 : cfg.advertIntervalMs / 10
        for (const a of w.transport.wire) {
          expect(a).toMatchObject({ version: cfg.version, vrid: cfg.vrid, advertInterval: interval, addresses: cfg.vips.map((v) => v.address) })
        }
      } finally {
        await w.inst.stop()
      }
    })
  }
})
