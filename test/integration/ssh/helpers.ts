// Shared setup for the SSH integration tests: the lab's state, a private data dir, and a
// pool whose host-key store already trusts the lab nodes (tests that check the first-contact
// flow use their own empty store).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { SshTargetInput } from '../../../electron/api/model'
import { SshPool } from '../../../electron/backend/ssh/pool'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { readLabState, type LabNode, type LabState } from '../../lab/lab'

export interface SshTestEnv {
  lab: LabState
  n1: LabNode
  n2: LabNode
  dir: string
  hostKeys: HostKeyStore
  pool: SshPool
  logs: string[]
  sudoPassword: string
  rootTarget(node?: LabNode): SshTargetInput
  adminTarget(node?: LabNode, extra?: Partial<SshTargetInput>): SshTargetInput
  /** A key-only lab user: 'nopasswd' (NOPASSWD sudo) or 'sudopw' (sudo asks; no sudoPassword unless given in extra). */
  keyUserTarget(which: 'nopasswd' | 'sudopw', node?: LabNode, extra?: Partial<SshTargetInput>): SshTargetInput
  /** havipks's sudo password (the lab keeps it 0600). */
  keyUserSudoPassword: string
  dispose(): Promise<void>
}

export function labOrThrow(): LabState {
  const lab = readLabState()
  if (!lab || lab.nodes.length < 2 || !lab.keyUsers) {
    throw new Error('The lab is not up with at least 2 nodes and its key-only users: run these tests with the integration config (its globalSetup brings the lab up) or `npm run lab:up`.')
  }
  return lab
}

export function trustLabNodes(store: HostKeyStore, lab: LabState): void {
  for (const n of lab.nodes) {
    store.trust({ host: n.address, port: n.sshPort, keyType: n.hostKeyPublic.split(' ')[0]!, fingerprint: n.hostKeyFingerprint })
  }
}

export function makeEnv(opts: { trust?: boolean; connectTimeoutMs?: number } = {}): SshTestEnv {
  const lab = labOrThrow()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-ssh-it-'))
  const hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  if (opts.trust !== false) trustLabNodes(hostKeys, lab)
  const logs: string[] = []
  const pool = new SshPool({ hostKeys, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000, log: (l) => logs.push(l) })
  const sudoPassword = fs.readFileSync(lab.sudoPasswordPath, 'utf8').trim()
  const n1 = lab.nodes[0]!
  const n2 = lab.nodes[1]!
  const keyUsers = lab.keyUsers
  const keyUserSudoPassword = fs.readFileSync(keyUsers.passwordSudo.sudoPasswordPath!, 'utf8').trim()
  return {
    lab,
    n1,
    n2,
    dir,
    hostKeys,
    pool,
    logs,
    sudoPassword,
    rootTarget: (node = n1) => ({ host: node.address, port: node.sshPort, username: 'root', auth: { kind: 'key', privateKeyPath: lab.rootKeyPath } }),
    adminTarget: (node = n1, extra = {}) => ({
      host: node.address,
      port: node.sshPort,
      username: lab.sudoUser,
      auth: { kind: 'password', password: sudoPassword },
      ...extra
    }),
    keyUserTarget: (which, node = n1, extra = {}) => {
      const user = which === 'nopasswd' ? keyUsers.nopasswdSudo : keyUsers.passwordSudo
      return { host: node.address, port: node.sshPort, username: user.name, auth: { kind: 'key', privateKeyPath: user.privateKeyPath }, ...extra }
    },
    keyUserSudoPassword,
    async dispose() {
      await pool.closeAll()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

export { waitFor } from '../../support/wait-for'

/** Capture a rejection as a value, so tests can assert on its fields. */
export async function rejectionOf(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected the promise to reject, but it resolved')
}
