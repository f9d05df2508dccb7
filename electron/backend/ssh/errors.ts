// Typed, readable SSH errors. Everything that can go wrong between the backend and a node
// ends up as one SshError with a kind (for code), a message (what failed, where, why) and
// a hint (what the admin can do about it). DESIGN.md §7.8.
import type { HostKeyInfo, SshErrorInfo, SshErrorKind } from '../../api/model'

export type SshPhase = 'connect' | 'auth' | 'exec'

export interface SshErrorInit {
  kind: SshErrorKind
  host: string
  port?: number
  message: string
  hint: string
  hostKey?: HostKeyInfo & { expectedFingerprint?: string }
  exitCode?: number
  stderr?: string
  cause?: unknown
}

export class SshError extends Error {
  readonly kind: SshErrorKind
  readonly host: string
  readonly port?: number
  /** What the admin can do about it, in one or two sentences. */
  readonly hint: string
  readonly hostKey?: HostKeyInfo & { expectedFingerprint?: string }
  readonly exitCode?: number
  readonly stderr?: string

  constructor(init: SshErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'SshError'
    this.kind = init.kind
    this.host = init.host
    this.hint = init.hint
    if (init.port !== undefined) this.port = init.port
    if (init.hostKey !== undefined) this.hostKey = init.hostKey
    if (init.exitCode !== undefined) this.exitCode = init.exitCode
    if (init.stderr !== undefined) this.stderr = init.stderr
  }

  /** The plain-data form that crosses the API (no stack, no cause). */
  toInfo(): SshErrorInfo {
    const info: SshErrorInfo = { kind: this.kind, message: this.message, host: this.host, hint: this.hint }
    if (this.hostKey) info.hostKey = this.hostKey
    if (this.exitCode !== undefined) info.exitCode = this.exitCode
    if (this.stderr !== undefined) info.stderr = this.stderr
    return info
  }
}

interface ErrorShape {
  message: string
  code?: string | number
  level?: string
}

function shapeOf(err: unknown): ErrorShape {
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; code?: unknown; level?: unknown }
    const shape: ErrorShape = { message: typeof o.message === 'string' ? o.message : String(err) }
    if (typeof o.code === 'string' || typeof o.code === 'number') shape.code = o.code
    if (typeof o.level === 'string') shape.level = o.level
    return shape
  }
  return { message: String(err) }
}

/**
 * Turn whatever ssh2, Node's net module or the file system threw into an SshError.
 * Known shapes (ssh2 1.x):
 *   - socket errors carry level 'client-socket' and a Node errno code (ECONNREFUSED, ...);
 *   - 'Timed out while waiting for handshake' / 'Keepalive timeout': level 'client-timeout';
 *   - 'All configured authentication methods failed': level 'client-authentication';
 *   - 'Host denied (verification failed)' and algorithm mismatches: level 'handshake';
 *   - 'No response from server' / 'Not connected' / 'Connection lost before handshake':
 *     the connection went away under us.
 */
