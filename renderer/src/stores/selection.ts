import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The entries FCM shows under a cluster (the console issue adds its events and networks). */
export type ClusterPart = 'roles' | 'nodes'

/** What the navigation tree has selected; drives the centre pane and the Actions pane. */
export type Selection =
  | { kind: 'root' }
  | { kind: 'clusters' }
  | { kind: 'cluster'; id: string }
  | { kind: 'cluster-part'; id: string; part: ClusterPart }
  /** Cluster Events of a cluster (its own view: views/ClusterEventsView.vue). */
  | { kind: 'cluster-events'; id: string }
  | { kind: 'connections' }
  | { kind: 'connection'; id: string }
  /** The live reachability graph of one role (issue 12). */
  | { kind: 'reachability'; clusterId: string; role: string }

/** A row picked in a centre list of a cluster (FCM's second Actions section: a node, a role). */
export type ListPick = { kind: 'cluster-node'; name: string } | { kind: 'cluster-role'; name: string }

/** A stable string for a selection, used as tree item key and for comparisons. */
export function selectionKey(s: Selection): string {
  switch (s.kind) {
    case 'cluster':
      return `cluster:${s.id}`
    case 'cluster-part':
      return `cluster:${s.id}:${s.part}`
    case 'cluster-events':
      return `cluster:${s.id}:events`
    case 'connection':
      return `connection:${s.id}`
    case 'reachability':
      return `reachability:${s.clusterId}:${s.role}`
    default:
      return s.kind
  }
}

export const useSelectionStore = defineStore('selection', () => {
  const selected = ref<Selection>({ kind: 'root' })
  /** The row picked in the centre list of the "Connections" view (FCM's second Actions section). */
  const listConnectionId = ref<string | null>(null)
  /** The node or role picked in a cluster's centre lists. */
  const listPick = ref<ListPick | null>(null)

  function select(s: Selection): void {
    selected.value = s
    listConnectionId.value = null
    listPick.value = null
  }

  function pickListConnection(id: string | null): void {
    listConnectionId.value = id
  }

  function pick(p: ListPick | null): void {
    listPick.value = p
  }

  function isSelected(s: Selection): boolean {
    return selectionKey(s) === selectionKey(selected.value)
  }

  return { selected, listConnectionId, listPick, select, pickListConnection, pick, isSelected }
})
