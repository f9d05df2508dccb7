/**
 * The supervisor's pid file (agent/supervise/pid-file.ts): refused when it names a running
 * supervisor, replaced when stale (a dead pid, or a pid now used by another program), written
 * atomically with mode 0644, removed only by its owner.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { claimPidFile, isSupervisorProcess, readPidFile, releasePidFile } from '../../../agent/supervise/pid-file'
import { waitFor } from '../../support/wait-for'

const dir = mkdtempSync(join(tmpdir(), 'havip-pid-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const started: ChildProcess[] = []
afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL')
})

/** A process whose command line looks like `node havip-agent.cjs supervise ...` (it only sleeps). */
async function fakeSupervisor(...argv: string[]): Promise<number> {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', ...argv], { stdio: 'ignore' })
  started.push(c)
  await waitFor('the sleeper to start', () => c.pid !== undefined && existsSync(`/proc/${c.pid}/cmdline`), 5000)
  return c.pid!
}

describe.runIf(process.platform === 'linux')('supervisor pid file', () => {
  it('is written atomically with mode 0644 (directory created), and removed by its owner only', () => {
    const path = join(dir, 'sub', 'supervisor.pid')
    expect(claimPidFile(path, 4242)).toEqual({})
    expect(readPidFile(path)).toBe(4242)
    expect(statSync(path).mode & 0o777).toBe(0o644)
    expect(readdirSync(join(dir, 'sub'))).toEqual(['supervisor.pid']) // no temp file left
    releasePidFile(path, 4343)
    expect(existsSync(path)).toBe(true)
    releasePidFile(path, 4242)
    expect(existsSync(path)).toBe(false)
  })

  it('refuses to start when the pid file names a running supervisor', async () => {
    const pid = await fakeSupervisor('/opt/havip/havip-agent.cjs', 'supervise', '--config', '/etc/havip/agent.json')
    expect(isSupervisorProcess(pid)).toBe(true)
    const path = join(dir, 'live.pid')
    writeFileSync(path, `${pid}\n`)
    expect(() => claimPidFile(path, 4242)).toThrow(`a havip-agent supervisor is already running as pid ${pid} (pid file ${path}); stop it first with "kill -TERM ${pid}"`)
    expect(readPidFile(path)).toBe(pid)
  })

  it('replaces a stale pid file: a dead pid, a pid reused by another program, or garbage', async () => {
    const path = join(dir, 'stale.pid')
    const other = await fakeSupervisor('something-else', 'run')
    expect(isSupervisorProcess(other)).toBe(false)
    writeFileSync(path, `${other}\n`)
    expect(claimPidFile(path, 4242)).toEqual({ replacedStale: other })
    expect(readPidFile(path)).toBe(4242)

    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    await new Promise((r) => dead.once('exit', r))
    writeFileSync(path, `${dead.pid}\n`)
    expect(claimPidFile(path, 4242)).toEqual({ replacedStale: dead.pid })

    writeFileSync(path, 'not a pid\n')
    expect(claimPidFile(path, 4242)).toEqual({})
    expect(readPidFile(path)).toBe(4242)
  })
})
