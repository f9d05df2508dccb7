import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The cluster sub-entries FCM shows under a cluster; here they are placeholders until clusters exist. */
export type ClusterPart = 'roles' | 'nodes' | 'networks' | 'events'

/** What the navigation tree has selected; drives the centre pane and the Actions pane. */
export type Selection =
  | { kind: 'root' }
  | { kind: 'clusters' }
  /** The greyed "Cluster" entry that shows what a cluster will hold once clusters exist. */
  | { kind: 'cluster-preview' }
  | { kind: 'cluster-part'; part: ClusterPart }
  | { kind: 'connections' }
  | { kind: 'connection'; id: string }

/** A stable string for a selection, used as tree item key and for comparisons. */
export function selectionKey(s: Selection): string {
  switch (s.kind) {
    case 'cluster-part':
      return `cluster-part:${s.part}`
    case 'cluster-preview':
      return 'cluster-preview'
    case 'connection':
      return `connection:${s.id}`
    default:
      return s.kind
  }
}

export const useSelectionStore = defineStore('selection', () => {
  const selected = ref<Selection>({ kind: 'root' })
  /** The row picked in the centre list of the "Connections" view (FCM's second Actions section). */
  const listConnectionId = ref<string | null>(null)

  function select(s: Selection): void {
    selected.value = s
    listConnectionId.value = null
  }

  function pickListConnection(id: string | null): void {
    listConnectionId.value = id
  }

  function isSelected(s: Selection): boolean {
    return selectionKey(s) === selectionKey(selected.value)
  }

  return { selected, listConnectionId, select, pickListConnection, isSelected }
})
