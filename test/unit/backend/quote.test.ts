// Shell quoting, proven against real shells: every hostile string must reach the program
// byte-for-byte as one argument, and nothing in it may be interpreted.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { posixCommand, quotePosix, quotePowerShell, QuoteError } from '../../../electron/backend/platform/quote'

const HOSTILE: string[] = [
  '',
  ' ',
  'plain',
  "'",
  "''",
  '"',
  `it's`,
  `"double" and 'single'`,
  '$(id)',
  '`id`',
  '$HOME',
  '${IFS}x',
  "$'\\x41'",
  '\\',
  '\\n',
  'a\nb',
  '\n',
  '\r\n',
  '\t tab',
  '*',
  '?',
  '[a-z]*',
  '~',
  '~root/x',
  '{a,b}',
  '-n',
  '-e',
  '--',
  '--help',
  '-',
  '!',
  '!!',
  '!$',
  '#comment',
  'a;b',
  'a && b || c',
  'a | b',
  '> /tmp/x',
  '< /etc/passwd',
  '2>&1',
  '&',
  '%s %d %%',
  'x=1',
  'unicode: ü 日本語 🚀 \u202e\u00a0',
  'a b  c',
  ' leading and trailing ',
  "'\"'\"'",
  'end\\',
  "\u2018smart\u2019 quotes",
  '\x01\x07\x1b[31mred\x1b[0m'
]

/** Deterministic pseudo-random strings over a nasty alphabet (no NUL: argv cannot carry it). */
function fuzzStrings(count: number): string[] {
  const alphabet = ` \t\n\r'"\`$\\!*?[]{}()<>|&;#~=%^,.:/-_aZ0\u00e9\u65e5\u{1F680}`
  const chars = [...alphabet]
  let seed = 0x2f6b1a3c
  const rnd = (): number => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 0x100000000
  }
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const len = Math.floor(rnd() * 24)
    let s = ''
    for (let j = 0; j < len; j++) s += chars[Math.floor(rnd() * chars.length)]
    out.push(s)
  }
  return out
}

/** Run `printf '%s\0' ARGS...` through `shell -c` with our quoting and split what arrives. */
function roundTrip(shell: string, args: string[]): string[] {
  const cmd = posixCommand(['printf', '%s\\0', ...args])
  const out = execFileSync(shell, ['-c', cmd], { encoding: 'buffer', timeout: 10_000, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } })
  const parts = out.toString('utf8').split('\0')
  parts.pop() // trailing terminator
  return parts
}

const shells = ['/bin/sh', '/bin/bash', '/bin/dash', '/usr/bin/zsh'].filter((s) => existsSync(s))

describe('quotePosix', () => {
  it('leaves plainly safe words alone and quotes everything else', () => {
    expect(quotePosix('eth0')).toBe('eth0')
    expect(quotePosix('/opt/havip/agent.cjs')).toBe('/opt/havip/agent.cjs')
    expect(quotePosix('')).toBe("''")
    expect(quotePosix("it's")).toBe(`'it'\\''s'`)
    expect(quotePosix('$(id)')).toBe(`'$(id)'`)
  })

  it('rejects NUL with a message saying why', () => {
    expect(() => quotePosix('a\0b')).toThrow(QuoteError)
    expect(() => quotePosix('a\0b')).toThrow(/NUL byte/)
  })

  it('refuses an empty argv', () => {
    expect(() => posixCommand([])).toThrow(/empty argv/)
  })

  it('found at least sh and bash to test against', () => {
    expect(shells).toContain('/bin/sh')
    expect(shells).toContain('/bin/bash')
  })

  for (const shell of shells) {
    it(`round-trips every hostile string through a real ${shell}`, () => {
      const run = (args: string[]): string[] => roundTrip(shell, args)
      expect(run(HOSTILE)).toEqual(HOSTILE)
      // Each alone too: an empty first argument must not vanish.
      for (const s of ['', ' ', '-n', "'"]) expect(run([s])).toEqual([s])
    })

    it(`round-trips 300 fuzzed strings through ${shell}`, () => {
      const fuzz = fuzzStrings(300)
      expect(roundTrip(shell, fuzz)).toEqual(fuzz)
    })
  }

  it('keeps $() and backticks from running: no file is created', () => {
    const marker = `/tmp/havip-quote-test-${process.pid}`
    const cmd = posixCommand(['printf', '%s', `$(touch ${marker})`, `\`touch ${marker}\``, `;touch ${marker}`])
    const out = execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', timeout: 10_000 })
    // printf reuses its format for each argument, so the three arrive concatenated, verbatim.
    expect(out).toBe(`$(touch ${marker})\`touch ${marker}\`;touch ${marker}`)
    expect(existsSync(marker)).toBe(false)
  })
})

describe('quotePowerShell', () => {
  it('makes a verbatim single-quoted literal, doubling embedded quotes', () => {
    expect(quotePowerShell('')).toBe("''")
    expect(quotePowerShell('C:\\Program Files\\HAVIP')).toBe("'C:\\Program Files\\HAVIP'")
    expect(quotePowerShell("it's")).toBe("'it''s'")
    expect(quotePowerShell('$env:PATH; Remove-Item x')).toBe("'$env:PATH; Remove-Item x'")
    expect(quotePowerShell('`n "x"')).toBe("'`n \"x\"'")
    // PowerShell also closes a literal with typographic single quotes: double those too.
    expect(quotePowerShell('a\u2019b')).toBe("'a\u2019\u2019b'")
  })

  it('leaves no lone quote inside the literal for any hostile string', () => {
    for (const s of [...HOSTILE, ...fuzzStrings(200)]) {
      const q = quotePowerShell(s)
      expect(q.startsWith("'") && q.endsWith("'")).toBe(true)
      const inner = q.slice(1, -1)
      // Remove doubled quotes; what remains must contain no quote character at all.
      expect(inner.replace(/(['\u2018\u2019\u201A\u201B])\1/g, '')).not.toMatch(/['\u2018\u2019\u201A\u201B]/)
    }
  })

  it('rejects NUL', () => {
    expect(() => quotePowerShell('\0')).toThrow(QuoteError)
  })
})
