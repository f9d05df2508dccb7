/**
 * Structured log: one JSON object per line on stderr and, if configured, appended to a
 * log file. Never log secrets (auth passwords, script environments).
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void

export interface Logger {
  log: LogFn
  child(fields: Record<string, unknown>): Logger
}

export function createLogger(opts: { file?: string; stderr?: boolean; minLevel?: LogLevel } = {}): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }
  const min = order[opts.minLevel ?? 'info']
  let fileOk = true
  if (opts.file) {
    try {
      mkdirSync(dirname(opts.file), { recursive: true })
    } catch {
      fileOk = false
    }
  }
  const write = (base: Record<string, unknown>): LogFn => (level, msg, fields) => {
    if (order[level] < min) return
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }) + '\n'
    if (opts.stderr !== false) process.stderr.write(line)
    if (opts.file && fileOk) {
      try {
        appendFileSync(opts.file, line, { mode: 0o640 })
      } catch {
        fileOk = false
        process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'warn', msg: `cannot write log file ${opts.file}; logging to stderr only` }) + '\n')
      }
    }
  }
  const make = (base: Record<string, unknown>): Logger => ({ log: write(base), child: (f) => make({ ...base, ...f }) })
  return make({})
}
