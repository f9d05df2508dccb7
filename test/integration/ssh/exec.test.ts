// exec on real lab nodes: exit codes, streamed output, stdin, timeouts, hostile arguments,
// concurrency and reconnect after the connection dropped.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SshPool } from '../../../electron/backend/ssh/pool'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { nodeExec } from '../../lab/lab'
import { makeEnv, rejectionOf, waitFor, type SshTestEnv } from './helpers'

let env: SshTestEnv
let root: SshSession
beforeAll(async () => {
  env = makeEnv()
  root = await env.pool.connect(env.rootTarget())
})
afterAll(async () => {
  await env?.dispose()
})

describe('exec', () => {
  it('returns exit code, stdout and stderr separately; non-zero exit resolves', async () => {
    const r = await root.exec(['sh', '-c', 'echo out; echo err >&2; exit 7'])
    expect(r).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' })
    expect((await root.exec(['true'])).code).toBe(0)
  })

  it('execOk throws command-failed with the exit code, stderr and a hint', async () => {
    const err = await rejectionOf(root.execOk(['ls', '/definitely/not/here']))
    expect(err.kind).toBe('command-failed')
    expect(err.exitCode).toBe(2)
    expect(err.stderr).toMatch(/No such file or directory/)
    expect(err.message).toMatch(/ls failed on 198\.51\.100\.11 with exit code 2: .*No such file/)
    const missing = await rejectionOf(root.execOk(['havip-no-such-program']))
    expect(missing.exitCode).toBe(127)
    expect(missing.hint).toMatch(/not installed/)
  })

  it('streams output while the command still runs', async () => {
    // The command prints "ready" and then waits (bounded) for a file that the test creates
    // only after it has received "ready" through onStdout. Without streaming this cannot pass.
    const flag = `/run/havip/stream-${randomBytes(4).toString('hex')}`
    const chunks: string[] = []
    let touched: Promise<unknown> | undefined
    const r = await root.exec(
      ['sh', '-c', 'echo ready; i=0; while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e "$1" ] && echo saw-file || echo no-file; rm -f "$1"', 'sh', flag],
      {
        timeoutMs: 30_000,
        onStdout: (c) => {
          chunks.push(c)
          if (!touched && c.includes('ready')) touched = root.execOk(['touch', flag])
        }
      }
    )
    await touched
    expect(r.stdout).toBe('ready\nsaw-file\n')
    expect(chunks.join('')).toBe(r.stdout)
  })

  it('streams stderr too and decodes UTF-8 split across chunks', async () => {
    const errChunks: string[] = []
    const text = 'ü日本🚀'.repeat(5000)
    const r = await root.exec(['sh', '-c', 'cat >&2'], { stdin: text, onStderr: (c) => errChunks.push(c) })
    expect(r.stderr).toBe(text)
    expect(errChunks.join('')).toBe(text)
  })

  it('passes stdin through byte for byte', async () => {
    const data = randomBytes(100_000)
    const r = await root.execOk(['sha256sum'], { stdin: data })
    const { createHash } = await import('node:crypto')
    expect(r.stdout.split(/\s+/)[0]).toBe(createHash('sha256').update(data).digest('hex'))
  })

  it('delivers hostile arguments verbatim through the remote shell', async () => {
    const hostile = ['', ' ', "'", '"', '$(id)', '`id`', '$HOME', 'a\nb', '*', '-n', '--', ';id', 'a && b', '\\', 'ü 日本 🚀', "it's \"quoted\""]
    const r = await root.execOk(['printf', '%s\\0', ...hostile])
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(hostile)
  })

  it('stops a command at its timeout with a timeout error, and the remote process goes away', async () => {
    const marker = `31.${Math.floor(Math.random() * 1e6)}`
    const started = Date.now()
    const err = await rejectionOf(root.exec(['sleep', marker], { timeoutMs: 1000 }))
    expect(err.kind).toBe('timeout')
    expect(err.message).toMatch(/did not finish within 1000 ms and was stopped/)
    expect(Date.now() - started).toBeLessThan(10_000)
    await waitFor('the timed-out sleep to exit', async () => (await nodeExec(env.n1, ['pgrep', '-f', `sleep ${marker}`])).code !== 0, 5000, 100)
    // The session is still usable.
    expect((await root.execOk(['echo', 'still here'])).stdout).toBe('still here\n')
  })

  it('runs many commands at once on one session', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => root.execOk(['echo', String(i)])))
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)))
  })

  it('refuses an empty argv', async () => {
    const err = await rejectionOf(root.exec([]))
    expect(err.kind).toBe('invalid-input')
  })

  it('reconnects on the next exec after the connection dropped, with the same pinned key', async () => {
    const s = await env.pool.connect(env.rootTarget(env.n2))
    const before = s.hostKey.fingerprint
    // Kill this connection's own sshd session process (the parent of the remote shell).
    await s.exec(['sh', '-c', 'kill -9 $PPID'], { timeoutMs: 10_000 }).catch(() => undefined)
    await waitFor('the session to notice the dropped connection', () => !s.isConnected(), 5000, 100)
    const r = await s.execOk(['uname', '-n'])
    expect(r.stdout.trim()).toBe('n2')
    expect(s.isConnected()).toBe(true)
    expect(s.hostKey.fingerprint).toBe(before)
    expect(env.logs.some((l) => /closed; it is reopened/.test(l))).toBe(true)
  })

  it('concurrent commands after a drop share one reconnect', async () => {
    const s = await env.pool.connect(env.rootTarget(env.n2))
    await s.exec(['sh', '-c', 'kill -9 $PPID'], { timeoutMs: 10_000 }).catch(() => undefined)
    await waitFor('the session to notice the dropped connection', () => !s.isConnected(), 5000, 100)
    const connectsBefore = env.logs.filter((l) => l.startsWith('connecting to root@' + env.n2.address)).length
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => s.execOk(['echo', String(i)])))
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 12 }, (_, i) => String(i)))
    const connectsAfter = env.logs.filter((l) => l.startsWith('connecting to root@' + env.n2.address)).length
    expect(connectsAfter - connectsBefore).toBe(1)
  })

  it('keepalives notice a peer that stopped answering, and the next command reconnects', async () => {
    const pool = new SshPool({ hostKeys: env.hostKeys, connectTimeoutMs: 10_000, keepaliveIntervalMs: 300 })
    let frozen: string | undefined
    try {
      const s = await pool.connect(env.rootTarget(env.n2))
      // Freeze this connection's own sshd process: TCP still ACKs, but SSH stops answering.
      frozen = (await s.execOk(['sh', '-c', 'echo $PPID'])).stdout.trim()
      expect(frozen).toMatch(/^\d+$/)
      await nodeExec(env.n2, ['kill', '-STOP', frozen])
      await waitFor('keepalive to drop the frozen connection', () => !s.isConnected(), 10_000, 100)
      expect((await s.execOk(['uname', '-n'])).stdout.trim()).toBe('n2')
    } finally {
      if (frozen) await nodeExec(env.n2, ['kill', '-KILL', frozen]).catch(() => undefined)
      await pool.closeAll()
    }
  })

  it('a closed session refuses further commands with a readable error', async () => {
    const s = await env.pool.connect(env.rootTarget(env.n2))
    await env.pool.close(s.id)
    const err = await rejectionOf(s.exec(['true']))
    expect(err.kind).toBe('disconnected')
    expect(err.hint).toMatch(/Connect to the node again/)
  })
})
