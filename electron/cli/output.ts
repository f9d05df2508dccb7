// Where the CLI writes: progress and errors on stderr, the result on stdout (one JSON document
// with --json), so `havip ... --json | jq` always gets clean JSON.
import { ApiCallError } from '../api/errors'
import { UsageError } from './args'
import { NodeAccessError } from './connect-nodes'

export const EXIT_OK = 0
/** A use or connection error: the message says what to do. */
export const EXIT_ERROR = 1
/** Validation or the action found failures (a report was written). */
export const EXIT_FAILED = 2

export interface Output {
  json: boolean
  progress(line: string): void
  result(text: string): void
  resultJson(value: unknown): void
}

export function makeOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    progress: (line) => void stderr.write(`${line}\n`),
    result: (text) => void stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    resultJson: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }
}

/** An error as the person at the terminal should read it: what failed, then what to do. */
export function describeError(err: unknown): { message: string; hint?: string } {
  if (err instanceof UsageError) return { message: err.message, hint: 'Run "havip --help" for the commands and their options.' }
  if (err instanceof NodeAccessError) return { message: err.message, hint: err.hint }
  if (err instanceof ApiCallError) return { message: err.error.node && !err.message.includes(err.error.node) ? `${err.error.node}: ${err.message}` : err.message, ...(err.error.hint ? { hint: err.error.hint } : {}) }
  return { message: err instanceof Error ? err.message : String(err) }
}

export function reportError(out: Output, err: unknown, stderr: NodeJS.WritableStream = process.stderr): void {
  const d = describeError(err)
  if (out.json) {
    out.resultJson({ ok: false, error: d })
    return
  }
  stderr.write(`havip: ${d.message}\n`)
  if (d.hint) stderr.write(`  what to do: ${d.hint}\n`)
}
