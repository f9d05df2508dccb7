// Platform detection at connect, over a real SSH connection: a real ssh2 client (the app's
// Ssh2Session) talks to a replayed Windows node (test/support/replayed-windows-node.ts: an
// in-process ssh2 server that announces itself as Win32-OpenSSH does and answers each exec
// request by replaying the recorded run of the PowerShell script it got), over a Unix
// socket: no IP traffic. The server is a replay, not Windows: it proves the wire format,
// the detection and the error for admins' keys, not what Windows prints.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SshTarget } from '../../../../electron/api/model'
import { linuxPlatform } from '../../../../electron/backend/platform/linux-platform'
import { platformForSession } from '../../../../electron/backend/platform/resolve-platform'
import { platformFromServerIdent } from '../../../../electron/backend/platform/windows/detect'
import { captureFixtures } from '../../../../electron/backend/platform/windows/capture'
import { SshPowerShellRunner } from '../../../../electron/backend/platform/windows/runner'
import { windowsPlatform } from '../../../../electron/backend/platform/windows/windows-platform'
import { hostKeyInfoOf } from '../../../../electron/backend/ssh/host-key'
import { Ssh2Session } from '../../../../electron/backend/ssh/session'
import { HostKeyStore } from '../../../../electron/backend/store/host-key-store'
import { startReplayedWindowsNode, type ReplayedWindowsNode } from '../../../support/replayed-windows-node'
import { testHostKey, type TestHostKey } from '../../../support/ssh-host-key'
import { windowsFixture, SERVER_2022_CASES } from '../../../support/windows-fixtures'

const HOST = '198.51.100.21' // only a name: every byte goes over the Unix socket
const PASSWORD = 'unit-test-password'
const CASES = SERVER_2022_CASES

let dir: string
const nodes: ReplayedWindowsNode[] = []
let hostKeys: HostKeyStore
let hostKey: TestHostKey

/** A replayed node announcing `ident` on a Unix socket in this test's dir (all share one pinned host key). */
async function replayedNode(ident: string): Promise<ReplayedWindowsNode> {
  const socketPath = path.join(dir, `ssh-${nodes.length}.sock`)
  const node = await startReplayedWindowsNode({ listen: { socketPath }, password: PASSWORD, ident, hostKey, cases: CASES })
  nodes.push(node)
  return node
}

function session(node: ReplayedWindowsNode, auth: SshTarget['auth']): Ssh2Session {
  return new Ssh2Session('c-test', { host: HOST, port: 22, username: 'administrator', auth }, hostKeys, {
    connectTimeoutMs: 5000,
    keepaliveIntervalMs: 60_000,
    log: () => {},
    openSocket: () => net.connect(node.socketPath!)
  })
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-win-'))
  hostKey = testHostKey()
  hostKeys = new HostKeyStore(path.join(dir, 'host-keys.json'))
  hostKeys.trust(hostKeyInfoOf(HOST, 22, hostKey.parsed.getPublicSSH()))
})

