// sudo for a non-root user, with the password fed on stdin: never on a command line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRemoteCommand } from '../../../electron/backend/ssh/remote-command'
import { newSudoMarkers } from '../../../electron/backend/ssh/sudo-dialogue'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { nodeExec } from '../../lab/lab'
import { makeEnv, rejectionOf, waitFor, type SshTestEnv } from './helpers'

let env: SshTestEnv
let admin: SshSession
let root: SshSession
beforeAll(async () => {
  env = makeEnv()
  admin = await env.pool.connect(env.adminTarget())
  root = await env.pool.connect(env.rootTarget())
})
afterAll(async () => {
  await env?.dispose()
})

describe('sudo', () => {
  it('runs as root with sudo and as the user without', async () => {
    expect((await admin.execOk(['id', '-u'], { sudo: true })).stdout.trim()).toBe('0')
    expect((await admin.execOk(['id', '-u'])).stdout.trim()).not.toBe('0')
  })

  it('root needs no sudo (the option is a no-op)', async () => {
    expect((await root.execOk(['id', '-u'], { sudo: true })).stdout.trim()).toBe('0')
  })

  it('hands the command exactly the caller’s stdin (the password line is consumed by sudo)', async () => {
    const r = await admin.execOk(['cat'], { sudo: true, stdin: 'line one\nline two\n' })
    expect(r.stdout).toBe('line one\nline two\n')
    expect(r.stdout).not.toContain(env.sudoPassword)
    expect((await admin.execOk(['cat'], { sudo: true })).stdout).toBe('')
  })

  it('never puts the password on a command line: not in the built command, not in ps', async () => {
    const built = buildRemoteCommand(['sleep', '3'], { username: env.lab.sudoUser, sudo: true, markers: newSudoMarkers() })
    expect(built).not.toContain(env.sudoPassword)
    const marker = `3.${Math.floor(Math.random() * 1e6)}`
    const running = admin.execOk(['sleep', marker], { sudo: true, timeoutMs: 20_000 })
    let seen = ''
    try {
      // Look at every process on the node while the sudo'd command runs.
      await waitFor('the sudo command to show up in ps', async () => {
        seen = (await nodeExec(env.n1, ['ps', '-eo', 'args'])).stdout
        return seen.includes(`sleep ${marker}`)
      }, 5000, 100)
      expect(seen).toMatch(new RegExp(`sudo -S -p \\[havip-sudo-prompt-[0-9a-f]{16}\\] -k -- sh -c .* sleep ${marker.replace('.', '\\.')}`))
      expect(seen).not.toContain(env.sudoPassword)
    } finally {
      await running
    }
  })

  it('a wrong sudo password gives sudo-password-wrong', async () => {
    const s = await env.pool.connect(env.adminTarget(env.n1, { sudoPassword: 'definitely-wrong' }))
    const err = await rejectionOf(s.execOk(['id', '-u'], { sudo: true, timeoutMs: 20_000 }))
    expect(err.kind).toBe('sudo-password-wrong')
    expect(err.message).toContain(env.lab.sudoUser)
    expect(err.message).not.toContain('definitely-wrong')
  })

  it('key login without any sudo password gives sudo-password-required once sudo asks', async () => {
    const s = await env.pool.connect({
      host: env.n1.address,
      username: env.lab.sudoUser,
      auth: { kind: 'key', privateKeyPath: env.lab.rootKeyPath }
    })
    expect((await s.execOk(['id', '-un'])).stdout.trim()).toBe(env.lab.sudoUser)
    const err = await rejectionOf(s.exec(['id', '-u'], { sudo: true }))
    expect(err.kind).toBe('sudo-password-required')
    expect(err.hint).toMatch(/sudo password/)
  })

  it('never logs a password', () => {
    expect(env.logs.length).toBeGreaterThan(3)
    expect(env.logs.join('\n')).not.toContain(env.sudoPassword)
    expect(env.logs.join('\n')).not.toContain('definitely-wrong')
  })

  it('a timed-out sudo command is stopped on the node', async () => {
    const marker = `32.${Math.floor(Math.random() * 1e6)}`
    const err = await rejectionOf(admin.exec(['sleep', marker], { sudo: true, timeoutMs: 1500 }))
    expect(err.kind).toBe('timeout')
    expect(err.message).toMatch(/and was stopped/)
    await waitFor('the sudo sleep to exit', async () => (await nodeExec(env.n1, ['pgrep', '-f', `sleep ${marker}`])).code !== 0, 5000, 100)
  })
})
