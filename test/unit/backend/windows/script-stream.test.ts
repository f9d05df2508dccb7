// Streaming runs of the PowerShell seam: over a real SSH connection (the app's Ssh2Session) to a
// replayed Windows node whose feed channel stays open as a real stream does, lines arrive as the
// node writes them, the frame's closing document is kept apart from them, and stopping the run
// closes the channel on the node's side. The line splitter on its own: pieces, envelope, cap.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SshPowerShellRunner } from '../../../../electron/backend/platform/windows/runner'
import { ScriptLines } from '../../../../electron/backend/platform/windows/script-stream'
import { hostKeyInfoOf } from '../../../../electron/backend/ssh/host-key'
import { Ssh2Session } from '../../../../electron/backend/ssh/session'
import { HostKeyStore } from '../../../../electron/backend/store/host-key-store'
import { startReplayedWindowsNode, type ReplayedWindowsNode } from '../../../support/replayed-windows-node'
import { testHostKey } from '../../../support/ssh-host-key'
import { waitFor } from '../../../support/wait-for'
import type { WindowsCases } from '../../../support/windows-fixtures'
import { windowsFixture } from '../../../support/windows-fixtures'

const HOST = '198.51.100.31'
const PASSWORD = 'unit-test-password'
const FEED = { periodSeconds: 5, maxSeconds: 3590 }
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function connected(cases: WindowsCases): Promise<{ node: ReplayedWindowsNode; runner: SshPowerShellRunner }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-winstream-'))
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  const hostKey = testHostKey()
  const hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  hostKeys.trust(hostKeyInfoOf(HOST, 22, hostKey.parsed.getPublicSSH()))
  const node = await startReplayedWindowsNode({ listen: { socketPath: path.join(dir, 'ssh.sock') }, password: PASSWORD, hostKey, cases, holdOpen: ['agent-feed'] })
  cleanups.push(() => node.stop())
  const session = new Ssh2Session('c-w', { host: HOST, port: 22, username: 'Administrator', auth: { kind: 'password', password: PASSWORD } }, hostKeys, {
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 60_000,
    log: () => {},
    openSocket: () => net.connect(node.socketPath!)
  })
  cleanups.push(() => session.close())
  return { node, runner: new SshPowerShellRunner(session) }
}

describe('streaming runs over SSH (replayed Windows node)', () => {
  it('hands on each line while the channel is open, more as the node writes them, and stopping closes the channel', async () => {
    const { node, runner } = await connected({ 'agent-feed': 'win2-backup' })
    const lines: string[] = []
    const ac = new AbortController()
    const run = runner.stream('agent-feed', FEED, { onLine: (l) => lines.push(l), signal: ac.signal, timeoutMs: 60_000 })
    await waitFor('the recorded lines', () => lines.length === 2, 5000)
    expect(node.openStreams('agent-feed')).toBe(1)
    expect(lines).toEqual(windowsFixture('agent-feed', 'win2-backup').stdout.trim().split('\n'))
    node.continueStream('agent-feed', 'win2-takes-over')
    await waitFor('the continuation', () => lines.length === 5, 5000)
    expect(JSON.parse(lines[3]!)).toMatchObject({ event: { type: 'transition', to: 'master' } })
    ac.abort()
    await expect(run).rejects.toThrow(/stopped on request/)
    await waitFor('the channel closed on the node', () => node.openStreams('agent-feed') === 0, 5000)
    // The command went as one encoded powershell.exe command line with the parameters as data.
    expect(node.runs).toEqual([{ name: 'agent-feed', params: FEED }])
  })

  it('a stream that ends by itself resolves with its closing document, which is not handed on as a line', async () => {
    const { runner } = await connected({ 'agent-ctl': 'status-not-installed' })
    const lines: string[] = []
    const r = await runner.stream('agent-ctl', { args: ['status', '--json'] }, { onLine: (l) => lines.push(l), signal: new AbortController().signal, timeoutMs: 60_000 })
    expect(lines).toEqual([])
    expect(r).toEqual({ ok: true, value: { installed: false, stderr: 'the agent is not installed on this node (no C:\\Program Files\\HAVIP\\current.json)' } })
  })
})

describe('ScriptLines', () => {
  it('joins pieces into lines, keeps the envelope apart, counts a last line without newline, and drops an overlong one', () => {
    const got: string[] = []
    const l = new ScriptLines((x) => got.push(x))
    l.push('{"a":')
    l.push('1}\r\n\n  \n{"havip":1,"result":{"x":2}}\n{"ha')
    l.push('vip":2}\n')
    l.push('x'.repeat(300 * 1024))
    l.push('y\nnext\nlast')
    l.end()
    expect(got).toEqual(['{"a":1}', '{"havip":2}', 'next', 'last'])
    expect(l.envelope).toBe('{"havip":1,"result":{"x":2}}')
  })
})
