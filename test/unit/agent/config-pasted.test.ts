/**
 * keepalived.conf files pasted from web pages (issue 9, item 6): look-alike spaces and quotes
 * are read the way the admin meant them, each named by code point, name, line and column in a
 * warning; a UTF-8 byte-order mark and CRLF line ends are read too. The fixtures in
 * fixtures/pasted/ were written for these tests to mimic cloud-guide pages (their header says
 * so); they were not captured from real pages.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseKeepalivedConf } from '../../../agent/config/keepalived-conf'
import { parseStatements } from '../../../agent/config/keepalived-tokens'
import { loadConfig } from '../../../agent/config/load'

const DIR = join(__dirname, 'fixtures', 'pasted')
const read = (name: string) => readFileSync(join(DIR, name), 'utf8')
const errors = (issues: { severity: string }[]) => issues.filter((i) => i.severity === 'error')
const warnings = (issues: { severity: string; message: string; line?: number }[]) => issues.filter((i) => i.severity === 'warning')

/** Line and column (1-based, in UTF-16 units like the agent's messages) of the first `c` after `after`. */
function where(text: string, c: string, after = ''): { line: number; column: number } {
  const at = text.indexOf(c, after ? text.indexOf(after) : 0)
  const before = text.slice(0, at)
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') }
}

describe('configs pasted from web pages', () => {
  const clean = parseKeepalivedConf(read('clean.conf'))

  it('the clean twin is a valid config (the reference)', () => {
    expect(errors(clean.issues)).toEqual([])
    expect(clean.config?.scripts[0]?.argv).toEqual(['/usr/bin/killall', '-0', 'nginx'])
  })

  it('reads NO-BREAK SPACE indentation, typographic quotes and invisible characters as meant, with one warning per character', () => {
    const text = read('web-page.conf')
    const r = parseKeepalivedConf(text)
    expect(errors(r.issues)).toEqual([])
    expect(r.config).toEqual(clean.config)
    const w = warnings(r.issues)
    const nbsp = where(text, '\u00a0')
    expect(w).toContainEqual({
      severity: 'warning',
      line: nbsp.line,
      message: expect.stringMatching(new RegExp(`^U\\+00A0 NO-BREAK SPACE at line ${nbsp.line} column ${nbsp.column}, line \\d+ column \\d+, .* and \\d+ more: looks like a space but keepalived splits words on ASCII space and tab only; read as a space\\.`))
    })
    const expectChar = (c: string, name: string, readAs: string) => {
      const p = where(text, c)
      expect(w, name).toContainEqual(expect.objectContaining({ line: p.line, message: expect.stringContaining(`${name} at line ${p.line} column ${p.column}`) }))
      expect(w.find((i) => i.message.includes(name))?.message).toContain(readAs)
    }
    expectChar('\u201c', 'U+201C LEFT DOUBLE QUOTATION MARK', 'read as a plain double quote (")')
    expectChar('\u201d', 'U+201D RIGHT DOUBLE QUOTATION MARK', 'read as a plain double quote (")')
    expectChar('\u2018', 'U+2018 LEFT SINGLE QUOTATION MARK', "read as a plain single quote (')")
    expectChar('\u2019', 'U+2019 RIGHT SINGLE QUOTATION MARK', "read as a plain single quote (')")
    expectChar('\u2003', 'U+2003 EM SPACE', 'read as a space')
    expectChar('\u2009', 'U+2009 THIN SPACE', 'read as a space')
    expectChar('\u3000', 'U+3000 IDEOGRAPHIC SPACE', 'read as a space')
    expectChar('\u200b', 'U+200B ZERO WIDTH SPACE', 'is invisible, and keepalived would keep it as part of the word; read as nothing')
    expectChar('\ufeff', 'U+FEFF ZERO WIDTH NO-BREAK SPACE (byte-order mark)', 'read as nothing')
    // the apostrophe in the header comment is not reported: comments are not read
    expect(w.every((i) => (i.line ?? 0) > 3)).toBe(true)
  })

  it('reads a UTF-8 byte-order mark and CRLF line ends without a word', () => {
    const r = loadConfig({ keepalivedConfPath: join(DIR, 'windows-bom-crlf.conf') })
    expect(r.issues).toEqual([])
    expect(r.config).toEqual(clean.config)
  })

  it('names invisible characters inside a word, and keeps ASCII quotes inside typographic ones', () => {
    const r = parseStatements('prio\u200brity 100\nscript \u201c/bin/sh -c \'exit 0\'\u201d\n')
    expect(r.statements.map((s) => [s.keyword, s.args.map((a) => a.text)])).toEqual([
      ['priority', ['100']],
      ['script', ["/bin/sh -c 'exit 0'"]]
    ])
    expect(r.issues.map((i) => [i.line, i.message.split(':')[0]])).toEqual([
      [1, 'U+200B ZERO WIDTH SPACE at line 1 column 5'],
      [2, 'U+201C LEFT DOUBLE QUOTATION MARK at line 2 column 8'],
      [2, 'U+201D RIGHT DOUBLE QUOTATION MARK at line 2 column 28']
    ])
  })

  it('names non-ASCII letters in an unknown keyword (a homoglyph looks right and is not)', () => {
    const r = parseKeepalivedConf('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n pri\u043erity 100\n}\n')
    expect(r.issues).toContainEqual(expect.objectContaining({ line: 4, message: 'vrrp_instance VI_1: keyword "pri\u043erity" is not supported by havip-agent and is ignored (it contains U+043E, which is not ASCII; retype the word)' }))
  })
})
