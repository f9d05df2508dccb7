// Who owns a role's VIP, as the reachability graph needs it: the owner now, and every change
// with the time the new owner took over. A small seam so the graph does not depend on how the
// live state is kept (the live state service's 'cluster.state' stream on the desktop; a fake
// in unit tests).
export interface OwnerChange {
  owner: string | null
  /** ms since the epoch: the agent's transition time when known, else when the change was seen. */
  at: number
}

export interface OwnershipFeed {
  /** Starts following a role; `onChange` gets every change after the owner returned. */
  follow(clusterId: string, role: string, onChange: (c: OwnerChange) => void): Promise<{ owner: string | null; stop(): void }>
}

/** For a backend without live state: the owner is never known, so no band and no transition is drawn. */
export const noOwnership: OwnershipFeed = {
  follow: async () => ({ owner: null, stop: () => {} })
}
