/**
 * Read a config file from disk: the agent's JSON (--config) or a keepalived.conf
 * (--keepalived-conf, with `include` followed). File errors become issues, never exceptions,
 * so `havip-agent check-config` can print them all and exit non-zero.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { parseJsonConfig } from './json-config'
import { parseKeepalivedConf } from './keepalived-conf'
import type { ConfigIssue, ConfigResult } from './model'

function readText(path: string, what: string): { text: string } | { issue: ConfigIssue } {
  try {
    return { text: readFileSync(path, 'utf8') }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why =
      e.code === 'ENOENT' ? 'it does not exist; check the path'
      : e.code === 'EACCES' ? 'permission denied; run as root or fix the file mode'
      : e.code === 'EISDIR' ? 'it is a directory; give the file inside it'
      : e.message
    return { issue: { severity: 'error', message: `cannot read ${what} ${path}: ${why}` } }
  }
}

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
  return names.filter((n) => re.test(n)).sort().map((n) => join(dir, n))
}

export function loadConfig(src: { configPath?: string; keepalivedConfPath?: string }): ConfigResult {
  if (src.configPath !== undefined && src.keepalivedConfPath !== undefined) {
    return { issues: [{ severity: 'error', message: 'both a JSON config and a keepalived.conf were given; use exactly one' }] }
  }
  if (src.configPath !== undefined) {
    const r = readText(src.configPath, 'config file')
    return 'issue' in r ? { issues: [r.issue] } : parseJsonConfig(r.text)
  }
  if (src.keepalivedConfPath !== undefined) {
    const main = resolve(src.keepalivedConfPath)
    const r = readText(main, 'keepalived.conf')
    if ('issue' in r) return { issues: [r.issue] }
    return parseKeepalivedConf(r.text, {
      includeResolver: (pattern) => {
        const full = isAbsolute(pattern) ? pattern : join(dirname(main), pattern)
        return globFiles(full).map((name) => {
          const t = readText(name, 'included file')
          if ('issue' in t) throw new Error(t.issue.message)
          return { name, text: t.text }
        })
      }
    })
  }
  return { issues: [{ severity: 'error', message: 'no config given; use --config FILE (JSON) or --keepalived-conf FILE' }] }
}

/** One issue per line, errors first, e.g. "error: line 12: vrrp_instance VI_1: priority 300 is out of range 1..255; ..." */
export function formatIssues(issues: ConfigIssue[]): string {
  const sorted = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
  return sorted.map((i) => `${i.severity}: ${i.line !== undefined ? `line ${i.line}: ` : ''}${i.message}`).join('\n')
}
