// The host-keys service: the API's view of the pinned host keys (HostKeyStore). Trusting and
// forgetting are logged, because they decide which servers the app will talk to.
import type { HostKeyInfo } from '../../api/model'
import type { BackendLog } from '../log'
import { ApiException } from '../../api/errors'
import { HostKeyPinConflict, type HostKeyStore, type TrustOptions } from '../store/host-key-store'

export class HostKeyService {
  constructor(
    private readonly store: HostKeyStore,
    private readonly log: BackendLog
  ) {}

  list(): HostKeyInfo[] {
    return this.store.list()
  }

  /**
   * Pin a confirmed key. A different pin is replaced only when the call says replace and names
   * the pinned fingerprint (see HostKeyStore.trust); a refusal is a 'host-key-changed' error
   * that shows both fingerprints.
   */
  trust(info: HostKeyInfo, opts: TrustOptions = {}): void {
    const before = this.store.get(info.host, info.port)
    try {
      this.store.trust(info, opts)
    } catch (err) {
      if (!(err instanceof HostKeyPinConflict)) throw err
      this.log('warn', `Refused to replace the pinned host key of ${info.host}:${info.port}: ${err.message}`, info.host)
      throw new ApiException({
        kind: 'host-key-changed',
        message: err.message,
        hint:
          err.reason === 'stale'
            ? 'The pinned key changed since the dialog showed it. Connect again to see the current pin and the key the node offers.'
            : 'Compare both fingerprints with the node itself; to replace the pin, confirm the replacement in the host-key dialog.',
        node: info.host
      })
    }
    if (before && (before.fingerprint !== info.fingerprint || before.keyType !== info.keyType)) {
      this.log(
        'warn',
        `Replaced the pinned host key of ${info.host}:${info.port}: ${before.keyType} ${before.fingerprint} -> ${info.keyType} ${info.fingerprint} (confirmed by the admin)`,
        info.host
      )
    } else {
      this.log('info', `Trusted the ${info.keyType} host key ${info.fingerprint} of ${info.host}:${info.port}`, info.host)
    }
  }

  forget(host: string, port: number): void {
    this.store.forget(host, port)
    this.log('warn', `Forgot the pinned host key of ${host}:${port}; the next connection will ask to confirm it`, host)
  }
}
