/**
 * keepalived.conf syntax: lines of words, `{ ... }` blocks (the brace may sit on the same or
 * the next line, and `a { b }` may share one line), comments from `#` or `!` to the end of the
 * line, and quoted strings ("..." or '...') that keep spaces. Produces a statement tree with
 * line numbers, so every later message can point at a line.
 *
 * Hostile input ends fast with a message naming the line or the limit: one linear pass, no
 * recursion (so 100,000 nested braces cannot overflow the stack), and the limits below.
 * Characters pasted from web pages (look-alike spaces and quotes, see lookalikes.ts) are read
 * as the ASCII they stand for, with a warning; a UTF-8 byte-order mark and CRLF are read too.
 */
import { codePoint, LookalikeLog, lookalikeKind } from './lookalikes'

/** Documented limits (agent/README.md). Real keepalived.conf files are a few KB and nest 3 deep. */
export const CONFIG_LIMITS = {
  /** Bytes per file (the main file and each included file). */
  maxFileBytes: 1024 * 1024,
  /** Depth of `{ }` blocks. keepalived's deepest real block (virtual_server/real_server/TCP_CHECK) is 3. */
  maxNesting: 16,
  /** Words, braces and quoted strings per file. */
  maxTokens: 100_000
} as const

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
  /** Absent: an error. */
  severity?: 'warning'
}

type Lexeme = Token | { brace: '{' | '}'; line: number } | { newline: true; line: number }

const ASCII_SPACE = new Set([' ', '\t', '\r', '\v', '\f'])

/** Thrown inside lex/parse when a limit is hit; turned into one issue. */
class LimitHit extends Error {
  constructor(readonly line: number, message: string) {
    super(message)
  }
}

function quoteClass(c: string): '"' | "'" | undefined {
  if (c === '"' || c === "'") return c
  const k = lookalikeKind(c)
  return k === 'double-quote' ? '"' : k === 'single-quote' ? "'" : undefined
}

/** Yields lexemes as it reads, so the parser's limits stop a hostile file where they are hit. */
function* lex(text: string, issues: SyntaxIssue[], pasted: LookalikeLog): Generator<Lexeme> {
  let line = 1
  let lineStart = 0
  let i = 0
  let words = 0
  const counted = <L extends Lexeme>(l: L): L => {
    if (++words > CONFIG_LIMITS.maxTokens) {
      throw new LimitHit(line, `more than ${CONFIG_LIMITS.maxTokens} words (the limit per file); a keepalived.conf this large is not a config, check the file`)
    }
    return l
  }
  /** The character at i, as the admin meant it: look-alikes become ASCII (and are logged). */
  const control = (c: string): never => {
    const what = c === '\0' ? 'a NUL byte: this looks like a binary file, not a keepalived.conf' : `control character ${codePoint(c)}; remove it`
    throw new LimitHit(line, `column ${i - lineStart + 1}: ${what}`)
  }
  // A byte-order mark at the very start is how some editors mark UTF-8: skip it quietly.
  if (text.startsWith('\ufeff')) i = 1
  while (i < text.length) {
    const c = text[i] as string
    const code = c.charCodeAt(0)
    if (c === '\n') {
      yield { newline: true, line }
      line++
      i++
      lineStart = i
    } else if (ASCII_SPACE.has(c)) {
      i++
    } else if (code < 0x20 || code === 0x7f) {
      control(c)
    } else if (c === '#' || c === '!') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '{' || c === '}') {
      yield counted({ brace: c, line })
      i++
    } else if (lookalikeKind(c) === 'space' || lookalikeKind(c) === 'invisible') {
      pasted.add(c, line, i - lineStart + 1)
      i++
    } else if (quoteClass(c)) {
      const q = quoteClass(c) as '"' | "'"
      if (c !== q) pasted.add(c, line, i - lineStart + 1)
      let s = ''
      let j = i + 1
      let closed = false
      // A string ends at its quote or at the end of the line: scanning stops there, so a file
      // of unterminated quotes stays linear.
      for (; j < text.length && text[j] !== '\n'; j++) {
        const d = text[j] as string
        if (quoteClass(d) === q) {
          if (d !== q) pasted.add(d, line, j - lineStart + 1)
          closed = true
          break
        }
        const dc = d.charCodeAt(0)
        if (dc < 0x20 && d !== '\t' && d !== '\r') {
          i = j
          control(d)
        }
        const k = lookalikeKind(d)
        if (k) pasted.add(d, line, j - lineStart + 1)
        s += k === 'space' ? ' ' : k === 'invisible' ? '' : k === 'double-quote' ? '"' : k === 'single-quote' ? "'" : d
      }
      if (!closed) {
        issues.push({ line, message: `unterminated ${q === '"' ? 'double' : 'single'} quote; close the string on the same line` })
        s = s.replace(/\r$/, '')
      }
      yield counted({ text: s, quoted: true, line })
      i = closed ? j + 1 : j
    } else {
      // A comment starts only where a word would (keepalived keeps "ab#c" as one word).
      let w = ''
      let j = i
      for (; j < text.length; j++) {
        const d = text[j] as string
        if (d === '\n' || ASCII_SPACE.has(d) || d === '{' || d === '}' || quoteClass(d)) break
        const k = lookalikeKind(d)
        if (k === 'space') break
        const dc = d.charCodeAt(0)
        if (dc < 0x20 || dc === 0x7f) {
          i = j
          control(d)
        }
        if (k === 'invisible') {
          pasted.add(d, line, j - lineStart + 1)
          continue
        }
        w += d
      }
      if (w) yield counted({ text: w, quoted: false, line })
      i = j
    }
  }
  yield { newline: true, line }
}

