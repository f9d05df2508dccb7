// Upload with sudo is atomic (issue 9 item 13): the file is written beside the target, checked,
// then renamed over it, so a failed or cut upload leaves the old target whole and no temp file.
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { nodeExec } from '../../lab/lab'
import { newSshdConnections, sshdConnections } from '../../lab/sshd-sessions'
import { makeEnv, rejectionOf, waitFor, type SshTestEnv } from './helpers'

let env: SshTestEnv
let admin: SshSession
let root: SshSession
const tag = randomBytes(4).toString('hex')
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')
const writers: ChildProcess[] = []

beforeAll(async () => {
  env = makeEnv()
  admin = await env.pool.connect(env.adminTarget())
  root = await env.pool.connect(env.rootTarget())
})
afterAll(async () => {
  for (const w of writers) killGroup(w)
  if (env) {
    await nodeExec(env.n1, ['sh', '-c', 'rm -f -- /opt/havip/upload-atomic-* /opt/havip/.upload-atomic-*']).catch(() => undefined)
    await env.dispose()
  }
})

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL')
  } catch {
    /* already gone */
  }
}

async function nodeSha(p: string): Promise<string> {
  return (await nodeExec(env.n1, ['sha256sum', '--', p])).stdout.split(/\s+/)[0] ?? ''
}

/** Every entry of `dir` on n1 (dot files too): a temp file left beside the target shows here. */
async function entries(dir: string): Promise<string[]> {
  return (await nodeExec(env.n1, ['ls', '-A', '--', dir])).stdout.split('\n').filter(Boolean).sort()
}

/** The staging dirs in /tmp that this file's uploads to `dest` used (from the session log) and that still exist. */
async function stagingLeft(dest: string): Promise<string> {
  const staged = env.logs.flatMap((l) => (l.includes(`:${dest} via /tmp/`) ? [/ via (\/tmp\/havip-upload\.[^/]+)\/file$/.exec(l)?.[1] ?? ''] : []))
  expect(staged.filter(Boolean).length).toBeGreaterThan(0)
  return (await nodeExec(env.n1, ['sh', '-c', 'for p do [ -e "$p" ] && printf "%s\\n" "$p"; done; true', 'sh', ...staged])).stdout
}

/**
 * A local FIFO as the upload's source: the first open (the checksum pass) reads `first` and
 * EOF; the second (the transfer) is fed by the test through the returned function.
 */
function fifoSource(name: string, first: string): { fifo: string; feed: (script: string) => void } {
  const fifo = path.join(env.dir, name)
  execFileSync('mkfifo', [fifo])
  const w = spawn('sh', ['-c', 'printf %s "$2" > "$1"', 'sh', fifo, first], { stdio: 'ignore', detached: true })
  writers.push(w)
  return {
    fifo,
    feed: (script) => {
      const w2 = spawn('sh', ['-c', `${script} > "$1"`, 'sh', fifo], { stdio: 'ignore', detached: true })
      writers.push(w2)
    }
  }
}

/** The staged file of the sudo upload to `dest`, once the session log names it: the checksum pass is over then. */
function transferStarted(dest: string): Promise<string> {
  const staged = (): string | undefined =>
    env.logs.map((l) => (l.includes(`:${dest} via /tmp/`) ? / via (\/tmp\/havip-upload\.[^/]+\/file)$/.exec(l)?.[1] : undefined)).find(Boolean)
  return waitFor(`the upload to ${dest} to start its transfer`, staged, 10_000, 20)
}

