/**
 * Issue 9 item 3: 20,000 adverts from forged sources (multicast mode hears every source) must
 * not grow the peer table without bound, nor push `ctl status` past the control protocol's
 * line limit.
 */
import { describe, expect, it } from 'vitest'
import { MAX_PEERS_SEEN } from '../../../agent/instance'
import { baseConfig, makeWorld } from './conformance/world'

const CONTROL_LINE_LIMIT = 1024 * 1024 // agent/control/protocol.ts LineSplitter default

describe('peer table under a flood of forged sources', () => {
  it('keeps only the most recently heard peers, so status stays small', async () => {
    const w = makeWorld(baseConfig())
    w.inst.start()
    const cfg = w.inst.cfg
    for (let i = 0; i < 20_000; i++) {
      const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
      w.transport.deliver(src, { version: 3, vrid: cfg.vrid, priority: 50, advertInterval: 10, addresses: [cfg.vips[0]!.address] })
    }
    const real = '198.51.100.11'
    w.transport.deliver(real, { version: 3, vrid: cfg.vrid, priority: 200, advertInterval: 10, addresses: [cfg.vips[0]!.address] })
    const st = w.inst.status()
    expect(st.peers.length).toBe(MAX_PEERS_SEEN)
    expect(st.peers.at(-1)).toMatchObject({ address: real, priority: 200 }) // the newest is kept
    expect(st.peers.map((p) => p.address)).not.toContain('10.0.0.0') // the oldest went first
    expect(JSON.stringify({ id: 1, ok: true, result: { instances: [st] } }).length).toBeLessThan(CONTROL_LINE_LIMIT / 10)
    await w.inst.stop()
  })
})
