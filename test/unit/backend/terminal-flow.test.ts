// Flow control of terminal output (issue 12): the source is paused once the renderer has too
// much unacknowledged output and resumed once it caught up, output is batched and split into
// bounded events that never cut a character in two, and the terminal service does this on a
// real stream pair standing in for ssh2's channel (readable side, stderr, setWindow, close).
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createEventHub } from '../../../electron/backend/events'
import { OutputFlow, type FlowTimers } from '../../../electron/backend/terminal/output-flow'
import { TerminalService } from '../../../electron/backend/terminal/terminal-service'
import type { NodeSessions } from '../../../electron/backend/connections/node-sessions'
import type { SshSession } from '../../../electron/backend/ssh/session'
import type { ApiEventPayload } from '../../../electron/api/contract'
import { waitFor } from '../../support/wait-for'

class FakeSource {
  paused = false
  pauses = 0
  resumes = 0
  pause(): void {
    this.paused = true
    this.pauses++
  }
  resume(): void {
    this.paused = false
    this.resumes++
  }
}

/** Timers the test fires by hand. */
function manualTimers(): FlowTimers & { fire(): void; pending(): number } {
  const due = new Map<number, () => void>()
  let next = 1
  return {
    set(fn) {
      due.set(next, fn)
      return next++
    },
    clear(h) {
      due.delete(h as number)
    },
    fire() {
      for (const [h, fn] of [...due]) {
        due.delete(h)
        fn()
      }
    },
    pending: () => due.size
  }
}

const opts = { high: 1000, low: 200, maxChunk: 300, batchMs: 5 }

describe('OutputFlow', () => {
  it('pauses the source at the high watermark and resumes it only at the low one', () => {
    const src = new FakeSource()
    const sent: string[] = []
    const flow = new OutputFlow(src, (d) => sent.push(d), opts, manualTimers())
    for (let i = 0; i < 9; i++) flow.push('x'.repeat(100))
    expect(src.paused).toBe(false)
    flow.push('x'.repeat(100)) // 1000 outstanding: the high watermark
    expect(src.paused).toBe(true)
    expect(flow.counters()).toMatchObject({ unackedChars: 1000, paused: true, pauses: 1 })

    flow.ack(700) // 300 left: above the low watermark, still paused
    expect(src.paused).toBe(true)
    flow.ack(100) // 200 left: resume
    expect(src.paused).toBe(false)
    expect(src.resumes).toBe(1)
    // More than is outstanding reads as "all": never negative.
    flow.flush()
    expect(sent.join('')).toHaveLength(1000)
    flow.ack(10_000)
    expect(flow.counters().unackedChars).toBe(0)
  })

  it('counts waiting (batched) output too, so a paused renderer stops the source even before a flush', () => {
    const src = new FakeSource()
    const timers = manualTimers()
    const sent: string[] = []
    const flow = new OutputFlow(src, (d) => sent.push(d), { ...opts, maxChunk: 5000 }, timers)
    flow.push('y'.repeat(999))
    expect(sent).toEqual([])
    expect(src.paused).toBe(false)
    flow.push('y')
    expect(src.paused).toBe(true)
    timers.fire()
    expect(sent.join('')).toHaveLength(1000)
  })

  it('batches small output into one event after the batch time, and sends big output at once in bounded chunks', () => {
    const timers = manualTimers()
    const sent: string[] = []
    const flow = new OutputFlow(new FakeSource(), (d) => sent.push(d), opts, timers)
    flow.push('a')
    flow.push('b')
    expect(sent).toEqual([])
    expect(timers.pending()).toBe(1)
    timers.fire()
    expect(sent).toEqual(['ab'])

    sent.length = 0
    flow.push('z'.repeat(700))
    expect(sent.map((s) => s.length)).toEqual([300, 300, 100])
    expect(timers.pending()).toBe(0)
  })

  it('never splits a surrogate pair between two events', () => {
    const sent: string[] = []
    const flow = new OutputFlow(new FakeSource(), (d) => sent.push(d), { ...opts, maxChunk: 4 }, manualTimers())
    flow.push('abc😀def') // the emoji is two UTF-16 units at positions 3 and 4
    flow.flush()
    expect(sent[0]).toBe('abc')
    expect(sent.join('')).toBe('abc😀def')
    for (const s of sent) expect(s).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/)
  })

  it('after stop() takes no more output, leaves no timer and does not resume the source', () => {
    const src = new FakeSource()
    const timers = manualTimers()
    const sent: string[] = []
    const flow = new OutputFlow(src, (d) => sent.push(d), opts, timers)
    flow.push('x'.repeat(1000))
    expect(src.paused).toBe(true)
    flow.stop()
    flow.push('more')
    flow.ack(1000)
    expect(timers.pending()).toBe(0)
    expect(src.resumes).toBe(0)
  })

  it('refuses watermarks that could never resume', () => {
    expect(() => new OutputFlow(new FakeSource(), () => {}, { ...opts, low: 1000 })).toThrow(/low watermark/)
  })
})