afterAll(async () => {
  for (const n of nodes) await n.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('platformFromServerIdent', () => {
  it('tells Win32-OpenSSH from portable OpenSSH and leaves other servers undecided', () => {
    expect(platformFromServerIdent('OpenSSH_for_Windows_8.1')).toBe('windows')
    expect(platformFromServerIdent('OpenSSH_for_Windows_9.5')).toBe('windows')
    expect(platformFromServerIdent('OpenSSH_9.6p1')).toBe('linux')
    expect(platformFromServerIdent('dropbear_2022.83')).toBe('linux')
    expect(platformFromServerIdent('9.99 FlowSsh: Bitvise SSH Server (WinSSHD) 9.31')).toBeUndefined()
    expect(platformFromServerIdent(undefined)).toBeUndefined()
  })
})

describe('connecting to a replayed Windows node', () => {
  it('reads the banner, picks the Windows adapter and collects facts over the SSH exec', async () => {
    const node = await replayedNode('OpenSSH_for_Windows_8.1')
    const s = session(node, { kind: 'password', password: PASSWORD })
    try {
      await s.open()
      expect(s.serverIdent).toBe('OpenSSH_for_Windows_8.1')
      expect(platformForSession(s)).toBe(windowsPlatform)
      node.execs.length = 0
      const facts = await windowsPlatform.collectFacts(s)
      expect(facts).toMatchObject({ platform: 'windows', hostname: 'WIN-NODE1', windows: { elevated: true } })
      // Four scripts, each one plain powershell.exe command line with nothing for a shell to expand.
      expect(node.execs).toHaveLength(4)
      for (const c of node.execs) expect(c).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand [A-Za-z0-9+/=]+$/)
    } finally {
      await s.close()
    }
  })

  it('captures fixtures over the SSH runner that match what the node answered', async () => {
    const s = session(await replayedNode('OpenSSH_for_Windows_8.1'), { kind: 'password', password: PASSWORD })
    try {
      const fixtures = await captureFixtures(new SshPowerShellRunner(s), { withChanges: false, date: new Date('2026-12-02T00:00:00Z') })
      expect(fixtures.map((f) => [f.script, f.case])).toEqual([
        ['probe', 'captured-20348'],
        ['os-info', 'captured-20348'],
        ['network', 'captured-20348'],
        ['firewall', 'captured-20348'],
        ['vrrp-firewall-check', 'captured-20348'],
        ['time-status', 'captured-20348'],
        ['deploy-inspect', 'captured-20348'],
        ['cluster-read', 'captured-20348'],
        ['agent-ctl', 'captured-20348'],
        ['agent-feed', 'captured-20348']
      ])
      for (const f of fixtures) {
        const recorded = windowsFixture(f.script, CASES[f.script as keyof typeof CASES])
        expect({ stdout: f.stdout, stderr: f.stderr, exitCode: f.exitCode }).toEqual({ stdout: recorded.stdout, stderr: recorded.stderr, exitCode: recorded.exitCode })
        expect(f.source).toBe(`captured from ${HOST} (Microsoft Windows Server 2022 Datacenter 20348) on 2026-12-02`)
      }
    } finally {
      await s.close()
    }
  })

  it('uploads over SFTP to the /C:/ path of a temp file and has it placed by the place-file script', async () => {
    const node = await replayedNode('OpenSSH_for_Windows_8.1')
    const s = session(node, { kind: 'password', password: PASSWORD })
    try {
      const data = Buffer.from('agent bundle bytes\n')
      const r = await s.upload(data, 'C:\\Program Files\\HAVIP\\releases\\1.0.0\\agent.cjs')
      expect(r).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length })
      const temp = [...node.sftpFiles.keys()].find((k) => k.startsWith('/C:/Program Files/HAVIP/releases/1.0.0/.agent.cjs.havip-'))
      expect(temp).toMatch(/^\/C:\/Program Files\/HAVIP\/releases\/1\.0\.0\/\.agent\.cjs\.havip-[0-9a-f]{12}\.tmp$/)
      expect(node.sftpFiles.get(temp!)).toEqual(data)
      expect(node.placed.at(-1)).toMatchObject({ dest: 'C:\\Program Files\\HAVIP\\releases\\1.0.0\\agent.cjs', sha256: r.sha256 })
    } finally {
      await s.close()
    }
  })

  it('keeps the Linux adapter for a portable OpenSSH server', async () => {
    const s = session(await replayedNode('OpenSSH_9.6p1 Ubuntu-3ubuntu13.5'), { kind: 'password', password: PASSWORD })
    try {
      await s.open()
      expect(s.serverIdent).toBe('OpenSSH_9.6p1')
      expect(platformForSession(s)).toBe(linuxPlatform)
    } finally {
      await s.close()
    }
  })

  it('explains administrators_authorized_keys when a key login to Windows fails', async () => {
    const keyPath = path.join(dir, 'id_ed25519')
    fs.writeFileSync(keyPath, testHostKey().private, { mode: 0o600 }) // a key ssh2 can parse (see ssh-host-key.ts)
    const s = session(await replayedNode('OpenSSH_for_Windows_8.1'), { kind: 'key', privateKeyPath: keyPath })
    const err = await s.open().then(
      () => undefined,
      (e: unknown) => e
    )
    await s.close()
    expect(err).toMatchObject({ kind: 'auth-failed' })
    expect((err as Error & { hint: string }).hint).toMatch(/C:\\ProgramData\\ssh\\administrators_authorized_keys/)
    expect((err as Error & { hint: string }).hint).toMatch(/icacls/)
  })

  it('keeps the usual hint for a failed key login to Linux', async () => {
    const keyPath = path.join(dir, 'id_ed25519_linux')
    fs.writeFileSync(keyPath, testHostKey().private, { mode: 0o600 }) // a key ssh2 can parse (see ssh-host-key.ts)
    const s = session(await replayedNode('OpenSSH_9.6p1'), { kind: 'key', privateKeyPath: keyPath })
    const err = await s.open().then(
      () => undefined,
      (e: unknown) => e
    )
    await s.close()
    expect(err).toMatchObject({ kind: 'auth-failed' })
    expect((err as Error & { hint: string }).hint).not.toMatch(/administrators_authorized_keys/)
    expect((err as Error & { hint: string }).hint).toMatch(/authorized_keys/)
  })
})
