import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { Connection } from './connections'

/** What the Connect dialog opens with (reconnecting a saved connection pre-fills it). */
export interface ConnectPrefill {
  host?: string
  port?: number
  username?: string
  authKind?: 'key' | 'password' | 'agent'
  label?: string
  /** Reconnect this saved connection with what the backend remembered, before asking for anything. */
  reconnectId?: string
}

export interface ConfirmRequest {
  title: string
  message: string
  /** Extra detail shown under the message (e.g. what stays and what goes). */
  detail?: string
  confirmLabel: string
  danger?: boolean
}

/** The cluster dialogs (one at a time); Evict, Remove Role and Forget ask through ask(). */
export type ClusterDialog =
  | { kind: 'connect-cluster' }
  | { kind: 'add-node'; clusterId: string }
  | { kind: 'configure-role'; clusterId: string; role: string | null }
  | { kind: 'export'; clusterId: string }
  | { kind: 'destroy'; clusterId: string }

/** Modal dialogs are app-wide state so any action (pane, menu, tree) can open them. */
export const useDialogsStore = defineStore('dialogs', () => {
  const connectOpen = ref(false)
  const connectPrefill = ref<ConnectPrefill>({})
  const confirm = shallowRef<(ConfirmRequest & { resolve: (ok: boolean) => void }) | null>(null)
  const cluster = shallowRef<ClusterDialog | null>(null)

  function openCluster(d: ClusterDialog): void {
    cluster.value = d
  }

  function closeCluster(): void {
    cluster.value = null
  }

  function openConnect(prefill: ConnectPrefill = {}): void {
    connectPrefill.value = prefill
    connectOpen.value = true
  }

  /** The Connect dialog for a saved connection, pre-filled from it. */
  function openReconnect(c: Connection): void {
    openConnect({
      host: c.host,
      port: c.port,
      username: c.username,
      authKind: c.authKind,
      label: c.label,
      // Key and agent logins need no secret; a password login only if it was remembered.
      ...(c.authKind !== 'password' || c.remembered ? { reconnectId: c.id } : {})
    })
  }

  function closeConnect(): void {
    connectOpen.value = false
  }

  /** Asks the admin to confirm; resolves false on Cancel/Escape. */
  function ask(req: ConfirmRequest): Promise<boolean> {
    confirm.value?.resolve(false)
    return new Promise((resolve) => {
      confirm.value = { ...req, resolve }
    })
  }

  function answer(ok: boolean): void {
    const pending = confirm.value
    confirm.value = null
    pending?.resolve(ok)
  }

  return { connectOpen, connectPrefill, confirm, cluster, openConnect, openReconnect, closeConnect, ask, answer, openCluster, closeCluster }
})