/** A stand-in for ssh2's ClientChannel: real streams, plus the calls the shell source makes. */
class FakeChannel extends PassThrough {
  readonly stderr = new PassThrough()
  readonly written: string[] = []
  readonly windows: Array<[number, number]> = []
  closeCalled = false
  constructor() {
    super({ highWaterMark: 64 * 1024 })
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.written.push(chunk.toString())
    cb()
  }
  setWindow(rows: number, cols: number): void {
    this.windows.push([rows, cols])
  }
  close(): void {
    if (this.closeCalled) return
    this.closeCalled = true
    this.emit('exit', null)
    this.emit('close')
  }
  /** The shell exits with a status, as ssh2 reports it. */
  exitWith(code: number): void {
    this.emit('exit', code)
    this.emit('close')
  }
}

function serviceWith(channel: FakeChannel, connected = { now: true }) {
  const events = createEventHub()
  const output: string[] = []
  const exits: Array<ApiEventPayload<'terminal.exit'>> = []
  events.on('terminal.output', (e) => output.push(e.data))
  events.on('terminal.exit', (e) => exits.push(e))
  const session = {
    isConnected: () => connected.now,
    openShell: async () => channel
  } as unknown as SshSession
  const sessions: NodeSessions = {
    savedOf: () => ({ id: 'c-1', label: 'admin@198.51.100.11', host: '198.51.100.11', port: 22, username: 'admin', auth: { kind: 'key', privateKeyPath: '/k' } }),
    sessionOf: () => session,
    recordHostname: () => {}
  }
  const service = new TerminalService({ sessions, events, log: () => {}, flow: { high: 4096, low: 1024, maxChunk: 1024, batchMs: 1 } })
  return { service, output, exits, events }
}

