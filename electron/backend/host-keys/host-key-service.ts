// The host-keys service: the API's view of the pinned host keys (HostKeyStore). Trusting and
// forgetting are logged, because they decide which servers the app will talk to.
import type { HostKeyInfo } from '../../api/model'
import type { BackendLog } from '../log'
import type { HostKeyStore } from '../store/host-key-store'

export class HostKeyService {
  constructor(
    private readonly store: HostKeyStore,
    private readonly log: BackendLog
  ) {}

  list(): HostKeyInfo[] {
    return this.store.list()
  }

  trust(info: HostKeyInfo): void {
    this.store.trust(info)
    this.log('info', `Trusted the ${info.keyType} host key ${info.fingerprint} of ${info.host}:${info.port}`, info.host)
  }

  forget(host: string, port: number): void {
    this.store.forget(host, port)
    this.log('warn', `Forgot the pinned host key of ${host}:${port}; the next connection will ask to confirm it`, host)
  }
}
