/**
 * Split a keepalived `script "..."` / `notify_* "..."` string into an argv, with the quoting
 * rules people expect from a shell (single quotes literal, double quotes with \" and \\,
 * backslash escapes outside quotes) but without a shell: no variables, globs, pipes or `;`.
 * The result is passed to spawn() as an array, so nothing in it is ever interpreted.
 */
export type SplitResult = { argv: string[] } | { error: string }

export function splitCommandLine(text: string): SplitResult {
  const argv: string[] = []
  let current = ''
  let inWord = false
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) argv.push(current)
      current = ''
      inWord = false
      i++
      continue
    }
    inWord = true
    if (c === "'") {
      const end = text.indexOf("'", i + 1)
      if (end === -1) return { error: `unterminated single quote at character ${i + 1} of ${JSON.stringify(text)}` }
      current += text.slice(i + 1, end)
      i = end + 1
      continue
    }
    if (c === '"') {
      i++
      let closed = false
      while (i < text.length) {
        const d = text[i] as string
        if (d === '"') {
          closed = true
          i++
          break
        }
        if (d === '\\' && i + 1 < text.length && ['"', '\\', '$', '`'].includes(text[i + 1] as string)) {
          current += text[i + 1]
          i += 2
          continue
        }
        current += d
        i++
      }
      if (!closed) return { error: `unterminated double quote in ${JSON.stringify(text)}` }
      continue
    }
    if (c === '\\') {
      if (i + 1 >= text.length) return { error: `trailing backslash in ${JSON.stringify(text)}` }
      current += text[i + 1]
      i += 2
      continue
    }
    current += c
    i++
  }
  if (inWord) argv.push(current)
  if (argv.length === 0) return { error: 'empty command' }
  return { argv }
}
