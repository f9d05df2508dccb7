// The one place where argument vectors become remote command strings.
// SSH "exec" takes a single string that the remote login shell parses, so every argument
// is quoted here and nowhere else (DESIGN.md §7.5). Never concatenate user input into a
// command by hand.

export class QuoteError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'QuoteError'
  }
}

function rejectNul(arg: string, where: string): void {
  // A NUL byte cannot be passed in an argv element on any OS; the remote side would
  // silently truncate the argument, so refuse instead of guessing.
  if (arg.includes('\0')) {
    throw new QuoteError(`${where}: argument contains a NUL byte, which no command line can carry; remove it`)
  }
}

// Characters that never need quoting in any POSIX shell (sh, bash, dash, zsh, ash).
const POSIX_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/

/**
 * Quote one argument for a POSIX shell: single quotes, with each embedded ' written as
 * '\'' (close, escaped quote, reopen). Inside single quotes nothing is special
 * (POSIX.1-2017 XCU §2.2.2), so $(), backticks, globs and newlines stay literal.
 * The empty string becomes ''.
 */
export function quotePosix(arg: string): string {
  rejectNul(arg, 'quotePosix')
  if (arg !== '' && POSIX_SAFE.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/** Join an argv into one POSIX shell command line, each element quoted. */
export function posixCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new QuoteError('posixCommand: empty argv; give at least the program name')
  return argv.map(quotePosix).join(' ')
}

/**
 * Quote one argument as a PowerShell single-quoted (verbatim) string literal: nothing
 * inside is expanded; an embedded quote is written twice. PowerShell also treats the
 * typographic quotes U+2018..U+201B as single quotes, so those are doubled as well.
 */
export function quotePowerShell(arg: string): string {
  rejectNul(arg, 'quotePowerShell')
  return `'${arg.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`
}
