// Connecting to real lab nodes: auth methods, first-contact host keys, a changed key, and
// the typed errors for wrong passwords, unreachable hosts and refused ports.
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SshError } from '../../../electron/backend/ssh/errors'
import { SshPool } from '../../../electron/backend/ssh/pool'
import { HostKeyStore } from '../../../electron/backend/store/host-key-store'
import { makeEnv, rejectionOf, waitFor, type SshTestEnv } from './helpers'

let env: SshTestEnv
beforeAll(() => {
  env = makeEnv({ trust: false })
})
afterAll(async () => {
  await env?.dispose()
})
afterEach(async () => {
  await env.pool.closeAll()
})

describe('first contact and host keys', () => {
  it('reports an unknown host key with the fingerprint the node really has, and trusts nothing by itself', async () => {
    const err = await rejectionOf(env.pool.connect(env.rootTarget()))
    expect(err).toBeInstanceOf(SshError)
    expect(err.kind).toBe('host-key-unknown')
    expect(err.hostKey).toMatchObject({
      host: env.n1.address,
      port: env.n1.sshPort,
      keyType: 'ssh-ed25519',
      fingerprint: env.n1.hostKeyFingerprint
    })
    expect(err.message).toContain(env.n1.hostKeyFingerprint)
    expect(err.hint).toMatch(/ssh-keygen -lf/)
    expect(env.hostKeys.list()).toEqual([])
    expect(env.pool.list()).toEqual([])
  })

  it('connects with the root key once the admin trusted the key', async () => {
    const err = await rejectionOf(env.pool.connect(env.rootTarget()))
    env.hostKeys.trust(err.hostKey)
    const s = await env.pool.connect(env.rootTarget())
    expect(s.isConnected()).toBe(true)
    expect(s.hostKey.fingerprint).toBe(env.n1.hostKeyFingerprint)
    expect(s.target).toEqual({ host: env.n1.address, port: 22, username: 'root' })
    expect((await s.execOk(['id', '-un'])).stdout.trim()).toBe('root')
    expect(env.pool.get(s.id)).toBe(s)
    await env.pool.close(s.id)
    expect(s.isConnected()).toBe(false)
    expect(env.pool.get(s.id)).toBeUndefined()
  })

  it('refuses a changed host key with both fingerprints and keeps the old pin', async () => {
    const store = new HostKeyStore(path.join(env.dir, 'changed.json'))
    const bogus = 'SHA256:' + 'A'.repeat(43)
    store.trust({ host: env.n2.address, port: 22, keyType: 'ssh-ed25519', fingerprint: bogus })
    const pool = new SshPool({ hostKeys: store, connectTimeoutMs: 10_000 })
    try {
      const err = await rejectionOf(pool.connect(env.rootTarget(env.n2)))
      expect(err.kind).toBe('host-key-changed')
      expect(err.hostKey.fingerprint).toBe(env.n2.hostKeyFingerprint)
      expect(err.hostKey.expectedFingerprint).toBe(bogus)
      expect(err.message).toMatch(/CHANGED/)
      expect(err.message).toContain(bogus)
      expect(err.message).toContain(env.n2.hostKeyFingerprint)
      expect(store.get(env.n2.address, 22)?.fingerprint).toBe(bogus)
      expect(pool.list()).toEqual([])
    } finally {
      await pool.closeAll()
    }
  })
})

describe('a damaged host-key store', () => {
  it('stops the connection with a message naming the file, rather than treating the node as new', async () => {
    const file = path.join(env.dir, 'damaged.json')
    fs.writeFileSync(file, '{"hostKeys": [', { mode: 0o600 })
    const pool = new SshPool({ hostKeys: new HostKeyStore(file), connectTimeoutMs: 10_000 })
    try {
      const err = await rejectionOf(pool.connect(env.rootTarget()))
      expect(err.kind).toBe('invalid-input')
      expect(err.message).toContain(file)
      expect(err.hint).toMatch(/Repair or remove/)
    } finally {
      await pool.closeAll()
    }
  })
})

