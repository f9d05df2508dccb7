// SecretCodec backed by Electron's safeStorage (OS keychain / DPAPI / libsecret / KWallet), so
// saved passwords are encrypted at rest in the desktop app where the OS offers a keychain. On
// Linux without one, safeStorage falls back to 'basic_text' (a built-in key): that is reported
// and treated as unencrypted (see electron/backend/store/secret-protection.ts). The backend
// never imports electron; it receives this object.
import { safeStorage } from 'electron'
import type { SecretCodec } from '../backend/store/credential-store'
import { safeStorageProtection } from '../backend/store/secret-protection'

export const safeStorageCodec: SecretCodec = {
  // Asked on every save and on app.info, not cached: safeStorage answers only after 'ready',
  // and the Linux backend is chosen lazily by Chromium.
  protection: () =>
    safeStorageProtection({
      platform: process.platform,
      isEncryptionAvailable: safeStorage.isEncryptionAvailable(),
      ...(process.platform === 'linux' ? { linuxBackend: safeStorage.getSelectedStorageBackend() } : {})
    }),
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (b) => safeStorage.decryptString(b)
}
