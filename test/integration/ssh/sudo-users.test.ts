// sudo as the three kinds of lab user a real fleet has (DESIGN.md §5, issue 9 item 12):
// havipadm (password login, sudo asks for the same password), havipkey (key only, NOPASSWD
// sudo, no password anywhere) and havipks (key only, sudo asks for a password the admin
// enters as the connection's sudo password). The password goes to sudo only when sudo asks,
// so the command's stdin holds exactly the caller's bytes.
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SshTargetInput } from '../../../electron/api/model'
import { nodeExec } from '../../lab/lab'
import { makeEnv, rejectionOf, type SshTestEnv } from './helpers'

let env: SshTestEnv
const tag = randomBytes(4).toString('hex')
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

beforeAll(() => {
  env = makeEnv()
})
afterAll(async () => {
  if (env) {
    await nodeExec(env.n1, ['sh', '-c', 'rm -f -- /opt/havip/sudo-users-* /tmp/havip-sudo-users-*']).catch(() => undefined)
    await env.dispose()
  }
})

interface UserCase {
  title: string
  target: () => SshTargetInput
  user: () => string
}
const users: UserCase[] = [
  { title: 'havipadm (password login, sudo asks)', target: () => env.adminTarget(), user: () => env.lab.sudoUser },
  { title: 'havipkey (key only, NOPASSWD sudo, no password anywhere)', target: () => env.keyUserTarget('nopasswd'), user: () => env.lab.keyUsers.nopasswdSudo.name },
  {
    title: 'havipks (key only, sudo asks; sudo password given)',
    target: () => env.keyUserTarget('sudopw', env.n1, { sudoPassword: env.keyUserSudoPassword }),
    user: () => env.lab.keyUsers.passwordSudo.name
  }
]

describe.each(users)('sudo as $title', ({ target, user }) => {
  it('runs as the user without sudo and as root with it', async () => {
    const s = await env.pool.connect(target())
    expect((await s.execOk(['id', '-un'])).stdout.trim()).toBe(user())
    expect((await s.execOk(['id', '-u'], { sudo: true })).stdout.trim()).toBe('0')
  })

  it('the command reads exactly the caller’s stdin: text, binary, and nothing', async () => {
    const s = await env.pool.connect(target())
    expect((await s.execOk(['cat'], { sudo: true, stdin: 'line one\nline two\n' })).stdout).toBe('line one\nline two\n')
    const bytes = Buffer.concat([randomBytes(100_000), Buffer.from('\n\n'), randomBytes(1000)])
    const sum = await s.execOk(['sha256sum'], { sudo: true, stdin: bytes })
    expect(sum.stdout.split(/\s+/)[0]).toBe(sha(bytes))
    expect((await s.execOk(['wc', '-c'], { sudo: true })).stdout.trim()).toBe('0')
    // sudo's prompt and the ready line are ours: the caller's stderr shows neither.
    const err = await s.exec(['sh', '-c', 'echo to-stderr >&2'], { sudo: true })
    expect(err.stderr).toBe('to-stderr\n')
  })

  it('uploads with sudo: a root-owned file with the right mode and checksum, no temp files left', async () => {
    const s = await env.pool.connect(target())
    const data = randomBytes(50_000)
    const dest = `/opt/havip/sudo-users-${user()}-${tag}.bin`
    await s.upload(Buffer.from('old'), dest, { sudo: true })
    expect(await s.upload(data, dest, { sudo: true, mode: 0o640 })).toEqual({ sha256: sha(data), bytes: data.length })
    expect((await nodeExec(env.n1, ['stat', '-c', '%a %U %s', '--', dest])).stdout.trim()).toBe(`640 root ${data.length}`)
    expect((await nodeExec(env.n1, ['sha256sum', '--', dest])).stdout.split(/\s+/)[0]).toBe(sha(data))
    const siblings = (await nodeExec(env.n1, ['ls', '-A', '/opt/havip'])).stdout.split('\n')
    expect(siblings.filter((f) => f.startsWith(`.sudo-users-${user()}-${tag}`))).toEqual([])
    // The staging dirs this upload used (named in the session log) are gone too.
    const staged = env.logs.flatMap((l) => (l.includes(dest) ? [/ via (\/tmp\/havip-upload\.[^/]+)\/file$/.exec(l)?.[1]] : [])).filter(Boolean) as string[]
    expect(staged.length).toBe(2)
    const left = await nodeExec(env.n1, ['sh', '-c', 'for p do [ -e "$p" ] && printf "%s\\n" "$p"; done; true', 'sh', ...staged])
    expect(left.stdout).toBe('')
  })
})

describe('sudo without a password where sudo wants none, or asks for one', () => {
  it('under NOPASSWD a sudo password configured anyway never reaches the command’s stdin', async () => {
    const s = await env.pool.connect(env.keyUserTarget('nopasswd', env.n1, { sudoPassword: `not-for-the-command-${tag}` }))
    const r = await s.execOk(['cat'], { sudo: true, stdin: 'caller bytes\n' })
    expect(r.stdout).toBe('caller bytes\n')
    expect(r.stderr).toBe('')
  })

  it('a key-only user whose sudo asks, with no sudo password: sudo-password-required, and the command never ran', async () => {
    const s = await env.pool.connect(env.keyUserTarget('sudopw'))
    const marker = `/tmp/havip-sudo-users-${tag}-never`
    const err = await rejectionOf(s.exec(['touch', marker], { sudo: true, timeoutMs: 20_000 }))
    expect(err.kind).toBe('sudo-password-required')
    expect(err.message).toContain(env.lab.keyUsers.passwordSudo.name)
    expect(err.hint).toMatch(/sudo password/)
    expect((await nodeExec(env.n1, ['test', '-e', marker])).code).toBe(1)
  })

  it('a wrong sudo password gives sudo-password-wrong, and the command never ran', async () => {
    const s = await env.pool.connect(env.keyUserTarget('sudopw', env.n1, { sudoPassword: `wrong-${tag}` }))
    const marker = `/tmp/havip-sudo-users-${tag}-wrong`
    const err = await rejectionOf(s.exec(['touch', marker], { sudo: true, timeoutMs: 20_000 }))
    expect(err.kind).toBe('sudo-password-wrong')
    expect(err.message).not.toContain(`wrong-${tag}`)
    expect((await nodeExec(env.n1, ['test', '-e', marker])).code).toBe(1)
  })

  it('key-only users cannot log in with a password, not even the right one', async () => {
    for (const username of [env.lab.keyUsers.passwordSudo.name, env.lab.keyUsers.nopasswdSudo.name]) {
      const err = await rejectionOf(
        env.pool.connect({ host: env.n1.address, port: env.n1.sshPort, username, auth: { kind: 'password', password: env.keyUserSudoPassword } })
      )
      expect(err.kind, username).toBe('auth-failed')
    }
  })

  it('never logs a sudo password', () => {
    expect(env.logs.join('\n')).not.toContain(env.keyUserSudoPassword)
    expect(env.logs.join('\n')).not.toContain(`not-for-the-command-${tag}`)
  })
})
