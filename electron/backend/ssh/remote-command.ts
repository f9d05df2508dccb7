// Builds the single command string an SSH "exec" request carries (RFC 4254 §6.5).
// Pure, so it can be tested for what matters: quoting and that no secret is in it.
import { posixCommand } from '../platform/quote'
import { sudoArgv, type SudoMarkers } from './sudo-dialogue'

export interface RemoteCommandOptions {
  /** Run through sudo (ignored for root, who needs none). */
  sudo?: boolean
  /** The login user; 'root' never gets sudo. */
  username: string
  /** The prompt and ready markers the caller watches for on stderr; required with sudo. */
  markers?: SudoMarkers
}

/**
 * The command string for `argv`, through sudo (see sudo-dialogue.ts) when asked for and the
 * user is not root. The sudo password is never part of it: it goes to stdin, and only when
 * sudo prompts for it.
 */
export function buildRemoteCommand(argv: readonly string[], opts: RemoteCommandOptions): string {
  if (!usesSudo(opts)) return posixCommand([...argv])
  if (!opts.markers) throw new Error('buildRemoteCommand: sudo needs the markers the caller watches for (newSudoMarkers())')
  return posixCommand(sudoArgv(argv, opts.markers))
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
