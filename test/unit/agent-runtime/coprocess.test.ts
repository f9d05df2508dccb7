/**
 * The long-lived helper wrapper the agent's ip -batch and packet sender run on, driven against
 * a small real helper program (Node): answers in order, an error per request, a fresh helper
 * after a death or a hang, start-up failures named, and no helper left behind by close().
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Coprocess, CoprocessError } from '../../../agent/os/coprocess'
import { waitFor } from '../../support/wait-for'

const HELPER = `
const rl = require('readline').createInterface({ input: process.stdin })
if (process.argv[1] !== 'silent') console.log('ready')
if (process.argv[1] === 'deaf') process.stdin.pause(), setInterval(() => {}, 1000)
rl.on('line', (l) => {
  if (l === 'hang') return
  if (l === 'die') process.exit(3)
  if (l === 'die-loud') { process.stderr.write('dying loudly\\n'); process.exit(4) }
  if (l.startsWith('echo ')) console.log('re ' + l.slice(5))
  // Both on stderr: the order of lines across two pipes is not kept, within one it is.
  if (l.startsWith('fail ')) process.stderr.write('bad ' + l.slice(5) + '\\nre failed\\n')
})
`

const made: Coprocess[] = []
function helper(mode = 'normal', o: { startTimeoutMs?: number; ready?: boolean } = {}): Coprocess {
  const c = new Coprocess({
    name: 'test helper',
    file: process.execPath,
    args: ['-e', HELPER, mode],
    startTimeoutMs: o.startTimeoutMs,
    ready: o.ready === false ? undefined : (line, stream) => stream === 'stdout' && line === 'ready'
  })
  made.push(c)
  return c
}

/** Resolves with the text after "re " and the stderr lines seen before it. */
function ask(c: Coprocess, line: string, timeoutMs = 5000): Promise<{ answer: string; stderr: string[] }> {
  const stderr: string[] = []
  return c.request(`${line}\n`, (l, stream) => {
    if (l.startsWith('re ')) return { answer: l.slice(3), stderr }
    if (stream === 'stderr') stderr.push(l)
    return undefined
  }, timeoutMs)
}

function alive(pid: number): boolean {
  try {
    // An exited child of a dead parent stays a zombie until init reaps it: that is gone too.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((c) => c.close(500)))
})

describe('Coprocess', () => {
  it('answers requests in order from one helper, also when they are made all at once', async () => {
    const c = helper()
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => ask(c, `echo ${i}`)))
    expect(answers.map((a) => a.answer)).toEqual(['1', '2', '3', '4', '5'])
    expect(c.starts).toBe(1)
  })

  it('gives each request the stderr printed for it', async () => {
    const c = helper()
    const a = await ask(c, 'fail disk full')
    expect(a).toEqual({ answer: 'failed', stderr: ['bad disk full'] })
    expect((await ask(c, 'echo fine')).stderr).toEqual([])
  })

  it('reports a helper that dies on a request, with what it said, and starts a new one for the next', async () => {
    const c = helper()
    await ask(c, 'echo warm')
    const err = await ask(c, 'die-loud').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CoprocessError)
    expect((err as CoprocessError).reason).toBe('died')
    expect((err as Error).message).toMatch(/test helper exited with code 4 before answering: dying loudly/)
    expect((await ask(c, 'echo again')).answer).toBe('again')
    expect(c.starts).toBe(2)
  })

  it('a silent death on a request is tried once more on a fresh helper, then reported', async () => {
    const c = helper()
    const err = await ask(c, 'die').catch((e: unknown) => e)
    expect((err as CoprocessError).reason).toBe('died')
    expect((err as CoprocessError).silent).toBe(true)
    expect(c.starts).toBe(2)
  })

  it('a helper killed between requests is replaced without failing the next request', async () => {
    const c = helper()
    await ask(c, 'echo warm')
    const pid = c.pid!
    process.kill(pid, 'SIGKILL')
    expect((await ask(c, 'echo after kill')).answer).toBe('after kill')
    expect(c.pid).not.toBe(pid)
  })

  it('kills a helper that does not answer in time and starts afresh', async () => {
    const c = helper()
    await ask(c, 'echo warm')
    const pid = c.pid!
    const err = await ask(c, 'hang', 300).catch((e: unknown) => e)
    expect((err as CoprocessError).reason).toBe('timeout')
    expect((err as Error).message).toMatch(/did not answer within 300 ms and was killed/)
    await waitFor('the hung helper to be gone', () => !alive(pid), 5000, 20)
    expect((await ask(c, 'echo next')).answer).toBe('next')
    expect(c.starts).toBe(2)
  })

  it('names a program that cannot be started', async () => {
    const c = new Coprocess({ name: 'missing helper', file: '/nonexistent/havip-helper', args: [] })
    made.push(c)
    const err = await c.request('x\n', () => 1, 1000).catch((e: unknown) => e)
    expect((err as CoprocessError).reason).toBe('spawn')
    expect((err as Error).message).toMatch(/missing helper: cannot start \/nonexistent\/havip-helper \(ENOENT\)/)
  })

  it('fails start() when the helper exits before saying it is ready, with what it printed', async () => {
    const c = new Coprocess({ name: 'picky helper', file: process.execPath, args: ['-e', 'console.log("fail no socket"); process.exit(1)'], ready: (l) => l === 'ready' })
    made.push(c)
    await expect(c.start()).rejects.toThrow(/picky helper: exited during start-up \(code 1\): fail no socket/)
  })

  it('fails start() when the helper never says it is ready', async () => {
    const c = helper('silent', { startTimeoutMs: 300 })
    await expect(c.start()).rejects.toThrow(/not ready within 300 ms/)
  })

  it('close() ends the helper through end-of-file, and refuses requests after', async () => {
    const c = helper()
    await ask(c, 'echo warm')
    const pid = c.pid!
    await c.close()
    expect(alive(pid)).toBe(false)
    const err = await ask(c, 'echo late').catch((e: unknown) => e)
    expect((err as CoprocessError).reason).toBe('closed')
  })

  it('close() kills a helper that ignores end-of-file', async () => {
    const c = helper('deaf')
    await c.start()
    const pid = c.pid!
    await c.close(300)
    expect(alive(pid)).toBe(false)
  })

  it('the agent\'s helpers (ip -batch, packet sender) end by themselves when the agent is killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'coprocess-parent.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      let out = ''
      parent.stdout!.on('data', (d: Buffer) => (out += d.toString()))
      const pids = await waitFor('the stand-in agent to start its helper', () => {
        const line = out.split('\n').find((l) => l.startsWith('{'))
        return line ? (JSON.parse(line) as { parent: number; helpers: number[] }) : undefined
      }, 15_000, 20)
      expect(pids.helpers.length).toBeGreaterThan(0)
      expect(pids.helpers.every(alive)).toBe(true)
      process.kill(pids.parent, 'SIGKILL')
      // Their stdin reaches end-of-file when the agent's end of the pipe closes, however it dies.
      await waitFor('the orphaned helpers to exit', () => !pids.helpers.some(alive), 5000, 20)
    } finally {
      parent.kill('SIGKILL')
    }
  })
})
