// Reading a node's cluster, chosen per platform in cluster-reader.ts: a Windows node (its SSH
// server Win32-OpenSSH) is read through the 'cluster-read' PowerShell script, replayed here from
// the recorded fixtures; a Linux node through its one root shell command. And the words of
// "what is left" name each platform's own paths.
import { describe, expect, it } from 'vitest'
import { ApiException } from '../../../electron/api/errors'
import { readNodeCluster } from '../../../electron/backend/clusters/cluster-reader'
import { describeInstall } from '../../../electron/backend/clusters/operations/leftovers'
import type { NodeInstallState } from '../../../electron/backend/deploy/node-deployer'
import type { SshSession } from '../../../electron/backend/ssh/session'
import { replayNode } from '../../support/windows-fixtures'

const HOST = '198.51.100.21'

function session(serverIdent: string, execs: string[][]): SshSession {
  return {
    target: { host: HOST, port: 22, username: 'administrator' },
    serverIdent,
    exec: async (argv: string[]) => {
      execs.push(argv)
      return { code: 3, stdout: 'release=\nservice=\n---havip-cluster-json---\n', stderr: '' }
    }
  } as unknown as SshSession
}

async function readWindows(caseName: string) {
  const execs: string[][] = []
  const runner = replayNode(HOST, { 'cluster-read': caseName })
  const r = readNodeCluster(session('OpenSSH_for_Windows_8.1', execs), `WIN-NODE1 (${HOST})`, { powershell: () => runner })
  return { r, execs, runner }
}

describe('readNodeCluster on a Windows node', () => {
  it('reads C:\\ProgramData\\HAVIP\\cluster.json, the release current.json names and the service, through cluster-read only', async () => {
    const { r, execs, runner } = await readWindows('web-win-running')
    expect(await r).toMatchObject({ agentVersion: '1.4.0-b413a01e6f3d', serviceKind: 'windows-service', definition: { id: 'cl-5e1f0a2b3c4d5e6f', name: 'web-win', generation: 2 } })
    expect((await r).definition!.nodes.map((n) => n.platform)).toEqual(['windows', 'windows'])
    expect(runner.calls).toEqual([{ name: 'cluster-read', params: {} }])
    expect(execs).toEqual([])
  })

  it('a node without HAVIP: no definition, no release, no service', async () => {
    expect(await (await readWindows('no-cluster')).r).toEqual({ definition: null, agentVersion: null, serviceKind: null })
  })

  it('an agent installed but no cluster.json (a create that stopped early): the release and the service, no definition', async () => {
    expect(await (await readWindows('installed-no-cluster')).r).toEqual({ definition: null, agentVersion: '1.4.0-b413a01e6f3d', serviceKind: 'windows-service' })
  })

  it('a login that may not read C:\\ProgramData\\HAVIP: an error naming the file and the node, saying to log in as an administrator', async () => {
    const e = await (await readWindows('access-denied')).r.then(() => undefined, (x: unknown) => x)
    expect(e).toBeInstanceOf(ApiException)
    const err = (e as ApiException).error
    expect(err.message).toMatch(/^Reading C:\\ProgramData\\HAVIP\\cluster\.json on WIN-NODE1 \(198\.51\.100\.21\) failed: "cluster-read" on 198\.51\.100\.21 was refused: Access to the path .* is denied/)
    expect(err.hint).toMatch(/local Administrators group/)
    expect(err.node).toBe(HOST)
  })
})

describe('readNodeCluster on a Linux node', () => {
  it('runs its one root shell command, never PowerShell', async () => {
    const execs: string[][] = []
    const runner = replayNode(HOST, {})
    const r = await readNodeCluster(session('OpenSSH_9.6p1 Debian-3', execs), 'n1', { powershell: () => runner })
    expect(r).toEqual({ definition: null, agentVersion: null, serviceKind: null })
    expect(execs.map((a) => a.slice(0, 2))).toEqual([['sh', '-c']])
    expect(execs[0]).toContain('/etc/havip/cluster.json')
    expect(runner.calls).toEqual([])
  })
})

describe('what is left on a node, in words', () => {
  const state: NodeInstallState = {
    releases: ['1.4.0-b413a01e6f3d'],
    currentRelease: '1.4.0-b413a01e6f3d',
    uploadedRuntime: 'v22.23.3',
    nodePath: null,
    service: { kind: 'windows-service', installed: true, running: false },
    cluster: { id: 'cl-5e1f0a2b3c4d5e6f', name: 'web-win', generation: 1 },
    optFreeBytes: null
  }

  it('names the Windows paths on a Windows node', () => {
    expect(describeInstall(state, 'windows')).toEqual([
      'the havip-agent service (windows-service) is installed, not running',
      'C:\\ProgramData\\HAVIP\\cluster.json of web-win (cl-5e1f0a2b3c4d5e6f) generation 1',
      'agent release 1.4.0-b413a01e6f3d under C:\\Program Files\\HAVIP\\releases (current: 1.4.0-b413a01e6f3d)',
      'the Node.js runtime v22.23.3 this app uploaded under C:\\Program Files\\HAVIP\\runtime'
    ])
  })

  it('and the Linux ones on a Linux node', () => {
    const words = describeInstall({ ...state, service: { kind: 'supervisor', installed: true, running: true } }, 'linux').join('; ')
    expect(words).toContain('/etc/havip/cluster.json of web-win')
    expect(words).toContain('under /opt/havip/releases')
    expect(words).toContain('under /opt/havip/runtime')
  })
})
