// SecretCodec backed by Electron's safeStorage (OS keychain / DPAPI / libsecret), so saved
// passwords are encrypted at rest in the desktop app. The backend never imports electron;
// it receives this object.
import { safeStorage } from 'electron'
import type { SecretCodec } from '../backend/store/credential-store'

export const safeStorageCodec: SecretCodec = {
  isAvailable: () => safeStorage.isEncryptionAvailable(),
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (b) => safeStorage.decryptString(b)
}