describe('auth methods', () => {
  beforeAll(() => {
    for (const n of env.lab.nodes) {
      env.hostKeys.trust({ host: n.address, port: n.sshPort, keyType: 'ssh-ed25519', fingerprint: n.hostKeyFingerprint })
    }
  })

  it('logs in with a password (non-root user)', async () => {
    const s = await env.pool.connect(env.adminTarget())
    expect((await s.execOk(['id', '-un'])).stdout.trim()).toBe(env.lab.sudoUser)
  })

  it('logs in through an SSH agent', async () => {
    const sock = path.join(env.dir, 'agent.sock')
    let agent: ChildProcess | undefined
    try {
      agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
      await waitFor('ssh-agent socket', () => fs.existsSync(sock), 5000, 100)
      await new Promise<void>((resolve, reject) => {
        const add = spawn('ssh-add', ['-q', env.lab.rootKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' })
        add.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-add exited ${code}`))))
      })
      const s = await env.pool.connect({ host: env.n1.address, username: 'root', auth: { kind: 'agent', socketPath: sock } })
      expect((await s.execOk(['id', '-un'])).stdout.trim()).toBe('root')
    } finally {
      agent?.kill('SIGTERM')
    }
  })

  it('a wrong password gives auth-failed', async () => {
    const err = await rejectionOf(env.pool.connect(env.adminTarget(env.n1, { auth: { kind: 'password', password: 'not-the-password' } })))
    expect(err).toBeInstanceOf(SshError)
    expect(err.kind).toBe('auth-failed')
    expect(err.message).toContain(env.n1.address)
    expect(err.message).not.toContain('not-the-password')
    expect(err.hint).toMatch(/user name/)
  })

  it('a key the node does not accept gives auth-failed', async () => {
    const keyPath = path.join(env.dir, 'stranger_key')
    await new Promise<void>((resolve, reject) => {
      const p = spawn('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', keyPath], { stdio: 'ignore' })
      p.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`ssh-keygen exited ${c}`))))
    })
    const err = await rejectionOf(env.pool.connect({ host: env.n1.address, username: 'root', auth: { kind: 'key', privateKeyPath: keyPath } }))
    expect(err.kind).toBe('auth-failed')
  })

  it('a missing key file is invalid input', async () => {
    const err = await rejectionOf(env.pool.connect({ host: env.n1.address, username: 'root', auth: { kind: 'key', privateKeyPath: '/nonexistent/id_ed25519' } }))
    expect(err.kind).toBe('invalid-input')
    expect(err.message).toContain('/nonexistent/id_ed25519')
  })

  it('a hostile target is rejected before any connection, naming the fields', async () => {
    const err = await rejectionOf(
      env.pool.connect({ host: '-oProxyCommand=touch /tmp/x', port: 0, username: 'root;id', auth: { kind: 'password', password: 'x' } })
    )
    expect(err.kind).toBe('invalid-input')
    expect(err.message).toMatch(/host: /)
    expect(err.message).toMatch(/port: /)
    expect(err.message).toMatch(/username: /)
  })
})

describe('network errors', () => {
  it('an unassigned address in the lab LAN gives unreachable or timeout, within the timeout', async () => {
    const pool = new SshPool({ hostKeys: env.hostKeys, connectTimeoutMs: 3000 })
    const started = Date.now()
    try {
      const err = await rejectionOf(pool.connect({ host: '198.51.100.99', username: 'root', auth: { kind: 'key', privateKeyPath: env.lab.rootKeyPath } }))
      const elapsed = Date.now() - started
      expect(err).toBeInstanceOf(SshError)
      expect(['unreachable', 'timeout']).toContain(err.kind)
      expect(err.message).toContain('198.51.100.99')
      // Generous bound: the 3 s connect timeout plus scheduling slack.
      expect(elapsed).toBeLessThan(8000)
    } finally {
      await pool.closeAll()
    }
  })

  it('a port nobody listens on gives refused', async () => {
    const err = await rejectionOf(env.pool.connect({ ...env.rootTarget(), port: 2222 }))
    expect(err.kind).toBe('refused')
    expect(err.message).toContain(`${env.n1.address}:2222`)
    expect(err.hint).toMatch(/listens on port 2222/)
  })
})
