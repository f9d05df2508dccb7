/**
 * Issue 9 item 3: the `ctl` client reports an answer longer than the protocol's line limit as an
 * error a person can act on, instead of throwing out of a socket callback (an uncaught exception
 * that killed `havip-agent ctl` with a stack trace). A real Unix socket server sends the answer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { request, watch } from '../../../agent/control/client'

const dir = mkdtempSync(join(tmpdir(), 'havip-ctl-client-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A server that answers every connection with `bytes` of one endless line. */
async function floodServer(name: string, bytes: number): Promise<{ path: string; close: () => Promise<void> }> {
  const path = join(dir, name)
  const server = net.createServer((c) => {
    c.on('error', () => {})
    const chunk = Buffer.alloc(64 * 1024, 'x')
    let sent = 0
    const pump = (): void => {
      while (sent < bytes && !c.destroyed) {
        sent += chunk.length
        if (!c.write(chunk)) return void c.once('drain', pump)
      }
      c.end()
    }
    pump()
  })
  await new Promise<void>((r) => server.listen(path, () => r()))
  return { path, close: () => new Promise((r) => server.close(() => r())) }
}

describe('ctl client and over-long answers', () => {
  it('request: an answer past the line limit rejects with an error naming the socket', async () => {
    const s = await floodServer('status.sock', 3 * 1024 * 1024)
    try {
      await expect(request(s.path, { cmd: 'status' }, 5000)).rejects.toThrow(new RegExp(`answer from havip-agent on ${s.path} was cut off: line longer than 1048576 bytes`))
    } finally {
      await s.close()
    }
  })

  it('watch: a line past the limit ends the watch with that error', async () => {
    const s = await floodServer('watch.sock', 3 * 1024 * 1024)
    try {
      await expect(watch(s.path, () => {})).rejects.toThrow(/was cut off: line longer than/)
    } finally {
      await s.close()
    }
  })
})
