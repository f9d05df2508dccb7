// The words for a cluster whose Destroy could not clean every node (KnownCluster.destroyIncomplete),
// shared by the console (list, tree, cluster view) and the CLI, so both say it the same way.
import type { KnownCluster } from './cluster'

export type DestroyIncompleteMark = NonNullable<KnownCluster['destroyIncomplete']>

/** "n2 not cleaned", "n2, n3 not cleaned": for the tree, where there is room for little. */
export function destroyIncompleteShort(mark: DestroyIncompleteMark): string {
  return `${mark.leftovers.map((l) => l.node).join(', ')} not cleaned`
}

/** "Destroy incomplete: n2 not cleaned — not reached (...)"; several nodes each say their own reason. */
export function destroyIncompleteText(mark: DestroyIncompleteMark): string {
  // The reasons are sentences; joined, their final full stops would read ".;".
  const bare = (what: string): string => what.replace(/\.$/, '')
  const [only, ...more] = mark.leftovers
  if (only && more.length === 0) return `Destroy incomplete: ${only.node} not cleaned — ${bare(only.what)}`
  return `Destroy incomplete: ${destroyIncompleteShort(mark)} — ${mark.leftovers.map((l) => `${l.node}: ${bare(l.what)}`).join('; ')}`
}
