// Streaming runs of the seam: a long-running script (the live feed, the probe stream) writes its
// data lines as they come, then, if it ever ends by itself, the frame's one JSON envelope. This
// splits what arrives into lines, hands every data line on at once and keeps the envelope apart,
// so the end of a stream is read by the same interpretRun as any other run.
import { BoundedLines } from '../../bounded-lines'
import { ENVELOPE_VERSION } from './encoded-command'
import type { WindowsScriptName } from './scripts'
import type { ScriptOutcome } from './script-result'

export interface ScriptStreamOptions {
  /** Every line the script writes (trimmed, never empty), as it comes; not the frame's envelope. */
  onLine(line: string): void
  /** Stops the run: the SSH channel is closed (the stream's promise rejects, as an aborted exec does). */
  signal: AbortSignal
  /** The longest one run may last. */
  timeoutMs: number
  /** Output cap of the run (bytes of stdout, and of stderr). */
  maxOutputBytes?: number
  /** Everything as it came, envelope and stderr included: what capture mode records. */
  onRaw?(stream: 'stdout' | 'stderr', chunk: string): void
}

/** A runner that also streams: what the live console needs of a Windows node. */
export interface PowerShellStreamer {
  readonly host: string
  /**
   * Runs a streaming script: lines go to onLine as they come; resolves with the outcome of its
   * envelope when the script ends by itself (a result, or the error that ended it), rejects
   * when the run was stopped (signal) or could not be run (the session's SshError).
   */
  stream<T = unknown>(name: WindowsScriptName, params: Record<string, unknown>, o: ScriptStreamOptions): Promise<ScriptOutcome<T>>
}

/** Splits a stream into lines (bounded: BoundedLines); the frame's envelope line is kept aside, not handed on. */
export class ScriptLines {
  private readonly lines: BoundedLines
  /** The last envelope line seen (the outcome of the run). */
  envelope = ''

  constructor(onLine: (line: string) => void) {
    this.lines = new BoundedLines((line) => {
      if (isEnvelope(line)) this.envelope = line
      else onLine(line)
    })
  }

  push(chunk: string): void {
    this.lines.push(chunk)
  }

  /** The run ended: a last line without its newline counts too. */
  end(): void {
    this.lines.end()
  }
}

function isEnvelope(line: string): boolean {
  if (!line.startsWith('{') || !line.includes('"havip"')) return false
  try {
    const v = JSON.parse(line) as { havip?: unknown }
    return v?.havip === ENVELOPE_VERSION
  } catch {
    return false
  }
}
