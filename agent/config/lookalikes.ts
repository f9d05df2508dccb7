/**
 * Characters that look like spaces or quotes but are not: what a keepalived.conf copied from a
 * web page (a cloud provider's guide, a blog, a wiki) carries. Word processors and CMSs turn
 * `"` into “ ”, indent code with NO-BREAK SPACE, and insert ZERO WIDTH SPACE where a long line
 * may wrap. keepalived splits words on ASCII space and tab only, so to it `priority\u00a0100`
 * is one unknown keyword. havip-agent reads them the way the admin meant them (a space, no
 * character at all, an ASCII quote) and says so, naming each character by code point, name,
 * line and column, so the file can be fixed.
 */

/** Look-alike spaces: read as one ASCII space (they separate words on the page). */
export const SPACE_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ['\u00a0', 'NO-BREAK SPACE'],
  ['\u1680', 'OGHAM SPACE MARK'],
  ['\u2000', 'EN QUAD'],
  ['\u2001', 'EM QUAD'],
  ['\u2002', 'EN SPACE'],
  ['\u2003', 'EM SPACE'],
  ['\u2004', 'THREE-PER-EM SPACE'],
  ['\u2005', 'FOUR-PER-EM SPACE'],
  ['\u2006', 'SIX-PER-EM SPACE'],
  ['\u2007', 'FIGURE SPACE'],
  ['\u2008', 'PUNCTUATION SPACE'],
  ['\u2009', 'THIN SPACE'],
  ['\u200a', 'HAIR SPACE'],
  ['\u202f', 'NARROW NO-BREAK SPACE'],
  ['\u205f', 'MEDIUM MATHEMATICAL SPACE'],
  ['\u3000', 'IDEOGRAPHIC SPACE']
])

/**
 * Invisible characters: read as nothing (they have no width on the page, so the admin saw the
 * text around them joined). A byte-order mark at the very start of the file is normal for
 * some Windows editors and is skipped without a warning.
 */
export const INVISIBLE: ReadonlyMap<string, string> = new Map([
  ['\u200b', 'ZERO WIDTH SPACE'],
  ['\u200c', 'ZERO WIDTH NON-JOINER'],
  ['\u200d', 'ZERO WIDTH JOINER'],
  ['\u2060', 'WORD JOINER'],
  ['\u00ad', 'SOFT HYPHEN'],
  ['\ufeff', 'ZERO WIDTH NO-BREAK SPACE (byte-order mark)']
])

/** Look-alike quotes, read as the ASCII quote they stand for. */
export const DOUBLE_QUOTE_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ['\u201c', 'LEFT DOUBLE QUOTATION MARK'],
  ['\u201d', 'RIGHT DOUBLE QUOTATION MARK'],
  ['\u201e', 'DOUBLE LOW-9 QUOTATION MARK'],
  ['\u201f', 'DOUBLE HIGH-REVERSED-9 QUOTATION MARK'],
  ['\u2033', 'DOUBLE PRIME'],
  ['\u00ab', 'LEFT-POINTING DOUBLE ANGLE QUOTATION MARK'],
  ['\u00bb', 'RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK'],
  ['\uff02', 'FULLWIDTH QUOTATION MARK']
])
export const SINGLE_QUOTE_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ['\u2018', 'LEFT SINGLE QUOTATION MARK'],
  ['\u2019', 'RIGHT SINGLE QUOTATION MARK'],
  ['\u201a', 'SINGLE LOW-9 QUOTATION MARK'],
  ['\u201b', 'SINGLE HIGH-REVERSED-9 QUOTATION MARK'],
  ['\u2032', 'PRIME'],
  ['\uff07', 'FULLWIDTH APOSTROPHE']
])

export type LookalikeKind = 'space' | 'invisible' | 'double-quote' | 'single-quote'

export function lookalikeKind(c: string): LookalikeKind | undefined {
  if (SPACE_LOOKALIKES.has(c)) return 'space'
  if (INVISIBLE.has(c)) return 'invisible'
  if (DOUBLE_QUOTE_LOOKALIKES.has(c)) return 'double-quote'
  if (SINGLE_QUOTE_LOOKALIKES.has(c)) return 'single-quote'
  return undefined
}

export function codePoint(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

export function charName(c: string): string {
  return SPACE_LOOKALIKES.get(c) ?? INVISIBLE.get(c) ?? DOUBLE_QUOTE_LOOKALIKES.get(c) ?? SINGLE_QUOTE_LOOKALIKES.get(c) ?? 'character'
}

const WHY: Record<LookalikeKind, string> = {
  space: 'looks like a space but keepalived splits words on ASCII space and tab only; read as a space',
  invisible: 'is invisible, and keepalived would keep it as part of the word; read as nothing',
  'double-quote': 'looks like a double quote but keepalived quotes with ASCII " only; read as a plain double quote (")',
  'single-quote': "looks like a single quote but keepalived quotes with ASCII ' only; read as a plain single quote (')"
}

/** Where each look-alike was met, to report once per character with its first places. */
export class LookalikeLog {
  private readonly seen = new Map<string, { line: number; column: number }[]>()

  add(c: string, line: number, column: number): void {
    const list = this.seen.get(c)
    if (list) list.push({ line, column })
    else this.seen.set(c, [{ line, column }])
  }

  /** One warning per character, at its first line: "U+00A0 NO-BREAK SPACE at line 3 column 1, ...". */
  warnings(): { line: number; message: string }[] {
    const out: { line: number; message: string }[] = []
    for (const [c, at] of this.seen) {
      const kind = lookalikeKind(c) as LookalikeKind
      const first = at.slice(0, 5).map((p) => `line ${p.line} column ${p.column}`).join(', ')
      const more = at.length > 5 ? ` and ${at.length - 5} more` : ''
      out.push({
        line: (at[0] as { line: number }).line,
        message:
          `${codePoint(c)} ${charName(c)} at ${first}${more}: ${WHY[kind]}. ` +
          'The text was probably copied from a web page: retype those characters to silence this warning'
      })
    }
    return out.sort((a, b) => a.line - b.line)
  }
}

/**
 * For an unknown keyword: name the characters that are not ASCII (a Cyrillic "о" in "priоrity"
 * looks right and is not), e.g. ' (it contains U+043E, which is not ASCII; retype the word)'.
 */
export function nonAsciiNote(word: string): string {
  const odd = [...new Set([...word].filter((c) => c.charCodeAt(0) > 0x7e))]
  if (odd.length === 0) return ''
  return ` (it contains ${odd.map(codePoint).join(', ')}, which ${odd.length === 1 ? 'is' : 'are'} not ASCII; retype the word)`
}
