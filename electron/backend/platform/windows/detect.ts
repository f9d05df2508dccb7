// Telling a Windows node at connect, and what that changes in the connection's own errors.
// The SSH identification string is read before authentication, so it is known even when the
// login fails: Win32-OpenSSH (the OpenSSH Server feature of Windows Server 2019 and later)
// announces itself as "OpenSSH_for_Windows_<version>" (e.g. SSH-2.0-OpenSSH_for_Windows_8.1).
import type { SshAuth } from '../../../api/model'
import { SshError } from '../../ssh/errors'
import type { PlatformName } from '../platform-adapter'

/** The platform an SSH server's software version names, or undefined when it does not say. */
export function platformFromServerIdent(ident: string | undefined): PlatformName | undefined {
  if (!ident) return undefined
  if (/^OpenSSH_for_Windows_/i.test(ident)) return 'windows'
  // Portable OpenSSH, Dropbear: what the Linux nodes run.
  if (/^(OpenSSH_\d|dropbear)/i.test(ident)) return 'linux'
  return undefined
}

/**
 * The auth-failed error with the Windows rule spelled out: for a member of Administrators,
 * Win32-OpenSSH's default sshd_config (`Match Group administrators` →
 * `AuthorizedKeysFile __PROGRAMDATA__/ssh/administrators_authorized_keys`) ignores the
 * user's own ~/.ssh/authorized_keys, which is the usual reason a key that "is there" fails.
 */
export function explainWindowsAuthFailure(err: SshError, ident: string | undefined, auth: SshAuth['kind']): SshError {
  if (err.kind !== 'auth-failed' || platformFromServerIdent(ident) !== 'windows') return err
  const keyLogin = auth === 'key' || auth === 'agent'
  const hint = keyLogin
    ? 'This is a Windows OpenSSH server. If the account is an administrator, its public key must be in ' +
      'C:\\ProgramData\\ssh\\administrators_authorized_keys (not in the user\'s .ssh\\authorized_keys), and that file may be ' +
      'readable only by Administrators and SYSTEM: icacls C:\\ProgramData\\ssh\\administrators_authorized_keys /inheritance:r ' +
      '/grant Administrators:F /grant SYSTEM:F. For other accounts the key goes in C:\\Users\\<user>\\.ssh\\authorized_keys.'
    : 'This is a Windows OpenSSH server: check the user name (a domain account is DOMAIN\\user or user@domain) and its password, ' +
      'and that sshd_config allows PasswordAuthentication.'
  return new SshError({
    kind: err.kind,
    host: err.host,
    ...(err.port !== undefined ? { port: err.port } : {}),
    message: err.message,
    hint,
    cause: err
  })
}