/**
 * Statements from lexemes, without recursion: a stack of open blocks. A newline ends a
 * statement unless the next thing on a later line is `{` (keepalived lets the brace sit on the
 * next line), so the decision waits for the next lexeme rather than looking ahead.
 */
function parse(lexemes: Iterable<Lexeme>, issues: SyntaxIssue[]): Statement[] {
  interface Frame { stmts: Statement[]; opener?: { keyword: string; line: number } }
  const root: Frame = { stmts: [] }
  const stack: Frame[] = [root]
  let words: Token[] = []
  let lineEnded = false
  const top = (): Frame => stack[stack.length - 1] as Frame
  const finish = (): void => {
    const [kw, ...args] = words
    if (kw) top().stmts.push({ keyword: kw.text, args, line: kw.line })
    words = []
    lineEnded = false
  }
  const open = (frame: Frame, line: number): void => {
    if (stack.length > CONFIG_LIMITS.maxNesting) {
      throw new LimitHit(line, `blocks nested more than ${CONFIG_LIMITS.maxNesting} deep (the limit; keepalived.conf needs at most 3); check for a run of "{"`)
    }
    stack.push(frame)
  }
  for (const l of lexemes) {
    if ('newline' in l) {
      if (words.length > 0) lineEnded = true
      continue
    }
    if ('brace' in l && l.brace === '{') {
      const [kw, ...args] = words
      words = []
      lineEnded = false
      if (!kw) {
        issues.push({ line: l.line, message: 'a "{" without a keyword before it; remove it or add the block name' })
        open({ stmts: [], opener: { keyword: '(none)', line: l.line } }, l.line)
        continue
      }
      const block: Statement[] = []
      top().stmts.push({ keyword: kw.text, args, line: kw.line, block })
      open({ stmts: block, opener: { keyword: kw.text, line: kw.line } }, l.line)
      continue
    }
    if (lineEnded) finish()
    if ('brace' in l) {
      finish()
      if (stack.length > 1) stack.pop()
      // keepalived: "Extra '}' found" and reads on.
      else issues.push({ line: l.line, severity: 'warning', message: 'a "}" without a matching "{" is ignored, as keepalived does; remove it' })
    } else {
      words.push(l)
    }
  }
  finish()
  for (let k = stack.length - 1; k >= 1; k--) {
    const o = (stack[k] as Frame).opener as { keyword: string; line: number }
    // keepalived: "There are 1 missing '}'s or extra '{'s" and reads the block to the end of the file.
    issues.push({ line: o.line, severity: 'warning', message: `the block "${o.keyword}" opened here is never closed, so it runs to the end of the file, as keepalived reads it; add a "}"` })
  }
  return root.stmts
}

export function parseStatements(text: string): { statements: Statement[]; issues: SyntaxIssue[] } {
  const issues: SyntaxIssue[] = []
  if (text.length > CONFIG_LIMITS.maxFileBytes) {
    return { statements: [], issues: [{ line: 1, message: `the file is larger than ${CONFIG_LIMITS.maxFileBytes} bytes (the limit); a keepalived.conf is a few KB, check the file` }] }
  }
  const pasted = new LookalikeLog()
  try {
    const statements = parse(lex(text, issues, pasted), issues)
    for (const w of pasted.warnings()) issues.push({ ...w, severity: 'warning' })
    return { statements, issues }
  } catch (err) {
    if (!(err instanceof LimitHit)) throw err
    return { statements: [], issues: [...issues, { line: err.line, message: err.message }] }
  }
}

