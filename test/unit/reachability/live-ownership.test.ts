import { describe, expect, it } from 'vitest'
import { liveOwnership, type LiveStateLike } from '../../../electron/backend/reachability/live-ownership'
import type { OwnerChange } from '../../../electron/backend/reachability/ownership'

const state = (owner: string | null, t: LiveStateLike['roles'][number]['lastTransition'] = null, clusterId = 'cl-a'): LiveStateLike => ({
  clusterId,
  roles: [{ name: 'vip1', owner, lastTransition: t }, { name: 'other', owner: 'n9', lastTransition: null }]
})

describe('liveOwnership', () => {
  it('the owner now, then each change at the new owner\'s own transition time (else when seen); other clusters ignored', async () => {
    let listener: ((s: LiveStateLike) => void) | undefined
    let unsubscribed = false
    const feed = liveOwnership(
      {
        state: async () => state('n1'),
        subscribe: (l) => ((listener = l), () => (unsubscribed = true))
      },
      () => 99_000
    )
    const changes: OwnerChange[] = []
    const f = await feed.follow('cl-a', 'vip1', (c) => changes.push(c))
    expect(f.owner).toBe('n1')
    listener!(state('n1')) // no change
    listener!(state('n2', { node: 'n2', to: 'MASTER', at: '2026-12-01T22:00:03.250Z' }))
    listener!(state('n5', null, 'cl-b'))
    listener!(state(null, { node: 'n2', to: 'FAULT', at: '2026-12-01T22:00:09.000Z' }))
    listener!(state('n3', { node: 'n2', to: 'FAULT', at: '2026-12-01T22:00:09.000Z' }))
    expect(changes).toEqual([
      { owner: 'n2', at: Date.parse('2026-12-01T22:00:03.250Z') },
      { owner: null, at: 99_000 },
      { owner: 'n3', at: 99_000 }
    ])
    f.stop()
    expect(unsubscribed).toBe(true)
  })
})