describe('upload with sudo is atomic', () => {
  it('a disk that fills up while the new file is written leaves the old target whole, and no temp file', async () => {
    // A 64 KiB file system of its own inside n1, so nothing else on the node runs out of space.
    const dir = `/opt/havip/upload-atomic-full-${tag}`
    expect((await nodeExec(env.n1, ['mkdir', '--', dir])).code).toBe(0)
    const mounted = await nodeExec(env.n1, ['mount', '-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'havip-upload-test', dir])
    expect(mounted.code, mounted.stderr).toBe(0)
    try {
      const dest = `${dir}/agent.bin`
      const old = randomBytes(20_000)
      await root.upload(old, dest, { mode: 0o755 })
      const err = await rejectionOf(admin.upload(randomBytes(100_000), dest, { sudo: true, mode: 0o755 }))
      expect(await nodeSha(dest), 'the old target must be whole').toBe(sha(old))
      expect(err.kind).toBe('command-failed')
      expect(err.message).toMatch(/No space left on device/)
      expect(err.message).toMatch(/old file, if any, is unchanged/)
      expect((await nodeExec(env.n1, ['stat', '-c', '%a %U %s', '--', dest])).stdout.trim()).toBe(`755 root ${old.length}`)
      expect(await entries(dir)).toEqual(['agent.bin'])
      expect(await stagingLeft(dest)).toBe('')
    } finally {
      await nodeExec(env.n1, ['umount', '--', dir])
      await nodeExec(env.n1, ['rmdir', '--', dir])
    }
  })

  it('a transfer that arrives different from what was hashed leaves the old target whole, and no temp file', async () => {
    const dest = `/opt/havip/upload-atomic-mismatch-${tag}`
    await root.upload(Buffer.from('good old file'), dest)
    const src = fifoSource('mismatch.fifo', 'first-content')
    const upload = rejectionOf(admin.upload({ localPath: src.fifo }, dest, { sudo: true }))
    await transferStarted(dest)
    src.feed('printf second-content')
    const err = await upload
    expect(err.kind).toBe('command-failed')
    expect(err.message).toContain(`is corrupt: checksum ${sha('second-content')} on the node, ${sha('first-content')} sent`)
    expect((await nodeExec(env.n1, ['cat', dest])).stdout).toBe('good old file')
    expect((await entries('/opt/havip')).filter((f) => f.includes(`upload-atomic-mismatch-${tag}`))).toEqual([`upload-atomic-mismatch-${tag}`])
    expect(await stagingLeft(dest)).toBe('')
  })

  it('a connection cut in the middle of the transfer leaves the old target whole; the temp files go once it reconnects', async () => {
    const dest = `/opt/havip/upload-atomic-cut-${tag}`
    await root.upload(Buffer.from('good old file'), dest)
    const before = new Set((await sshdConnections(env.n1)).map((c) => c.peer))
    const cut = await env.pool.connect(env.adminTarget())
    const ours = await newSshdConnections(env.n1, env.lab.hostAddress, before)
    expect(ours, JSON.stringify(ours)).toHaveLength(1)

    // The transfer sends 300 kB, then its source stalls: the upload is mid-way until we cut it.
    const src = fifoSource('cut.fifo', 'checksum-pass')
    const upload = rejectionOf(cut.upload({ localPath: src.fifo }, dest, { sudo: true }))
    const staged = await transferStarted(dest)
    src.feed('{ head -c 300000 /dev/zero; exec sleep 60; }')
    await waitFor('part of the file to arrive on n1', async () => Number((await nodeExec(env.n1, ['stat', '-c', '%s', '--', staged])).stdout) > 0, 10_000, 50)

    const killed = await nodeExec(env.n1, ['kill', '-KILL', ...ours[0]!.pids.map(String)])
    expect(killed.code, killed.stderr).toBe(0)
    // The source still stalls: the cut alone must end the upload.
    const err = await upload
    for (const w of writers) killGroup(w)
    expect(err.kind).toBe('command-failed')
    expect(err.message).toMatch(/SFTP write failed/)
    expect((await nodeExec(env.n1, ['cat', dest])).stdout).toBe('good old file')
    expect((await entries('/opt/havip')).filter((f) => f.includes(`upload-atomic-cut-${tag}`))).toEqual([`upload-atomic-cut-${tag}`])
    // The clean-up after the failure reconnected and removed the staging dir.
    await waitFor('the staging dir to be removed', async () => (await stagingLeft(dest)) === '', 10_000, 100)
  })
})
