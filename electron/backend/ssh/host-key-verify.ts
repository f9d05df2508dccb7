// The decision on a host key a server offers while connecting: trusted only when it is the
// key pinned in the store and, on a reconnect, the very key the session was opened with.
// Every refusal comes back as an SshError a person can act on (unknown key: check the
// fingerprint; changed key: possible interception). Kept out of the connection code so the
// policy reads in one place.
import type { HostKeyInfo } from '../../api/model'
import type { HostKeyStore } from '../store/host-key-store'
import { SshError } from './errors'

export type HostKeyVerdict = { trusted: true; pinned: HostKeyInfo } | { trusted: false; error: SshError }

/**
 * @param offered the key the server offered (hostKeyInfoOf)
 * @param openedWith the key this session was first opened with; undefined on the first connect
 */
export function verifyOfferedHostKey(hostKeys: HostKeyStore, offered: HostKeyInfo, openedWith: HostKeyInfo | undefined): HostKeyVerdict {
  const { host, port } = offered
  let check: ReturnType<HostKeyStore['check']>
  try {
    check = hostKeys.check(offered)
  } catch (e) {
    // A damaged store must stop the connection, never be read as "no key pinned".
    return {
      trusted: false,
      error: new SshError({
        kind: 'invalid-input',
        host,
        port,
        message: `Cannot check the host key of ${host}:${port}: ${(e as Error).message}`,
        hint: 'Repair or remove the host-key store named above, then connect again.',
        hostKey: offered,
        cause: e
      })
    }
  }
  // A reconnect must meet the very key this session was opened with.
  if (openedWith && check.status === 'trusted' && openedWith.fingerprint !== offered.fingerprint) {
    return { trusted: false, error: hostKeyChanged(offered, openedWith.fingerprint) }
  }
  if (check.status === 'trusted') return { trusted: true, pinned: check.pinned }
  return {
    trusted: false,
    error:
      check.status === 'unknown'
        ? new SshError({
            kind: 'host-key-unknown',
            host,
            port,
            message: `${host}:${port} is not known yet: it offered the ${offered.keyType} host key ${offered.fingerprint}.`,
            hint: `Check the fingerprint on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or the key type shown) and trust it only if it matches.`,
            hostKey: offered
          })
        : hostKeyChanged(offered, check.pinned.fingerprint)
  }
}

function hostKeyChanged(offered: HostKeyInfo, expectedFingerprint: string): SshError {
  return new SshError({
    kind: 'host-key-changed',
    host: offered.host,
    port: offered.port,
    message:
      `WARNING: the host key of ${offered.host}:${offered.port} has CHANGED. It offered ${offered.keyType} ${offered.fingerprint}, ` +
      `but ${expectedFingerprint} is pinned. Someone may be intercepting the connection, or the node was reinstalled.`,
    hint:
      'Do not connect until you know why. If the node was reinstalled or its keys regenerated on purpose, verify the new fingerprint on the node ' +
      '(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then forget the pinned key and trust the new one.',
    hostKey: { ...offered, expectedFingerprint }
  })
}
