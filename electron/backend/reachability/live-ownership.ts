// The reachability graph's owners from the live state service (electron/backend/live): the
// owner now from its snapshot, then every change from its state stream. The time of a change
// is the new owner's own transition to Master as its agent reported it (when that is the
// change seen), so the mark sits where the takeover happened, not where the app heard of it.
import type { OwnerChange, OwnershipFeed } from './ownership'

/** The part of the live cluster state this needs (electron/api/console.ts ClusterState). */
export interface LiveStateLike {
  clusterId: string
  roles: ReadonlyArray<{
    name: string
    owner: string | null
    lastTransition: { node: string; to: string; at: string } | null
  }>
}

export interface LiveStateSource {
  /** The cluster's state now (starts watching it if needed). */
  state(clusterId: string): Promise<LiveStateLike>
  /** Every state the live service publishes ('cluster.state'); returns an unsubscribe. */
  subscribe(listener: (s: LiveStateLike) => void): () => void
}

export function ownerChangeOf(role: LiveStateLike['roles'][number] | undefined, seenAt: number): OwnerChange {
  const owner = role?.owner ?? null
  const t = role?.lastTransition
  const at = t && owner !== null && t.node === owner && t.to.toLowerCase() === 'master' ? Date.parse(t.at) : Number.NaN
  return { owner, at: Number.isFinite(at) ? at : seenAt }
}

export function liveOwnership(live: LiveStateSource, now: () => number = Date.now): OwnershipFeed {
  return {
    async follow(clusterId, role, onChange) {
      let owner: string | null = null
      const off = live.subscribe((s) => {
        if (s.clusterId !== clusterId) return
        const c = ownerChangeOf(s.roles.find((r) => r.name === role), now())
        if (c.owner === owner) return
        owner = c.owner
        onChange(c)
      })
      try {
        const first = await live.state(clusterId)
        owner = first.roles.find((r) => r.name === role)?.owner ?? null
      } catch (e) {
        off()
        throw e
      }
      return { owner, stop: off }
    }
  }
}
