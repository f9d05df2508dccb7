/**
 * Read a config file from disk: the agent's JSON (--config) or a keepalived.conf
 * (--keepalived-conf, with `include` followed). File errors become issues, never exceptions,
 * so `havip-agent check-config` can print them all and exit non-zero.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { parseJsonConfig } from './json-config'
import { parseKeepalivedConf } from './keepalived-conf'
import { CONFIG_LIMITS } from './keepalived-tokens'
import type { ConfigIssue, ConfigResult, ConfigTarget } from './model'

function readText(path: string, what: string): { text: string; warning?: ConfigIssue } | { issue: ConfigIssue } {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const st = fstatSync(fd)
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    // Never read more than the limit (plus one byte to know it was exceeded): a 10 GB file or
    // /dev/zero ends here, not in memory.
    const buf = Buffer.alloc(CONFIG_LIMITS.maxFileBytes + 1)
    let n = 0
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null)
    if (n > CONFIG_LIMITS.maxFileBytes) {
      return { issue: { severity: 'error', message: `cannot read ${what} ${path}: it is larger than ${CONFIG_LIMITS.maxFileBytes} bytes (the limit per file); a config is a few KB, check the path` } }
    }
    return decodeText(buf.subarray(0, n), path)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why =
      e.code === 'ENOENT' ? 'it does not exist; check the path'
      : e.code === 'EACCES' ? 'permission denied; run as root or fix the file mode'
      : e.code === 'EISDIR' ? 'it is a directory; give the file inside it'
      : e.message
    return { issue: { severity: 'error', message: `cannot read ${what} ${path}: ${why}` } }
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * UTF-8 text, as keepalived (which reads bytes) would see it. A NUL byte means a binary file;
 * bytes that are not UTF-8 (a Latin-1 editor) are replaced by U+FFFD with a warning naming the
 * line, since a value there (a password, a path) would not be what the file's bytes say.
 */
function decodeText(buf: Buffer, path: string): { text: string; warning?: ConfigIssue } | { issue: ConfigIssue } {
  const nul = buf.indexOf(0)
  if (nul !== -1) {
    const line = countLines(buf, nul)
    return { issue: { severity: 'error', message: `${path} line ${line}: contains a NUL byte: this looks like a binary file, not a config; check the path` } }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf) }
  } catch {
    const text = buf.toString('utf8')
    const bad = text.indexOf('\ufffd')
    const line = text.slice(0, bad).split('\n').length
    return { text, warning: { severity: 'warning', message: `${path} line ${line}: the file is not valid UTF-8 (saved as Latin-1?); the bad bytes were replaced by U+FFFD; save the file as UTF-8` } }
  }
}

function countLines(buf: Buffer, end: number): number {
  let line = 1
  for (let k = buf.indexOf(10); k !== -1 && k < end; k = buf.indexOf(10, k + 1)) line++
  return line
}

/** Files one `include` pattern may name. */
export const MAX_INCLUDE_FILES = 256

/** `*` and `?` in the file-name part only, like the common `include /etc/keepalived/conf.d/*.conf`. */
function globFiles(pattern: string): string[] {
  const dir = dirname(pattern)
  const base = basename(pattern)
  if (!/[*?]/.test(base)) return [pattern]
  if (/[*?[]/.test(dir)) throw new Error('wildcards are supported only in the file name, not in directories')
  const re = new RegExp(`^${base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const matched = names.filter((n) => re.test(n)).sort()
  if (matched.length > MAX_INCLUDE_FILES) throw new Error(`matches ${matched.length} files, more than ${MAX_INCLUDE_FILES} (the limit); narrow the pattern`)
  return matched.map((n) => join(dir, n))
}

export function loadConfig(src: { configPath?: string; keepalivedConfPath?: string; target?: ConfigTarget }): ConfigResult {
  if (src.configPath !== undefined && src.keepalivedConfPath !== undefined) {
    return { issues: [{ severity: 'error', message: 'both a JSON config and a keepalived.conf were given; use exactly one' }] }
  }
  if (src.configPath !== undefined) {
    const r = readText(src.configPath, 'config file')
    if ('issue' in r) return { issues: [r.issue] }
    return withWarning(parseJsonConfig(r.text, { target: src.target }), r.warning)
  }
  if (src.keepalivedConfPath !== undefined) {
    const main = resolve(src.keepalivedConfPath)
    const r = readText(main, 'keepalived.conf')
    if ('issue' in r) return { issues: [r.issue] }
    const decodeWarnings: ConfigIssue[] = r.warning ? [r.warning] : []
    const res = parseKeepalivedConf(r.text, {
      target: src.target,
      includeResolver: (pattern) => {
        const full = isAbsolute(pattern) ? pattern : join(dirname(main), pattern)
        return globFiles(full).map((name) => {
          const t = readText(name, 'included file')
          if ('issue' in t) throw new Error(t.issue.message)
          if (t.warning) decodeWarnings.push(t.warning)
          return { name, text: t.text }
        })
      }
    })
    return decodeWarnings.reduce(withWarning, res)
  }
  return { issues: [{ severity: 'error', message: 'no config given; use --config FILE (JSON) or --keepalived-conf FILE' }] }
}

function withWarning(res: ConfigResult, warning: ConfigIssue | undefined): ConfigResult {
  return warning ? { ...res, issues: [warning, ...res.issues] } : res
}

/** One issue per line, errors first, e.g. "error: line 12: vrrp_instance VI_1: priority 300 is out of range 1..255; ..." */
export function formatIssues(issues: ConfigIssue[]): string {
  const sorted = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
  return sorted.map((i) => `${i.severity}: ${i.line !== undefined ? `line ${i.line}: ` : ''}${i.message}`).join('\n')
}
