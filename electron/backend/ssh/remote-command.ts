// Builds the single command string an SSH "exec" request carries (RFC 4254 §6.5).
// Pure, so it can be tested for what matters: quoting and that no secret is in it.
import { posixCommand } from '../platform/quote'

export interface RemoteCommandOptions {
  /** Run through sudo (ignored for root, who needs none). */
  sudo?: boolean
  /** The login user; 'root' never gets sudo. */
  username: string
}

/**
 * `env LC_MESSAGES=C sudo -S -p '' -k -- argv...`: -S reads the password from stdin (we
 * write it there first, so it never appears on a command line or in `ps`), -p '' suppresses
 * the prompt text in stderr, -k ignores cached credentials so a wrong password is always
 * detected, and `--` ends sudo's options so argv[0] cannot be read as one. LC_MESSAGES=C
 * keeps sudo's own messages in English on localised nodes, so classifySudoFailure can
 * recognise them.
 */
export const SUDO_PREFIX: readonly string[] = ['env', 'LC_MESSAGES=C', 'sudo', '-S', '-p', '', '-k', '--']

export function buildRemoteCommand(argv: readonly string[], opts: RemoteCommandOptions): string {
  return posixCommand(usesSudo(opts) ? [...SUDO_PREFIX, ...argv] : [...argv])
}

export function usesSudo(opts: RemoteCommandOptions): boolean {
  return opts.sudo === true && opts.username !== 'root'
}

// sudo's own messages (C locale) when the password read from stdin is wrong or missing.
const SUDO_WRONG_RE = /Sorry, try again|incorrect password attempt|Authentication failure/i
const SUDO_NONE_RE = /no password was provided|a password is required|a terminal is required/i
const SUDO_DENIED_RE = /is not in the sudoers file|is not allowed to (run|execute)|may not run sudo/i

export type SudoFailure = 'wrong-password' | 'password-required' | 'not-allowed'

/** Recognise a failure of sudo itself (as opposed to the command it ran) from exit code 1 and stderr. */
export function classifySudoFailure(code: number, stderr: string): SudoFailure | undefined {
  if (code !== 1) return undefined
  if (SUDO_WRONG_RE.test(stderr)) return 'wrong-password'
  if (SUDO_NONE_RE.test(stderr)) return 'password-required'
  if (SUDO_DENIED_RE.test(stderr)) return 'not-allowed'
  return undefined
}