describe('TerminalService over a channel', () => {
  it('pauses the channel under a flood until the renderer acknowledges, then resumes it', async () => {
    const channel = new FakeChannel()
    const { service, output } = serviceWith(channel)
    const t = await service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    expect(t.title).toBe('admin@198.51.100.11')
    expect(t.user).toBe('admin')
    // The remote side floods: 10 writes of 1 KiB into the channel's readable side.
    for (let i = 0; i < 10; i++) channel.push(Buffer.alloc(1024, 0x79))
    await waitFor('the channel to be paused', () => channel.isPaused(), 2000, 5)
    const before = service.list()[0]!.flow
    expect(before.paused).toBe(true)
    expect(before.unackedChars).toBeGreaterThanOrEqual(4096)
    // What is not delivered stays in the channel (ssh2 then stops granting window).
    expect(before.sourceBufferedBytes + before.unackedChars).toBeGreaterThanOrEqual(10 * 1024 - 1024)

    // The renderer writes and acknowledges as output comes: everything arrives, in steps.
    let acked = 0
    await waitFor(
      'all output delivered',
      () => {
        const n = output.join('').length
        if (n > acked) service.ack(t.id, n - acked)
        acked = n
        return n === 10 * 1024
      },
      2000,
      5
    )
    const after = service.list()[0]!.flow
    expect(after).toMatchObject({ paused: false, unackedChars: 0, totalChars: 10 * 1024 })
    expect(after.pauses).toBeGreaterThanOrEqual(1)
  })

  it('decodes UTF-8 split across reads, passes input and resizes', async () => {
    const channel = new FakeChannel()
    const { service, output } = serviceWith(channel)
    const t = await service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    const euro = Buffer.from('€ ok', 'utf8')
    channel.push(euro.subarray(0, 1))
    channel.push(euro.subarray(1))
    await waitFor('output', () => output.join('') === '€ ok', 2000, 5)
    service.input(t.id, 'hostname\r')
    expect(channel.written).toEqual(['hostname\r'])
    service.resize(t.id, 120, 40)
    expect(channel.windows).toEqual([[40, 120]])
  })

  it('reports the shell exit with its code, and a closed channel without status on a dead link as a drop', async () => {
    const a = new FakeChannel()
    const one = serviceWith(a)
    const t1 = await one.service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    a.push('bye\r\n')
    a.exitWith(3)
    await waitFor('exit', () => one.exits.length === 1, 2000, 5)
    expect(one.exits[0]).toMatchObject({ id: t1.id, reason: 'exited', exitCode: 3 })
    expect(one.output.join('')).toBe('bye\r\n') // output before the exit is not lost
    expect(one.service.list()).toEqual([])
    expect(() => one.service.input(t1.id, 'x')).toThrow(/no open terminal/)

    const b = new FakeChannel()
    const link = { now: true }
    const two = serviceWith(b, link)
    const t2 = await two.service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    link.now = false
    b.emit('close')
    await waitFor('exit', () => two.exits.length === 1, 2000, 5)
    expect(two.exits[0]).toMatchObject({ id: t2.id, reason: 'dropped' })
    expect(two.exits[0]!.message).toMatch(/SSH connection to admin@198\.51\.100\.11 dropped.*Reconnect/)
  })

  it('closing a terminal or its connection closes the channel and says why', async () => {
    const channel = new FakeChannel()
    const { service, exits } = serviceWith(channel)
    const t = await service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    service.closeForConnection('c-1', 'The connection was disconnected, so this terminal was closed.')
    expect(channel.closeCalled).toBe(true)
    await waitFor('exit', () => exits.length === 1, 2000, 5)
    expect(exits[0]).toMatchObject({ id: t.id, reason: 'closed', message: /disconnected/ })
    service.close(t.id) // closing an ended terminal is not an error
  })

  it('opens at most two terminals per connection (sshd MaxSessions), refusing the third with a reason', async () => {
    const { service } = serviceWith(new FakeChannel())
    await service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    await service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    await expect(service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })).rejects.toMatchObject({
      error: { kind: 'conflict', message: /already has 2 terminals/ }
    })
  })

  it('refuses input when the remote side does not read it, instead of queueing without bound', async () => {
    const channel = new FakeChannel()
    // A writable side that never completes a write: the backlog grows.
    channel._write = () => {}
    const { service } = serviceWith(channel)
    const t = await service.open({ kind: 'node', connectionId: 'c-1', cols: 80, rows: 24 })
    const chunk = 'x'.repeat(16 * 1024)
    let refused: unknown
    for (let i = 0; i < 200 && !refused; i++) {
      try {
        service.input(t.id, chunk)
      } catch (e) {
        refused = e
      }
    }
    expect(refused).toMatchObject({ error: { kind: 'command-failed', message: /not taking input/ } })
    expect(channel.writableLength).toBeLessThan(2 * 1024 * 1024)
  })
})
