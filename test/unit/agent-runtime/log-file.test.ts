/**
 * Issue 9 item 8: the agent's log file is written off the event loop. The file here is a FIFO, a
 * file whose open blocks until someone reads it: the harshest stand-in for a stuck disk. The old
 * logger (appendFileSync) blocked inside log() until a reader came; now log() returns at once,
 * the queue is bounded, and close() flushes what is queued.
 */
import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../agent/log'
import { waitFor } from '../../support/wait-for'

const dir = mkdtempSync(join(tmpdir(), 'havip-log-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fifo(name: string): string {
  const p = join(dir, name)
  execFileSync('mkfifo', [p])
  return p
}

/** `cat FIFO > out` after `delay` seconds, touching `marker` just before it opens the FIFO. */
function laterReader(path: string, out: string, marker: string, delay: number): ReturnType<typeof spawn> {
  return spawn('/bin/sh', ['-c', 'sleep "$1"; touch "$2"; exec cat "$3" > "$4"', 'sh', String(delay), marker, path, out], { stdio: 'ignore' })
}

describe('agent log file', () => {
  it('log() returns before the file can even be opened; close() flushes the lines', async () => {
    const path = fifo('stuck.log')
    const out = join(dir, 'stuck.out')
    const marker = join(dir, 'reader-started')
    const reader = laterReader(path, out, marker, 2)
    const logger = createLogger({ file: path, stderr: false })
    try {
      logger.log('info', 'first line')
      logger.child({ instance: 'VI_1' }).log('warn', 'second line')
      // Had log() waited for the file, it could only have returned after the reader opened the FIFO.
      expect(existsSync(marker)).toBe(false)
      await logger.close()
      await waitFor('the reader to get both lines', () => readFileSync(out, 'utf8').split('\n').filter(Boolean).length === 2, 10_000, 20)
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(lines).toMatchObject([{ level: 'info', msg: 'first line' }, { level: 'warn', msg: 'second line', instance: 'VI_1' }])
    } finally {
      reader.kill('SIGKILL')
    }
  })

  it('bounds what waits for a stuck file, and says how many lines it dropped', async () => {
    const path = fifo('flood.log')
    const out = join(dir, 'flood.out')
    const logger = createLogger({ file: path, stderr: false, maxQueuedBytes: 64 * 1024 })
    const filler = 'x'.repeat(200)
    for (let i = 0; i < 20_000; i++) logger.log('info', `line ${i} ${filler}`) // ~5 MB while nothing can be written
    const reader = spawn('/bin/sh', ['-c', 'exec cat "$1" > "$2"', 'sh', path, out], { stdio: 'ignore' })
    try {
      await logger.close()
      await waitFor('the reader to finish', () => reader.exitCode !== null, 10_000, 20)
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string })
      expect(lines.length).toBeLessThan(400) // 64 KiB of ~260-byte lines, plus the note
      expect(lines[0]!.msg).toMatch(/^line 0 /)
      expect(lines.at(-1)!.msg).toMatch(/^\d+ log line\(s\) dropped: the log file .* could not keep up$/)
      const dropped = Number(/^(\d+)/.exec(lines.at(-1)!.msg)![1])
      expect(dropped + lines.length - 1).toBe(20_000)
    } finally {
      reader.kill('SIGKILL')
    }
  })
})
