// The `havip` command line, parsed into one plain object. Options are declared once per command
// (name, whether it takes a value, whether it repeats), so an unknown or misspelt option is an
// error that names the command's options instead of being ignored.

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface OptionSpec {
  /** Takes a value (`--vip 198.51.100.200/24` or `--vip=...`); otherwise a flag. */
  value?: boolean
  /** May be given more than once (values collect in order). */
  repeat?: boolean
}

export type OptionSpecs = Record<string, OptionSpec>

export interface Parsed {
  options: Record<string, string[]>
  flags: Set<string>
  positionals: string[]
}

/** Options every command accepts, before or after the command words. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  '--data-dir': { value: true },
  '--json': {},
  '--help': {}
}

/** Options of every command that reaches nodes. */
export const NODE_OPTIONS: OptionSpecs = {
  '--node': { value: true, repeat: true },
  '--identity': { value: true },
  '--password-file': { value: true },
  '--sudo-password-file': { value: true },
  '--trust-new-host-keys': {}
}

export function parseArgs(argv: string[], specs: OptionSpecs, context: string): Parsed {
  const out: Parsed = { options: {}, flags: new Set(), positionals: [] }
  let onlyPositionals = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (onlyPositionals || !a.startsWith('--') || a === '-') {
      out.positionals.push(a)
      continue
    }
    if (a === '--') {
      onlyPositionals = true
      continue
    }
    const eq = a.indexOf('=')
    const name = eq >= 0 ? a.slice(0, eq) : a
    const spec = specs[name]
    if (!spec) {
      const known = Object.keys(specs).sort().join(', ')
      throw new UsageError(`${context}: unknown option ${name}. Options here: ${known}.`)
    }
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`${context}: ${name} takes no value (got "${a.slice(eq + 1)}").`)
      out.flags.add(name)
      continue
    }
    let v: string | undefined
    if (eq >= 0) v = a.slice(eq + 1)
    else {
      v = argv[i + 1]
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${context}: ${name} needs a value.`)
      i++
    }
    const list = (out.options[name] ??= [])
    if (list.length > 0 && !spec.repeat) throw new UsageError(`${context}: ${name} may be given only once.`)
    list.push(v)
  }
  return out
}

export function optionValue(p: Parsed, name: string): string | undefined {
  return p.options[name]?.[0]
}

/** An integer option within [min, max], or undefined when absent. */
export function intOption(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = optionValue(p, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${v}".`)
  }
  return Number(v)
}
