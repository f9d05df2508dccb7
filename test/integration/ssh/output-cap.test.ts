// Issue 9 item 17: a node that streams unbounded output is cut at the documented cap
// (MAX_EXEC_OUTPUT_BYTES, or ExecOptions.maxOutputBytes) with an error that says so, and the
// command is stopped on the node; output under the cap comes back whole. Real sshd in the lab.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_EXEC_OUTPUT_BYTES, type SshSession } from '../../../electron/backend/ssh/session'
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

/** `yes` with a unique word, so pgrep finds exactly this test's process on the node. */
const endless = (): string[] => ['yes', `havip-cap-${randomBytes(4).toString('hex')}`]

async function goneFromNode(argv: string[]): Promise<void> {
  const pattern = argv.join(' ')
  await waitFor(`${pattern} to exit on the node`, async () => (await nodeExec(env.n1, ['pgrep', '-f', pattern])).code !== 0, 5000, 100)
}

describe('exec output cap', () => {
  it('an endless stdout is cut at the cap with an error naming it, and the command is stopped on the node', async () => {
    const argv = endless()
    const err = await rejectionOf(root.exec(argv, { maxOutputBytes: 256 * 1024, timeoutMs: 30_000 }))
    expect(err.kind).toBe('command-failed')
    expect(err.message).toMatch(/wrote more than 262144 bytes to stdout, the output cap of HAVIP Manager, and was stopped\./)
    expect(err.hint).toMatch(/output/)
    await goneFromNode(argv)
    // The session is still usable after the cut.
    expect((await root.exec(['echo', 'still here'])).stdout).toBe('still here\n')
  })

  it('the default cap is 16 MiB and applies without options (stderr too)', async () => {
    expect(MAX_EXEC_OUTPUT_BYTES).toBe(16 * 1024 * 1024)
    const argv = endless()
    const err = await rejectionOf(root.exec(['sh', '-c', 'exec "$@" >&2', 'sh', ...argv], { timeoutMs: 60_000 }))
    expect(err.kind).toBe('command-failed')
    expect(err.message).toContain(`wrote more than ${MAX_EXEC_OUTPUT_BYTES} bytes to stderr`)
    await goneFromNode(argv)
  })

  it('output up to the cap comes back whole', async () => {
    const r = await root.exec(['head', '-c', String(64 * 1024), '/dev/zero'], { maxOutputBytes: 64 * 1024 })
    expect(r.code).toBe(0)
    expect(r.stdout.length).toBe(64 * 1024)
  })
})
