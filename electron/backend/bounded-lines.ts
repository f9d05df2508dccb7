// Splitting a stream of text (an SSH channel's stdout) into lines without trusting its sender.
/**
 * Splits a stream into lines, bounded: a line longer than `maxLine` characters is dropped (and
 * counted) instead of growing the buffer, so a node cannot fill the desktop's memory.
 */
export class BoundedLines {
  private buf = ''
  private skipping = false
  dropped = 0
  constructor(private readonly onLine: (line: string) => void, private readonly maxLine = 256 * 1024) {}

  push(chunk: string): void {
    let start = 0
    let nl: number
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      const piece = chunk.slice(start, nl)
      start = nl + 1
      if (this.skipping) {
        this.skipping = false
        this.buf = ''
        continue
      }
      const line = (this.buf + piece).trim()
      this.buf = ''
      if (line.length > this.maxLine) this.dropped++
      else if (line) this.onLine(line)
    }
    if (this.skipping) return
    this.buf += chunk.slice(start)
    if (this.buf.length > this.maxLine) {
      this.buf = ''
      this.skipping = true
      this.dropped++
    }
  }

  /** The stream ended: a last line without its newline counts too. */
  end(): void {
    const line = this.skipping ? '' : this.buf.trim()
    this.buf = ''
    this.skipping = false
    if (line.length > this.maxLine) this.dropped++
    else if (line) this.onLine(line)
  }
}
