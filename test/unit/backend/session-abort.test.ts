// ExecOptions.signal, streamOnly and quiet on a real ssh2 client talking to a real ssh2 server
// over a Unix socket: a streaming command hands its output to onStdout as it comes and keeps none
// for the result; aborting it closes its channel and kills its process group by the PID it
// reported (from a second channel, as for a timeout), and the exec rejects saying it was stopped;
// an exec aborted before it starts never opens a channel; a quiet exec is not logged.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Server, type ServerChannel } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostKeyInfoOf } from '../../../electron/backend/ssh/host-key'
import { Ssh2Session } from '../../../electron/backend/ssh/session'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { waitFor } from '../../support/wait-for'
import { testHostKey } from '../../support/ssh-host-key'

const HOST = '198.51.100.11' // a name only: every byte goes over the Unix socket
const PASSWORD = 'unit-test-password'
const STREAM_PID = 4242

let dir: string
let sockPath: string
let listener: net.Server
let hostKeys: HostKeyStore
/** What the server was asked to run, in order; and the streaming channels it has open. */
const commands: string[] = []
const streams = new Set<ServerChannel>()

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-abort-'))
  sockPath = path.join(dir, 'ssh.sock')
  const { private: hostKey, parsed } = testHostKey()
  hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  hostKeys.trust(hostKeyInfoOf(HOST, 22, parsed.getPublicSSH()))
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => {})
    client.on('authentication', (c) => (c.method === 'password' && c.password === PASSWORD ? c.accept() : c.reject(['password'])))
    client.on('session', (accept) => {
      accept().on('exec', (acceptExec, _reject, info) => {
        commands.push(info.command)
        const ch = acceptExec()
        if (info.command.includes('stream-forever')) {
          // The PID line every command starts with (run-channel.ts), then a line every 20 ms until the channel closes.
          ch.stderr.write(`HAVIP-PID:${STREAM_PID}\n`)
          streams.add(ch)
          let n = 0
          const t = setInterval(() => ch.write(`line ${++n}\n`), 20)
          const gone = (): void => {
            clearInterval(t)
            streams.delete(ch)
          }
          // 'close' comes once the readable side (ended by the client's EOF of stdin) was read: keep it flowing.
          ch.on('close', gone)
          ch.resume()
          return
        }
        // The kill from the second channel (or any other command): done at once.
        ch.stderr.write('HAVIP-PID:1\n')
        ch.exit(0)
        ch.end()
      })
    })
  })
  listener = net.createServer((s) => {
    s.on('error', () => {})
    server.injectSocket(s)
  })
  await new Promise<void>((r) => listener.listen(sockPath, () => r()))
})

afterAll(async () => {
  await Promise.race([new Promise<void>((r) => listener.close(() => r())), new Promise((r) => setTimeout(r, 2000))])
  fs.rmSync(dir, { recursive: true, force: true })
})

function session(log: string[]): Ssh2Session {
  return new Ssh2Session('s', { host: HOST, port: 22, username: 'root', auth: { kind: 'password', password: PASSWORD } }, hostKeys, {
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 60_000,
    log: (l) => log.push(l),
    openSocket: () => net.connect(sockPath)
  })
}

describe('exec with an abort signal', () => {
  it('streams, keeps nothing for the result, and on abort closes the channel and kills the command\'s process group', async () => {
    const log: string[] = []
    const s = session(log)
    await s.open()
    const ac = new AbortController()
    const seen: string[] = []
    const run = s.exec(['stream-forever'], { signal: ac.signal, streamOnly: true, quiet: true, onStdout: (c) => seen.push(c) })
    await waitFor('streamed lines', async () => seen.join('').split('\n').length > 3, 5000, 10)
    expect(streams.size).toBe(1)
    ac.abort()
    await expect(run).rejects.toThrow(/stream-forever on 198\.51\.100\.11 was stopped on request\./)
    await waitFor('the server to see the channel closed', async () => streams.size === 0, 5000, 10)
    // The kill went by process group, from its own channel: `kill -s TERM -- -4242`.
    const kill = commands.find((c) => c.includes('kill -s TERM'))
    expect(kill).toMatch(new RegExp(`sh '?${STREAM_PID}'?$`))
    expect(log.filter((l) => /exec on .*stream-forever/.test(l))).toEqual([])
    await s.close()
  })

  it('an exec aborted before it starts opens no channel', async () => {
    const log: string[] = []
    const s = session(log)
    await s.open()
    const before = commands.length
    const ac = new AbortController()
    ac.abort()
    await expect(s.exec(['stream-forever'], { signal: ac.signal })).rejects.toThrow(/stopped on request/)
    expect(commands.length).toBe(before)
    expect(log.filter((l) => /exec on/.test(l))).toEqual(['exec on 198.51.100.11: stream-forever'])
    await s.close()
  })
})