export function mapSshError(err: unknown, ctx: { host: string; port: number; phase: SshPhase }): SshError {
  if (err instanceof SshError) return err
  const { host, port, phase } = ctx
  const where = `${host}:${port}`
  const e = shapeOf(err)
  const code = typeof e.code === 'string' ? e.code : undefined
  const make = (kind: SshErrorKind, message: string, hint: string): SshError =>
    new SshError({ kind, host, port, message, hint, cause: err })

  switch (code) {
    case 'ECONNREFUSED':
      return make(
        'refused',
        `Connection to ${where} refused: nothing accepts SSH connections on that port.`,
        `Check that the SSH server runs on ${host} (systemctl status ssh / Get-Service sshd) and listens on port ${port}, and that no firewall rejects it. ` +
          'On Windows Server the OpenSSH Server is an optional feature: install it (Add-WindowsCapability -Online -Name OpenSSH.Server~~~~0.0.1.0), then Start-Service sshd and Set-Service sshd -StartupType Automatic.'
      )
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return make(
        'unreachable',
        `${where} is unreachable (${code}): no route to the host or it does not answer on the network.`,
        `Check the address, that ${host} is powered on and on the network, and the routing between this machine and it (ping ${host}).`
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return make(
        'unreachable',
        `Cannot resolve the host name "${host}" (${code}).`,
        'Check the spelling of the host name and this machine\'s DNS settings, or use the node\'s IP address.'
      )
    case 'ETIMEDOUT':
      return make(
        'timeout',
        `Connecting to ${where} timed out (${code}).`,
        `The host did not answer in time. Check that ${host} is up and that a firewall does not silently drop port ${port}.`
      )
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return phase === 'exec'
        ? make(
            'disconnected',
            `The SSH connection to ${where} was lost (${code}).`,
            'The node closed or lost the connection. Try again; HAVIP Manager reconnects on the next command.'
          )
        : make(
            'refused',
            `${where} closed the connection during the SSH handshake (${code}).`,
            `The SSH server on ${host} dropped the connection: check its logs (journalctl -u ssh), MaxStartups, and tcpwrappers/firewall rules.`
          )
    case 'ENOENT':
    case 'EACCES':
    case 'EISDIR':
      if (phase !== 'exec') {
        return make(
          'invalid-input',
          `Cannot read the private key file for ${where}: ${e.message}`,
          'Check the private key path (it is read on the machine running HAVIP Manager) and its permissions.'
        )
      }
      break
    default:
      break
  }

  const msg = e.message
  if (e.level === 'client-timeout' || /timed out/i.test(msg)) {
    if (/keepalive/i.test(msg)) {
      return make(
        'disconnected',
        `The SSH connection to ${where} stopped answering keepalives.`,
        `The node or the network went away. Check that ${host} is up; HAVIP Manager reconnects on the next command.`
      )
    }
    return make(
      'timeout',
      `Connecting to ${where} timed out before the SSH handshake finished.`,
      `Check that ${host} is up, that port ${port} is the SSH port, and that no firewall silently drops it.`
    )
  }
  if (e.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return make(
      'auth-failed',
      `Authentication to ${where} failed: the server accepted none of the offered credentials.`,
      'Check the user name and the password or key. For key login the public key must be in the user\'s ~/.ssh/authorized_keys on the node; for password login the server must allow PasswordAuthentication.'
    )
  }
  if (e.level === 'agent' || (phase !== 'exec' && /\bagent\b|SSH_AUTH_SOCK/i.test(msg))) {
    return make(
      'auth-failed',
      `The SSH agent could not be used to log in to ${where}: ${msg}`,
      'Check that an SSH agent is running (SSH_AUTH_SOCK), that it holds a key (ssh-add -l), and that the key is authorised on the node.'
    )
  }
  if (/passphrase|Cannot parse privateKey|Unsupported key format|privateKey/i.test(msg)) {
    return make(
      'invalid-input',
      `The private key for ${where} cannot be used: ${msg}`,
      /passphrase/i.test(msg)
        ? 'The key is encrypted: enter its passphrase (or check the one you entered).'
        : 'Use an OpenSSH or PEM private key (ed25519, ECDSA or RSA), e.g. one made with ssh-keygen.'
    )
  }
  if (/Host denied/i.test(msg)) {
    return make(
      'host-key-unknown',
      `The host key of ${where} was not accepted.`,
      'Compare the fingerprint with the one on the node (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and trust it before connecting.'
    )
  }
  if (e.level === 'handshake') {
    return make(
      'refused',
      `The SSH handshake with ${where} failed: ${msg}`,
      'The server and HAVIP Manager share no acceptable key-exchange, cipher or host-key algorithm. Update the SSH server or its algorithm settings.'
    )
  }
  if (phase !== 'exec' && /Connection lost before handshake/i.test(msg)) {
    return make(
      'refused',
      `${where} closed the connection before the SSH handshake.`,
      `Something answers on port ${port} but it hung up: check that it is an SSH server, and its limits (MaxStartups) and access rules (tcpwrappers, fail2ban).`
    )
  }
  if (/No response from server|Not connected|Connection lost|closed|ended/i.test(msg)) {
    return make(
      'disconnected',
      `The SSH connection to ${where} was lost: ${msg}`,
      'The node closed the connection or the network dropped it. Try again; HAVIP Manager reconnects on the next command.'
    )
  }
  if (phase === 'exec') {
    return make(
      'command-failed',
      `A command on ${where} could not be run: ${msg}`,
      'Check that the node is healthy (disk, process limits) and retry.'
    )
  }
  return make(
    'unreachable',
    `Cannot connect to ${where}: ${msg}`,
    `Check the address and port, and that ${host} runs an SSH server reachable from this machine.`
  )
}
