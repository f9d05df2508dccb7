// What actually protects secrets at rest, told honestly (issue 9 item 16). Electron's
// safeStorage encrypts with a key the OS keeps (macOS Keychain, Windows DPAPI, the Linux
// desktop's secret service or KWallet), but on a Linux desktop without either it falls back
// to 'basic_text': a key hard-coded in Chromium, which anyone who reads the file can undo.
// That is no better than the owner-only file browser mode uses, so it is reported, and
// treated, as unencrypted. Pure (no 'electron' import): electron/main passes what it read.
import type { SecretStorage } from '../../api/contract'

/** What Electron's safeStorage reports, as electron/main reads it once the app is ready. */
export interface SafeStorageState {
  platform: NodeJS.Platform
  isEncryptionAvailable: boolean
  /** safeStorage.getSelectedStorageBackend() on Linux; undefined elsewhere. */
  linuxBackend?: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown'
}

const PLAIN_FILE = 'stored unencrypted in a file only your user can read (mode 0600)'

/** Browser and CLI mode: no OS keychain is reachable from the backend. */
export const FILE_ONLY: SecretStorage = {
  kind: 'file-0600',
  encrypted: false,
  description: `Passwords are ${PLAIN_FILE}.`,
  reason: 'Browser mode has no access to an OS keychain.'
}

const KEYCHAIN_NAME: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'the macOS Keychain',
  win32: 'Windows DPAPI'
}

const LINUX_BACKEND_NAME: Record<string, string> = {
  gnome_libsecret: 'the desktop secret service (libsecret)',
  kwallet: 'KWallet',
  kwallet5: 'KWallet 5',
  kwallet6: 'KWallet 6'
}

export function safeStorageProtection(s: SafeStorageState): SecretStorage {
  if (!s.isEncryptionAvailable) {
    return {
      kind: 'file-0600',
      encrypted: false,
      description: `Passwords are ${PLAIN_FILE}.`,
      reason: 'The operating system offers HAVIP Manager no keychain to encrypt them with.'
    }
  }
  if (s.platform === 'linux') {
    const name = s.linuxBackend ? LINUX_BACKEND_NAME[s.linuxBackend] : undefined
    if (!name) {
      return {
        kind: 'file-0600',
        encrypted: false,
        description: `Passwords are ${PLAIN_FILE}.`,
        reason:
          s.linuxBackend === 'basic_text'
            ? 'This desktop has no secret service or KWallet, so Electron could only obscure them with a built-in key (safeStorage backend basic_text), which is not encryption.'
            : `Electron's safeStorage backend is ${s.linuxBackend ?? 'not known'}, not a keyring HAVIP Manager recognises.`
      }
    }
    return { kind: 'os-keychain', encrypted: true, description: `Passwords are encrypted with ${name}.` }
  }
  return {
    kind: 'os-keychain',
    encrypted: true,
    description: `Passwords are encrypted with ${KEYCHAIN_NAME[s.platform] ?? "the operating system's keychain"}.`
  }
}
