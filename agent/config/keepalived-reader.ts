/**
 * The shared reading helpers for keepalived.conf statements: typed values (whole numbers,
 * seconds as ms, commands as argv) with issues that carry the line, and the garp_* keywords
 * that global_defs and vrrp_instance share.
 */
import { splitCommandLine } from './argv'
import { nonAsciiNote } from './lookalikes'
import type { Statement, Token } from './keepalived-tokens'
import type { ConfigIssue, GarpConfig, RunAs } from './model'

export const GARP_FIELDS: Record<string, string> = {
  garp_master_delay: 'garp.masterDelayMs',
  garp_master_repeat: 'garp.masterRepeat',
  garp_master_refresh: 'garp.masterRefreshMs',
  garp_master_refresh_repeat: 'garp.masterRefreshRepeat',
  garp_interval: 'garp.intervalMs'
}

export class ConfReader {
  readonly issues: ConfigIssue[] = []
  /** path -> line where the value was set */
  readonly lines = new Map<string, number>()
  /** Set while reading a statement that came from an `include`d file: messages then name it. */
  file?: string

  private where(line: number): { line?: number; prefix: string } {
    return this.file ? { prefix: `${this.file} line ${line}: ` } : { line, prefix: '' }
  }
  error(line: number, message: string): void {
    const w = this.where(line)
    this.issues.push({ severity: 'error', message: w.prefix + message, ...(w.line !== undefined ? { line: w.line } : {}) })
  }
  warn(line: number, message: string): void {
    const w = this.where(line)
    this.issues.push({ severity: 'warning', message: w.prefix + message, ...(w.line !== undefined ? { line: w.line } : {}) })
  }
  /** keepalived logs "invalid ... ignoring" for a value it cannot read and carries on: so do we. */
  ignored(s: Statement, what: string, fallback = 'the default is used'): void {
    this.warn(s.line, `${what}; the line is ignored and ${fallback}, as keepalived does; fix the value`)
  }
  unsupported(ctx: string, s: Statement): void {
    const what = s.block ? `block "${s.keyword} { ... }"` : `keyword "${s.keyword}"`
    this.warn(s.line, `${ctx}${what} is not supported by havip-agent and is ignored${nonAsciiNote(s.keyword)}`)
  }

  /** Exactly one argument. */
  one(ctx: string, s: Statement): Token | undefined {
    if (s.args.length === 0) {
      this.error(s.line, `${ctx}${s.keyword} needs a value`)
      return undefined
    }
    if (s.args.length > 1) this.warn(s.line, `${ctx}${s.keyword}: extra words after the value are ignored: ${s.args.slice(1).map((a) => a.text).join(' ')}`)
    return s.args[0]
  }

  int(ctx: string, s: Statement): number | undefined {
    const t = this.one(ctx, s)
    if (!t) return undefined
    if (!/^-?\d+$/.test(t.text)) {
      this.ignored(s, `${ctx}${s.keyword} "${t.text}" is not a whole number`)
      return undefined
    }
    return Number(t.text)
  }

  /** Seconds, possibly fractional ("0.1"), as whole milliseconds. */
  secondsMs(ctx: string, s: Statement): number | undefined {
    const t = this.one(ctx, s)
    if (!t) return undefined
    if (!/^\d+(\.\d+)?$/.test(t.text)) {
      this.ignored(s, `${ctx}${s.keyword} "${t.text}" is not a number of seconds`)
      return undefined
    }
    return Math.round(Number(t.text) * 1000)
  }

  /** `script "..."`: one string split into argv; more words are more argv. */
  command(ctx: string, s: Statement): string[] | undefined {
    if (s.args.length === 0) {
      this.error(s.line, `${ctx}${s.keyword} needs a command`)
      return undefined
    }
    const [first, ...rest] = s.args as [Token, ...Token[]]
    if (rest.length > 0) return [first, ...rest].map((t) => t.text)
    const split = splitCommandLine(first.text)
    if ('error' in split) {
      this.error(s.line, `${ctx}${s.keyword}: ${split.error}`)
      return undefined
    }
    return split.argv
  }

  /** `notify_master "/path args" [USER [GROUP]]`: the command, then who runs it (keepalived's syntax). */
  notifyCommand(ctx: string, s: Statement): { argv: string[]; user?: RunAs } | undefined {
    const argv = this.command(ctx, { ...s, args: s.args.slice(0, 1) })
    if (!argv) return undefined
    const [user, group, ...extra] = s.args.slice(1).map((t) => t.text)
    if (extra.length > 0) this.warn(s.line, `${ctx}${s.keyword}: words after USER GROUP are ignored: ${extra.join(' ')}`)
    if (user === undefined) return { argv }
    return { argv, user: group === undefined ? { user } : { user, group } }
  }

  /** `script_user USER [GROUP]` / `user USER [GROUP]`. */
  runAs(ctx: string, s: Statement): RunAs | undefined {
    const [user, group, ...extra] = s.args.map((t) => t.text)
    if (user === undefined) {
      this.error(s.line, `${ctx}${s.keyword} needs a user name, e.g. "${s.keyword} nobody"`)
      return undefined
    }
    if (extra.length > 0) this.warn(s.line, `${ctx}${s.keyword}: words after USER GROUP are ignored: ${extra.join(' ')}`)
    return group === undefined ? { user } : { user, group }
  }
}

/** garp_* (instance) and vrrp_garp_* (global_defs) keywords, in seconds like keepalived. */
export function applyGarp(r: ConfReader, ctx: string, s: Statement, key: string, garp: GarpConfig): void {
  switch (key) {
    case 'garp_master_delay': {
      const v = r.secondsMs(ctx, s)
      if (v !== undefined) garp.masterDelayMs = v
      return
    }
    case 'garp_master_repeat': {
      const v = r.int(ctx, s)
      if (v !== undefined) garp.masterRepeat = v
      return
    }
    case 'garp_master_refresh': {
      const v = r.secondsMs(ctx, s)
      if (v !== undefined) garp.masterRefreshMs = v
      return
    }
    case 'garp_master_refresh_repeat': {
      const v = r.int(ctx, s)
      if (v !== undefined) garp.masterRefreshRepeat = v
      return
    }
    case 'garp_interval': {
      const v = r.secondsMs(ctx, s)
      if (v !== undefined) garp.intervalMs = v
      return
    }
  }
}

