// Upload of one file to a Windows node: SFTP writes it under a temp name beside the
// destination (Win32-OpenSSH's SFTP server names C:\dir\file "/C:/dir/file"), then the
// 'place-file' script checks its SHA-256 and renames it over the destination, so a cut or
// damaged transfer never replaces a good file; an unfinished upload's temp file is removed.
import { randomBytes } from 'node:crypto'
import type { SFTPWrapper } from 'ssh2'
import { SshError } from '../../ssh/errors'
import { digestBuffer, digestFile, sftpWrite } from '../../ssh/upload'
import type { UploadOptions } from '../../ssh/session-types'
import type { PowerShellRunner } from './runner'
import { windowsErrorToSsh } from './script-result'

export interface WindowsUploadChannel {
  readonly target: { host: string; port: number }
  log(line: string): void
  withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T>
  powershell: PowerShellRunner
  /** The temp name's random part (tests fix it so a recorded run matches). */
  tempSuffix?: () => string
}

/** "C:\Program Files\HAVIP\x" (or "C:/Program Files/..." or "/C:/...") as a checked Windows path. */
export function windowsPath(p: string): string | undefined {
  const s = p.replace(/^\/(?=[A-Za-z]:)/, '').replace(/\//g, '\\')
  if (!/^[A-Za-z]:\\[^\0<>"|?*]*[^\\\0<>"|?*]$/.test(s) || s.includes(':', 2)) return undefined
  if (s.split('\\').slice(1).some((part) => part === '' || part === '.' || part === '..')) return undefined
  return s
}

/** The SFTP spelling of a Windows path: /C:/Program Files/HAVIP/x. */
export function sftpPathOf(winPath: string): string {
  return `/${winPath.replace(/\\/g, '/')}`
}

export async function uploadToWindows(
  ch: WindowsUploadChannel,
  data: Buffer | { localPath: string },
  remotePath: string,
  opts: UploadOptions = {}
): Promise<{ sha256: string; bytes: number }> {
  const { host, port } = ch.target
  const dest = windowsPath(remotePath)
  if (!dest) {
    throw new SshError({
      kind: 'invalid-input',
      host,
      port,
      message: `Cannot upload to "${remotePath}": on Windows the destination must be a full file path with a drive letter.`,
      hint: 'Give the full path on the node, e.g. C:\\Program Files\\HAVIP\\releases\\1.0.0\\agent.cjs.'
    })
  }
  const { sha256, bytes } = Buffer.isBuffer(data) ? digestBuffer(data) : await digestFile(data.localPath)
  const slash = dest.lastIndexOf('\\')
  const temp = `${dest.slice(0, slash + 1)}.${dest.slice(slash + 1)}.havip-${(ch.tempSuffix ?? (() => randomBytes(6).toString('hex')))()}.tmp`
  let placed = false
  try {
    ch.log(`uploading ${bytes} bytes to ${host}:${dest} via ${temp}`)
    await ch.withSftp(async (sftp) => {
      try {
        await sftpWrite(sftp, data, sftpPathOf(temp), 0o644, opts.timeoutMs ?? 5 * 60_000, opts.onProgress && ((done) => opts.onProgress!(done, bytes)))
      } catch (e) {
        throw new SshError({
          kind: 'command-failed',
          host,
          port,
          message: `Upload to ${dest} on ${host} failed: SFTP write failed: ${(e as Error).message}.`,
          hint: 'Check that the destination folder exists and that the login may write there (an administrator for C:\\Program Files), and the free disk space.',
          cause: e
        })
      }
    })
    const r = await ch.powershell.run<{ placed?: unknown; sha256?: unknown }>('place-file', { temp, dest, sha256 })
    if (!r.ok) throw windowsErrorToSsh(r.error, port)
    if (r.value?.placed !== true) {
      throw new SshError({
        kind: 'command-failed',
        host,
        port,
        message: `Upload to ${dest} on ${host} is corrupt: checksum ${String(r.value?.sha256 ?? '(none)')} on the node, ${sha256} sent. The old file, if any, is unchanged.`,
        hint: 'Retry the upload; if it keeps failing check the disk space and file system on the node.'
      })
    }
    placed = true
    ch.log(`uploaded ${bytes} bytes to ${host}:${dest} (sha256 ${sha256.slice(0, 12)}…)`)
    return { sha256, bytes }
  } finally {
    if (!placed) {
      await ch.powershell.run('remove-file', { path: temp }).catch((e: unknown) => {
        ch.log(`could not remove the upload's temp file ${temp} on ${host}: ${(e as Error).message}`)
      })
    }
  }
}
