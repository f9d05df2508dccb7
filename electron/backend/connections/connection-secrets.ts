// What a saved connection needs to log in again: the saved entry says HOW (password, key,
// agent), the CredentialStore keeps the secret under the same id. Only the fields that
// apply are stored; nothing here is ever logged.
import { ApiException } from '../../api/errors'
import type { SshAuth, SshTarget } from '../../api/model'
import type { BackendLog } from '../log'
import type { CredentialStore } from '../store/credential-store'
import type { SavedConnection } from './saved-connections'

/** What the CredentialStore keeps for one connection. */
interface StoredSecret {
  password?: string
  passphrase?: string
  sudoPassword?: string
}

export class ConnectionSecrets {
  constructor(
    private readonly credentials: CredentialStore,
    private readonly log: BackendLog
  ) {}

  /** True if a secret is stored for the connection (a damaged store counts as none). */
  has(id: string): boolean {
    try {
      return this.credentials.has(id)
    } catch {
      return false
    }
  }

  delete(id: string): void {
    this.credentials.delete(id)
  }

  /** remember=true stores what a later reconnect needs; remember=false drops an older secret. */
  remember(id: string, target: SshTarget, remember: boolean | undefined): void {
    if (remember === undefined) return
    if (!remember) {
      this.credentials.delete(id)
      return
    }
    const secret: StoredSecret = {}
    if (target.auth.kind === 'password') secret.password = target.auth.password
    if (target.auth.kind === 'key' && target.auth.passphrase) secret.passphrase = target.auth.passphrase
    if (target.sudoPassword) secret.sudoPassword = target.sudoPassword
    if (Object.keys(secret).length === 0) this.credentials.delete(id)
    else this.credentials.save(id, JSON.stringify(secret))
  }

  /** The full SSH target of a saved connection, with its remembered secret. */
  targetOf(c: SavedConnection): SshTarget {
    const secret = this.load(c.id)
    let auth: SshAuth
    if (c.auth.kind === 'password') {
      if (!secret?.password) {
        throw new ApiException({
          kind: 'auth-failed',
          message: `No password is remembered for ${c.username}@${c.host}.`,
          hint: 'Use "Connect to node" and enter the password (tick "remember" to store it).',
          node: c.host
        })
      }
      auth = { kind: 'password', password: secret.password }
    } else if (c.auth.kind === 'key') {
      auth = { kind: 'key', privateKeyPath: c.auth.privateKeyPath, ...(secret?.passphrase ? { passphrase: secret.passphrase } : {}) }
    } else {
      auth = { kind: 'agent', ...(c.auth.socketPath ? { socketPath: c.auth.socketPath } : {}) }
    }
    return {
      host: c.host,
      port: c.port,
      username: c.username,
      auth,
      ...(secret?.sudoPassword ? { sudoPassword: secret.sudoPassword } : {})
    }
  }

  private load(id: string): StoredSecret | undefined {
    let text: string | undefined
    try {
      text = this.credentials.load(id)
    } catch (err) {
      this.log('warn', `Could not read the stored credentials: ${(err as Error).message}`)
      return undefined
    }
    if (text === undefined) return undefined
    try {
      return JSON.parse(text) as StoredSecret
    } catch {
      return undefined
    }
  }
}

/** How a target logs in, minus the secret: what the saved entry keeps. */
export function savedAuthOf(auth: SshAuth): SavedConnection['auth'] {
  if (auth.kind === 'password') return { kind: 'password' }
  if (auth.kind === 'key') return { kind: 'key', privateKeyPath: auth.privateKeyPath }
  return { kind: 'agent', ...(auth.socketPath ? { socketPath: auth.socketPath } : {}) }
}
