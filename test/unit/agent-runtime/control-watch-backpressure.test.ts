/**
 * Issue 9 item 8: a `ctl watch` client that stops reading is dropped once it leaves a bounded
 * amount unread, instead of the agent buffering events for it forever. Real Unix socket, real
 * ControlServer and Agent; the clients are plain sockets, one that never reads after its request
 * and one that reads everything.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Agent } from '../../../agent/agent'
import { ControlServer, MAX_WATCH_BACKLOG_BYTES } from '../../../agent/control/server'
import { createLogger } from '../../../agent/log'
import type { OsAdapter } from '../../../agent/os/os-adapter'
import { waitFor } from '../../support/wait-for'

const dir = mkdtempSync(join(tmpdir(), 'havip-watch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** An agent with no instances: status() and events are all the control server needs from it. */
function idleAgent(): Agent {
  return new Agent({ instances: [], scripts: [], transport: 'raw', udpPort: 0, controlSocket: join(dir, 'unused') }, { os: {} as OsAdapter, logger: createLogger({ stderr: false }) })
}

const bigEvent = (i: number) => ({ time: new Date().toISOString(), type: 'error' as const, message: `event ${i} ${'x'.repeat(1000)}` })

async function watchingClient(path: string, read: boolean): Promise<{ sock: net.Socket; got: () => number }> {
  const sock = net.connect(path)
  let bytes = 0
  await new Promise<void>((r) => sock.once('connect', () => r()))
  sock.on('error', () => {})
  if (read) sock.on('data', (d: Buffer) => (bytes += d.length))
  else sock.pause() // never reads: the kernel buffers fill, then the server's
  sock.write(JSON.stringify({ id: 1, cmd: 'watch' }) + '\n')
  return { sock, got: () => bytes }
}

describe('ctl watch backpressure', () => {
  it('drops a watcher that stops reading once it leaves more than the bound unread; a reading watcher keeps up', async () => {
    const agent = idleAgent()
    const path = join(dir, 'agent.sock')
    const server = new ControlServer(agent, path)
    const drops: string[] = []
    server.onDropped = (why) => drops.push(why)
    await server.start()
    const stuck = await watchingClient(path, false)
    const reader = await watchingClient(path, true)
    try {
      await waitFor('both clients to be watching', () => agent.listenerCount('event') === 2, 2000, 5)
      // 8 MiB of events, 64 at a time with a turn of the event loop between (events are never a
      // single synchronous burst this big in a real agent): many times the bound and the socket buffers.
      for (let i = 0; i < 8192; i++) {
        agent.emit('event', bigEvent(i))
        if (i % 64 === 63) await new Promise((r) => setImmediate(r))
        if (agent.listenerCount('event') < 2) break
      }
      await waitFor('the stuck watcher to be dropped', () => agent.listenerCount('event') === 1, 5000, 10)
      expect(drops).toHaveLength(1)
      expect(drops[0]).toMatch(new RegExp(`left \\d+ bytes unread \\(more than ${MAX_WATCH_BACKLOG_BYTES}\\)`))
      // The reader is still there and gets what follows.
      const before = reader.got()
      agent.emit('event', bigEvent(-1))
      await waitFor('the reading watcher to get the next event', () => reader.got() > before, 2000, 5)
    } finally {
      stuck.sock.destroy()
      reader.sock.destroy()
      await server.close()
    }
  })
})
