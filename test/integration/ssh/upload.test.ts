// SFTP upload with a checksum check, as root and through sudo into /opt/havip.
import { createHash, randomBytes } from 'node:crypto'
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { nodeExec } from '../../lab/lab'
import { makeEnv, rejectionOf, type SshTestEnv } from './helpers'

let env: SshTestEnv
let admin: SshSession
let root: SshSession
const tag = randomBytes(4).toString('hex')
const hostileName = `/tmp/havip upload ${tag} $(id) 'q' \`x\`.bin`
beforeAll(async () => {
  env = makeEnv()
  admin = await env.pool.connect(env.adminTarget())
  root = await env.pool.connect(env.rootTarget())
})
afterAll(async () => {
  if (env) {
    await nodeExec(env.n1, ['sh', '-c', 'rm -f -- /opt/havip/upload-test-* "$1"', 'sh', hostileName]).catch(() => undefined)
    await env.dispose()
  }
})

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

async function nodeSha(p: string): Promise<string> {
  return (await nodeExec(env.n1, ['sha256sum', '--', p])).stdout.trim().replace(/^\\/, '').split(/\s+/)[0]!
}
async function nodeStat(p: string): Promise<string> {
  return (await nodeExec(env.n1, ['stat', '-c', '%a %U %s', '--', p])).stdout.trim()
}
/** Temp files and dirs this test's uploads staged (from the session log) that still exist. */
async function leftoverTemps(): Promise<string> {
  const staged = env.logs.flatMap((l) => {
    const m = / via (\/.*)$/.exec(l)
    if (!m) return []
    const p = m[1]!
    return [p.startsWith('/tmp/havip-upload.') ? path.dirname(p) : p]
  })
  expect(staged.length).toBeGreaterThan(0)
  const r = await nodeExec(env.n1, ['sh', '-c', 'for p do [ -e "$p" ] && printf "%s\\n" "$p"; done; true', 'sh', ...staged])
  return r.stdout.trim()
}

describe('upload', () => {
  it('uploads a buffer as root to a hostile file name, with the right checksum and mode', async () => {
    const data = randomBytes(70_000)
    const r = await root.upload(data, hostileName, { mode: 0o640 })
    expect(r).toEqual({ sha256: sha(data), bytes: data.length })
    expect(await nodeSha(hostileName)).toBe(sha(data))
    expect(await nodeStat(hostileName)).toBe(`640 root ${data.length}`)
    expect(await leftoverTemps()).toBe('')
  })

  it('uploads a local file (1 MiB) and replaces an existing one atomically', async () => {
    const local = path.join(env.dir, 'payload.bin')
    const data = randomBytes(1024 * 1024)
    fs.writeFileSync(local, data)
    const dest = `/opt/havip/upload-test-${tag}.bin`
    await root.upload(Buffer.from('old content'), dest)
    const r = await root.upload({ localPath: local }, dest, { mode: 0o755 })
    expect(r.sha256).toBe(sha(data))
    expect(r.bytes).toBe(data.length)
    expect(await nodeSha(dest)).toBe(sha(data))
    expect(await nodeStat(dest)).toBe(`755 root ${data.length}`)
  })

  it('with sudo, a non-root user places a root-owned file in /opt/havip; temp files are gone', async () => {
    const data = Buffer.from(`#!/bin/sh\necho agent ${tag}\n`)
    const dest = `/opt/havip/upload-test-sudo-${tag}.sh`
    const r = await admin.upload(data, dest, { sudo: true, mode: 0o750 })
    expect(r.sha256).toBe(sha(data))
    expect(await nodeStat(dest)).toBe(`750 root ${data.length}`)
    expect(await nodeSha(dest)).toBe(sha(data))
    expect((await admin.execOk([dest], { sudo: true })).stdout).toBe(`agent ${tag}\n`)
    expect(await leftoverTemps()).toBe('')
  })

  it('without sudo a non-root user cannot write /opt/havip, and gets a readable error', async () => {
    const err = await rejectionOf(admin.upload(Buffer.from('x'), `/opt/havip/upload-test-denied-${tag}`))
    expect(err.kind).toBe('command-failed')
    expect(err.message).toMatch(/Upload to \/opt\/havip\/upload-test-denied-.* failed/)
    expect(err.hint).toMatch(/sudo/)
    expect((await nodeExec(env.n1, ['ls', '/opt/havip'])).stdout).not.toContain('denied')
    expect(await leftoverTemps()).toBe('')
  })

  it('detects a transfer that does not match what was hashed, and leaves the old file alone', async () => {
    // A FIFO yields different bytes on each read: the checksum is taken from the first read,
    // the upload streams the second — as if the local file changed during the upload.
    // (The pause lets the first reader close before the second write opens the FIFO.)
    const fifo = path.join(env.dir, 'changing.fifo')
    execFileSync('mkfifo', [fifo])
    const writer = spawn('sh', ['-c', 'printf first-content > "$1"; sleep 0.5; printf second-content > "$1"', 'sh', fifo], { stdio: 'ignore' })
    const dest = `/opt/havip/upload-test-mismatch-${tag}`
    try {
      await root.upload(Buffer.from('good old file'), dest)
      const err = await rejectionOf(root.upload({ localPath: fifo }, dest))
      expect(err.kind).toBe('command-failed')
      expect(err.message).toMatch(/is corrupt: checksum [0-9a-f]{64} on the node, [0-9a-f]{64} sent/)
      expect((await nodeExec(env.n1, ['cat', dest])).stdout).toBe('good old file')
      expect(await leftoverTemps()).toBe('')
    } finally {
      writer.kill('SIGKILL')
    }
  })

  it('refuses relative destinations', async () => {
    const err = await rejectionOf(root.upload(Buffer.from('x'), 'relative/path'))
    expect(err.kind).toBe('invalid-input')
  })

  it('files uploaded to n1 stay on n1', async () => {
    const dest = `/opt/havip/upload-test-iso-${tag}`
    await root.upload(Buffer.from('n1 only'), dest)
    expect((await nodeExec(env.n2, ['ls', '/opt/havip'])).stdout).not.toContain(`iso-${tag}`)
  })
})
