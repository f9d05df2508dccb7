import { describe, expect, it } from 'vitest'
import { combineHealth } from '../../../agent/track/health'

describe('combineHealth (keepalived weight semantics)', () => {
  it('keeps the base priority when nothing is tracked or results are pending', () => {
    expect(combineHealth(100, [])).toMatchObject({ effectivePriority: 100, fault: false })
    expect(combineHealth(100, [{ label: 'script a', weight: 0, ok: undefined }])).toMatchObject({ effectivePriority: 100, fault: false })
  })

  it('weight 0: failure means FAULT, naming the check', () => {
    const h = combineHealth(100, [{ label: 'script chk', weight: 0, ok: false }])
    expect(h.fault).toBe(true)
    expect(h.reason).toContain('script chk failing')
  })

  it('positive weight is added while the check succeeds, not while it fails', () => {
    expect(combineHealth(100, [{ label: 's', weight: 20, ok: true }]).effectivePriority).toBe(120)
    expect(combineHealth(100, [{ label: 's', weight: 20, ok: false }]).effectivePriority).toBe(100)
  })

  it('negative weight is subtracted while the check fails', () => {
    expect(combineHealth(100, [{ label: 's', weight: -30, ok: false }]).effectivePriority).toBe(70)
    expect(combineHealth(100, [{ label: 's', weight: -30, ok: true }]).effectivePriority).toBe(100)
  })

  it('clamps to 1..254 and leaves an address owner at 255', () => {
    expect(combineHealth(250, [{ label: 's', weight: 50, ok: true }]).effectivePriority).toBe(254)
    expect(combineHealth(10, [{ label: 's', weight: -50, ok: false }]).effectivePriority).toBe(1)
    expect(combineHealth(255, [{ label: 's', weight: -50, ok: false }]).effectivePriority).toBe(255)
    expect(combineHealth(255, [{ label: 'interface eth1', weight: 0, ok: false }]).fault).toBe(true)
  })

  it('sums several checks and explains the change', () => {
    const h = combineHealth(100, [
      { label: 'script a', weight: 10, ok: true },
      { label: 'interface eth1', weight: -25, ok: false }
    ])
    expect(h.effectivePriority).toBe(85)
    expect(h.reason).toBe('script a ok +10, interface eth1 failing -25')
  })
})
