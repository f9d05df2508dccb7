// Reaching the nodes a command names: each `--node` becomes a connected saved connection, the
// way the app's Connect dialog makes one. Credentials given once are remembered in the data
// directory (as the app remembers them), so later commands need no node options. Host keys:
// an unknown key is refused unless --trust-new-host-keys; a changed key is always refused.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Connection, ConnectResult } from '../api/contract'
import type { SshAuth } from '../api/model'
import type { CallApi } from './api-client'
import { UsageError } from './args'
import { nodeKey, type NodeSpec } from './node-spec'

export interface CredentialOptions {
  identity?: string
  passwordFile?: string
  sudoPasswordFile?: string
  trustNewHostKeys: boolean
}

/** A failure that is the operator's to fix (exit code 1), with what to do. */
export class NodeAccessError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message)
    this.name = 'NodeAccessError'
  }
}

/** A secret from a file: its first line, so a trailing newline from `echo > file` is not part of it. */
export function readSecretFile(file: string, what: string): string {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`)
  }
  const line = text.split(/\r?\n/)[0] ?? ''
  if (line === '') throw new UsageError(`the ${what} file ${file} is empty; put the ${what} on its first line.`)
  return line
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/** Auth when nothing was said: ssh-agent if running, else the usual key files, as ssh tries them. */
function defaultAuth(env: NodeJS.ProcessEnv): SshAuth | undefined {
  if (env.SSH_AUTH_SOCK) return { kind: 'agent', socketPath: env.SSH_AUTH_SOCK }
  for (const name of DEFAULT_KEYS) {
    const p = path.join(os.homedir(), '.ssh', name)
    if (fs.existsSync(p)) return { kind: 'key', privateKeyPath: p }
  }
  return undefined
}

function explicitAuth(o: CredentialOptions): SshAuth | undefined {
  if (o.identity && o.passwordFile) throw new UsageError('give either --identity or --password-file, not both.')
  if (o.identity) {
    const p = path.resolve(o.identity)
    if (!fs.existsSync(p)) throw new UsageError(`--identity ${o.identity}: no such file.`)
    return { kind: 'key', privateKeyPath: p }
  }
  if (o.passwordFile) return { kind: 'password', password: readSecretFile(o.passwordFile, 'password') }
  return undefined
}

function hostKeyAdvice(r: Exclude<ConnectResult, { status: 'connected' }>, node: NodeSpec): NodeAccessError {
  if (r.status === 'host-key-changed') {
    return new NodeAccessError(
      `the host key of ${node.host}:${node.port} has CHANGED: pinned ${r.expectedFingerprint}, offered ${r.hostKey.fingerprint} (${r.hostKey.keyType}). Refusing to connect.`,
      'If the node was reinstalled, check the new fingerprint on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and forget the old pin in the app (Host keys), then connect again. Otherwise someone may be intercepting the connection.'
    )
  }
  return new NodeAccessError(
    `the host key of ${node.host}:${node.port} is not known yet: ${r.hostKey.keyType} ${r.hostKey.fingerprint}.`,
    'Check the fingerprint on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run the command again with --trust-new-host-keys to pin it.'
  )
}

export interface ConnectedNode {
  spec: NodeSpec
  connection: Connection
}

/** The credentials to log in with: what the options say, else ssh-agent or the usual key files. */
export function authFor(node: NodeSpec, o: CredentialOptions, env: NodeJS.ProcessEnv = process.env): SshAuth {
  const auth = explicitAuth(o) ?? defaultAuth(env)
  if (!auth) {
    throw new NodeAccessError(
      `no credentials for ${node.text}: no --identity or --password-file, no ssh-agent and no key in ~/.ssh.`,
      'Pass --identity FILE (a private key) or --password-file FILE.'
    )
  }
  return auth
}

/**
 * Connects one node: a saved connection with no new credentials is reconnected with what the
 * data directory remembers; otherwise the given (or default) credentials are used and remembered.
 */
export async function connectNode(call: CallApi, node: NodeSpec, o: CredentialOptions, progress: (line: string) => void, saved?: Connection, env = process.env): Promise<ConnectedNode> {
  const sudoPassword = o.sudoPasswordFile ? readSecretFile(o.sudoPasswordFile, 'sudo password') : undefined
  const reuseSaved = saved !== undefined && !o.identity && !o.passwordFile && !sudoPassword
  const connectWith = async (): Promise<ConnectResult> => {
    if (reuseSaved) return call('connections.reconnect', { id: saved.id })
    return call('connections.connect', {
      host: node.host,
      port: node.port,
      username: node.username,
      auth: authFor(node, o, env),
      ...(sudoPassword ? { sudoPassword } : {}),
      remember: true
    })
  }
  progress(`connecting to ${node.username}@${node.host}:${node.port}${reuseSaved ? ' (saved connection)' : ''}`)
  let r = await connectWith()
  if (r.status === 'host-key-unknown' && o.trustNewHostKeys) {
    progress(`pinning the ${r.hostKey.keyType} host key ${r.hostKey.fingerprint} of ${node.host}:${node.port} (--trust-new-host-keys)`)
    await call('hostKeys.trust', r.hostKey)
    r = await connectWith()
  }
  if (r.status !== 'connected') throw hostKeyAdvice(r, node)
  return { spec: node, connection: r.connection }
}

export interface NodeOutcome {
  spec: NodeSpec
  connection?: Connection
  /** The saved connection for this node, connected or not. */
  saved?: Connection
  /** Why this node could not be reached (unreachable, auth, host key): the operator's to fix. */
  error?: { message: string; hint: string }
}

/**
 * Connects every node at once. Usage errors (a missing key file) end the command; a node that
 * cannot be reached becomes an outcome with its reason, so one bad node never holds up the others.
 */
export async function connectNodes(call: CallApi, nodes: NodeSpec[], o: CredentialOptions, progress: (line: string) => void): Promise<NodeOutcome[]> {
  const list = await call('connections.list', {})
  const savedOf = (n: NodeSpec): Connection | undefined => list.find((c) => nodeKey(c) === nodeKey(n))
  const results = await Promise.allSettled(nodes.map((n) => connectNode(call, n, o, progress, savedOf(n))))
  return results.map((r, i) => {
    const spec = nodes[i]!
    const saved = savedOf(spec)
    if (r.status === 'fulfilled') return { spec, connection: r.value.connection }
    const err = r.reason as Error & { hint?: string; error?: { hint?: string } }
    if (err instanceof UsageError) throw err
    const hint = err instanceof NodeAccessError ? err.hint : (err.error?.hint ?? err.hint ?? 'Check the address, the credentials and that sshd runs on the node.')
    return { spec, ...(saved ? { saved } : {}), error: { message: `${spec.text}: ${err.message}`, hint } }
  })
}
