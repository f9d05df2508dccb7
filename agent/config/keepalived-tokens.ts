/**
 * keepalived.conf syntax: lines of words, `{ ... }` blocks (the brace may sit on the same or
 * the next line, and `a { b }` may share one line), comments from `#` or `!` to the end of the
 * line, and quoted strings ("..." or '...') that keep spaces. Produces a statement tree with
 * line numbers, so every later message can point at a line.
 */
export interface Token {
  text: string
  quoted: boolean
  line: number
}

export interface Statement {
  keyword: string
  args: Token[]
  line: number
  /** Present when the statement opens a `{ ... }` block. */
  block?: Statement[]
}

export interface SyntaxIssue {
  message: string
  line: number
}

type Lexeme = Token | { brace: '{' | '}'; line: number } | { newline: true; line: number }

function lex(text: string, issues: SyntaxIssue[]): Lexeme[] {
  const out: Lexeme[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === '\n') {
      out.push({ newline: true, line })
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '#' || c === '!') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '{' || c === '}') {
      out.push({ brace: c, line })
      i++
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1)
      const nl = text.indexOf('\n', i + 1)
      if (end === -1 || (nl !== -1 && nl < end)) {
        issues.push({ line, message: `unterminated ${c === '"' ? 'double' : 'single'} quote; close the string on the same line` })
        const stop = nl === -1 ? text.length : nl
        out.push({ text: text.slice(i + 1, stop), quoted: true, line })
        i = stop
      } else {
        out.push({ text: text.slice(i + 1, end), quoted: true, line })
        i = end + 1
      }
    } else {
      // A comment starts only where a word would (keepalived keeps "ab#c" as one word).
      let j = i
      while (j < text.length && !' \t\r\n{}"\''.includes(text[j] as string)) j++
      out.push({ text: text.slice(i, j), quoted: false, line })
      i = j
    }
  }
  out.push({ newline: true, line })
  return out
}

export function parseStatements(text: string): { statements: Statement[]; issues: SyntaxIssue[] } {
  const issues: SyntaxIssue[] = []
  const lexemes = lex(text, issues)
  let pos = 0

  const nextSignificant = (): Lexeme | undefined => {
    let k = pos
    while (k < lexemes.length && 'newline' in (lexemes[k] as Lexeme)) k++
    return lexemes[k]
  }

  const parseBlock = (opener?: { keyword: string; line: number }): Statement[] => {
    const stmts: Statement[] = []
    let words: Token[] = []
    const finish = (): void => {
      const [kw, ...args] = words
      if (kw) stmts.push({ keyword: kw.text, args, line: kw.line })
      words = []
    }
    while (pos < lexemes.length) {
      const l = lexemes[pos++] as Lexeme
      if ('newline' in l) {
        // `vrrp_instance X` followed by `{` on the next line still opens the block.
        const next = nextSignificant()
        if (words.length > 0 && !(next && 'brace' in next && next.brace === '{')) finish()
      } else if ('brace' in l) {
        if (l.brace === '{') {
          const [kw, ...args] = words
          words = []
          if (!kw) {
            issues.push({ line: l.line, message: 'a "{" without a keyword before it; remove it or add the block name' })
            parseBlock({ keyword: '(none)', line: l.line })
            continue
          }
          const block = parseBlock({ keyword: kw.text, line: kw.line })
          stmts.push({ keyword: kw.text, args, line: kw.line, block })
        } else {
          finish()
          if (opener) return stmts
          issues.push({ line: l.line, message: 'a "}" without a matching "{"; remove it' })
        }
      } else {
        words.push(l)
      }
    }
    finish()
    if (opener) issues.push({ line: opener.line, message: `the block "${opener.keyword}" opened here is never closed; add a "}"` })
    return stmts
  }

  const statements = parseBlock()
  return { statements, issues }
}
