// One Windows node for the Windows deployer's tests: a small stand-in agent bundle and runtime
// folder with fixed contents (so the release name and checksums the replay fixtures carry stay
// the same), and a session whose uploads are recorded. The upload itself (SFTP + 'place-file')
// is tested on its own in windows-upload.test.ts; here what matters is which files are sent where.
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SshSession } from '../../electron/backend/ssh/session'

export const WIN_HOST = '198.51.100.31'
export const INSTALLED_AT = '2026-12-02T02:00:00.000Z'

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')

export const STAND_INS = {
  agent: '// havip-agent bundle (test stand-in)\n',
  prebuild: 'raw-socket win32-x64 abi127 (test stand-in)\n',
  nodeExe: 'node.exe v22.23.3 (test stand-in)\n',
  winsw: 'winsw.exe 1.17.0.0 (test stand-in)\n'
}
export const WINSW_SHA256 = sha(STAND_INS.winsw)

/** A bundle dir (release 1.4.0 with one win32-x64 prebuild for ABI 127) and a runtime dir pinning the stand-ins. */
export function windowsDeployDirs(): { bundleDir: string; runtimeDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'havip-windeploy-'))
  const bundleDir = join(root, 'agent')
  mkdirSync(join(bundleDir, 'prebuilds', 'win32-x64'), { recursive: true })
  writeFileSync(join(bundleDir, 'havip-agent.cjs'), STAND_INS.agent)
  writeFileSync(join(bundleDir, 'release.json'), JSON.stringify({ version: '1.4.0' }))
  writeFileSync(join(bundleDir, 'prebuilds', 'win32-x64', '@neuralegion+raw-socket.abi127.node'), STAND_INS.prebuild)
  const runtimeDir = join(root, 'runtime')
  mkdirSync(join(runtimeDir, 'win32-x64'), { recursive: true })
  writeFileSync(join(runtimeDir, 'win32-x64', 'node.exe'), STAND_INS.nodeExe)
  writeFileSync(join(runtimeDir, 'win32-x64', 'winsw.exe'), STAND_INS.winsw)
  // The marker findRuntimeDir looks for (HAVIP_RUNTIME_DIR), with no Linux runtime in it.
  writeFileSync(join(runtimeDir, 'manifest.json'), JSON.stringify({ schema: 1, nodeVersion: '22.23.3', abi: '127', archives: {} }))
  writeFileSync(
    join(runtimeDir, 'runtime.json'),
    JSON.stringify({
      windows: {
        node: { version: '22.23.3', fileSha256: sha(STAND_INS.nodeExe), fileBytes: STAND_INS.nodeExe.length },
        serviceWrapper: { winswVersion: '1.17.0.0', fileSha256: WINSW_SHA256, fileBytes: STAND_INS.winsw.length }
      }
    })
  )
  return { bundleDir, runtimeDir }
}

export interface RecordedUpload {
  path: string
  sha256: string
  bytes: number
  /** The content, for uploads given as a Buffer (config files, current.json). */
  text?: string
}

/** A Windows session (Win32-OpenSSH ident) that records what is uploaded; it runs no command itself. */
export function recordingWindowsSession(uploads: RecordedUpload[]): SshSession {
  const fail = (): never => {
    throw new Error('the Windows deployer must run commands through its PowerShell runner')
  }
  return {
    id: 'win-1',
    target: { host: WIN_HOST, port: 22, username: 'Administrator' },
    hostKey: { algorithm: 'ssh-ed25519', sha256: 'x' },
    serverIdent: 'OpenSSH_for_Windows_9.5',
    exec: fail,
    execOk: fail,
    async upload(data: Buffer | { localPath: string }, remotePath: string) {
      const buf = Buffer.isBuffer(data) ? data : (await import('node:fs')).readFileSync(data.localPath)
      uploads.push({ path: remotePath, sha256: sha(buf), bytes: buf.length, ...(Buffer.isBuffer(data) ? { text: data.toString('utf8') } : {}) })
      return { sha256: sha(buf), bytes: buf.length }
    },
    close: async () => undefined,
    isConnected: () => true
  } as unknown as SshSession
}
