// Upload of one file over SFTP, verified by SHA-256 and placed atomically: the destination is
// only ever replaced by rename(2) of a complete, checked file in the same directory, so a
// failed or cut upload leaves either the old file or the new one, never a broken or missing
// one, and removes its temporary files.
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import type { SFTPWrapper } from 'ssh2'
import { SshError } from './errors'
import type { ExecOptions, ExecResult, UploadOptions } from './session-types'

/** What an upload needs from its session. */
export interface UploadChannel {
  readonly target: { host: string; port: number; username: string }
  /** Whether `sudo: true` really goes through sudo (false for root). */
  readonly sudo: boolean
  log(line: string): void
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>
  execOk(argv: string[], opts?: ExecOptions): Promise<ExecResult>
  /** Runs `fn` with an open SFTP channel (holding one of the session's channel slots). */
  withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T>
}

const DEFAULT_UPLOAD_TIMEOUT_MS = 5 * 60_000

/**
 * Run as root with (staged file, destination, octal mode, expected sha256). Copies the staged
 * file to a temp file beside the destination (same directory, so the rename is atomic), sets
 * its mode, checks its SHA-256, renames it over the destination. The temp file is removed on
 * any failure, also on a signal (a connection cut mid-way ends in SIGPIPE or SIGHUP at worst);
 * nothing is written to stdout/stderr before the outcome is known. Exit codes are read by
 * placeFailure(). A constant script: every value arrives as a positional argument.
 */
const PLACE_SCRIPT = [
  'src=$1; dst=$2; mode=$3; want=$4',
  'dir=${dst%/*}; [ -n "$dir" ] || dir=/; base=${dst##*/}',
  'if [ -d "$dst" ]; then exit 6; fi',
  'tmp=$(mktemp "$dir/.$base.havip-XXXXXXXX" 2>/dev/null) || exit 3',
  `trap 'rm -f -- "$tmp"' EXIT`,
  `trap 'exit 1' HUP INT TERM PIPE`,
  'err=$( { cat -- "$src" > "$tmp" && chmod "$mode" "$tmp"; } 2>&1 ) || { printf "%s\\n" "$err" >&2; exit 5; }',
  'sum=$(sha256sum < "$tmp") || exit 5',
  'sum=${sum%% *}',
  'if [ "$sum" != "$want" ]; then printf "%s\\n" "$sum"; exit 4; fi',
  'err=$(mv -f -- "$tmp" "$dst" 2>&1) || { printf "%s\\n" "$err" >&2; exit 5; }',
  'trap - EXIT'
].join('\n')

export async function uploadAtomically(
  ch: UploadChannel,
  data: Buffer | { localPath: string },
  remotePath: string,
  opts: UploadOptions = {}
): Promise<{ sha256: string; bytes: number }> {
  const { host, port } = ch.target
  if (!remotePath.startsWith('/') || remotePath.includes('\0') || remotePath.endsWith('/')) {
    throw new SshError({
      kind: 'invalid-input',
      host,
      port,
      message: `Cannot upload to "${remotePath}": the destination must be an absolute file path.`,
      hint: 'Give the full path of the file on the node, e.g. /opt/havip/agent.cjs.'
    })
  }
  const mode = opts.mode ?? 0o644
  const modeStr = (mode & 0o7777).toString(8).padStart(4, '0')
  const { sha256, bytes } = Buffer.isBuffer(data) ? digestBuffer(data) : await digestFile(data.localPath)
  const sudo = opts.sudo === true && ch.sudo
  const timeoutMs = opts.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS

  let tempDir: string | undefined
  let tempFile: string | undefined
  try {
    if (sudo) {
      // The login user cannot write the destination: stage the file in a private (0700)
      // temp dir the user owns; root then places it beside the destination and renames.
      const r = await ch.exec(['mktemp', '-d', '/tmp/havip-upload.XXXXXXXX'], { timeoutMs: 30_000 })
      tempDir = r.stdout.trim()
      if (r.code !== 0 || !tempDir.startsWith('/tmp/havip-upload.')) {
        throw uploadError(ch, remotePath, `could not create a temp dir (${r.stderr.trim() || 'mktemp failed'})`)
      }
      tempFile = `${tempDir}/file`
    } else {
      tempFile = siblingTempName(remotePath)
    }
    ch.log(`uploading ${bytes} bytes to ${host}:${remotePath} via ${tempFile}`)
    const staged = tempFile
    await ch.withSftp(async (sftp) => {
      try {
        await sftpWrite(sftp, data, staged, sudo ? 0o600 : mode, timeoutMs, opts.onProgress && ((done) => opts.onProgress!(done, bytes)))
      } catch (e) {
        throw uploadError(ch, remotePath, `SFTP write failed: ${(e as Error).message}`, e)
      }
    })

    if (sudo) {
      await placeAsRoot(ch, staged, remotePath, modeStr, sha256)
    } else {
      // Check what arrived before it replaces anything, so a damaged transfer never
      // overwrites a good file; chmod explicitly (the SFTP server applies its umask); rename.
      await verifySha256(ch, staged, sha256, remotePath)
      await ch.execOk(['chmod', modeStr, '--', staged], { timeoutMs: 30_000 })
      await ch.execOk(['mv', '-f', '--', staged, remotePath], { timeoutMs: 30_000 })
      tempFile = undefined
    }
    ch.log(`uploaded ${bytes} bytes to ${host}:${remotePath} (sha256 ${sha256.slice(0, 12)}…)`)
    return { sha256, bytes }
  } finally {
    // Also after a cut connection: exec reconnects on demand, so the staged copy still goes.
    const cleanup = tempDir ? ['rm', '-rf', '--', tempDir] : tempFile ? ['rm', '-f', '--', tempFile] : undefined
    if (cleanup) {
      await ch.exec(cleanup, { timeoutMs: 30_000 }).catch((e: unknown) => {
        ch.log(`could not remove the upload's temp file ${cleanup[3] ?? ''} on ${host}: ${(e as Error).message}`)
      })
    }
  }
}

/** `.name.havip-<random>.tmp` in the destination's directory. */
function siblingTempName(remotePath: string): string {
  const slash = remotePath.lastIndexOf('/')
  return `${remotePath.slice(0, slash + 1)}.${remotePath.slice(slash + 1)}.havip-${randomBytes(6).toString('hex')}.tmp`
}

async function placeAsRoot(ch: UploadChannel, staged: string, remotePath: string, modeStr: string, sha256: string): Promise<void> {
  const r = await ch.exec(['sh', '-c', PLACE_SCRIPT, 'havip-place', staged, remotePath, modeStr, sha256], { sudo: true, timeoutMs: 120_000 })
  if (r.code === 0) return
  if (r.code === 4) throw corruptError(ch, remotePath, r.stdout.trim(), sha256)
  const dir = remotePath.slice(0, remotePath.lastIndexOf('/')) || '/'
  const detail = r.stderr.trim().split('\n').filter(Boolean).pop()
  const why =
    r.code === 3
      ? `could not create a temp file in ${dir} (does the directory exist?)`
      : r.code === 5
        ? `writing the file beside the destination failed${detail ? ` (${detail})` : ''}; the old file, if any, is unchanged`
        : r.code === 6
          ? 'the destination is a directory'
          : `placing the file failed with exit code ${r.code}${detail ? ` (${detail})` : ''}; the old file, if any, is unchanged`
  throw uploadError(ch, remotePath, why)
}

async function verifySha256(ch: UploadChannel, file: string, expected: string, remotePath: string): Promise<void> {
  const check = await ch.execOk(['sha256sum', '--', file], { timeoutMs: 120_000 })
  // sha256sum prefixes the line with '\' when the file name needed escaping.
  const remoteSum = check.stdout.trim().replace(/^\\/, '').split(/\s+/)[0] ?? ''
  if (remoteSum !== expected) throw corruptError(ch, remotePath, remoteSum, expected)
}

function corruptError(ch: UploadChannel, remotePath: string, remoteSum: string, expected: string): SshError {
  const { host, port } = ch.target
  return new SshError({
    kind: 'command-failed',
    host,
    port,
    message: `Upload to ${remotePath} on ${host} is corrupt: checksum ${remoteSum || '(none)'} on the node, ${expected} sent. The old file, if any, is unchanged.`,
    hint: 'Retry the upload; if it keeps failing check the disk space and file system on the node.'
  })
}

function uploadError(ch: UploadChannel, remotePath: string, why: string, cause?: unknown): SshError {
  const { host, port } = ch.target
  return new SshError({
    kind: 'command-failed',
    host,
    port,
    message: `Upload to ${remotePath} on ${host} failed: ${why}.`,
    hint: 'Check that the destination directory exists and is writable (or use sudo), and the free disk space on the node.',
    cause
  })
}

export function digestBuffer(b: Buffer): { sha256: string; bytes: number } {
  return { sha256: createHash('sha256').update(b).digest('hex'), bytes: b.length }
}

export async function digestFile(p: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256')
  let bytes = 0
  for await (const chunk of fs.createReadStream(p)) {
    h.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return { sha256: h.digest('hex'), bytes }
}

export function sftpWrite(
  sftp: SFTPWrapper,
  data: Buffer | { localPath: string },
  remote: string,
  mode: number,
  timeoutMs: number,
  onProgress?: (bytesDone: number) => void
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // flags 'wx': never follow or overwrite something already at the temp name.
    const ws = sftp.createWriteStream(remote, { flags: 'wx', mode })
    const rs = Buffer.isBuffer(data) ? undefined : fs.createReadStream(data.localPath)
    let finished = false
    // A connection cut while no write is outstanding (the source is slow) fails no request, so
    // the write stream alone would wait for data forever: the channel's close ends it.
    const onChannelClose = (): void => finish(new Error('the SFTP channel closed (connection lost)'))
    sftp.once('close', onChannelClose)
    const finish = (e?: unknown): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      sftp.removeListener('close', onChannelClose)
      if (e) {
        rs?.destroy()
        ws.destroy()
        reject(e)
      } else resolve()
    }
    const timer = setTimeout(
      () => finish(new Error(`the transfer did not complete within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs
    )
    ws.on('error', finish)
    ws.on('close', () => finish())
    if (!rs) {
      ws.end(data)
      if (onProgress) ws.once('finish', () => onProgress((data as Buffer).length))
    } else {
      let done = 0
      rs.on('error', finish)
      if (onProgress) {
        rs.on('data', (chunk) => {
          done += chunk.length
          onProgress(done)
        })
      }
      rs.pipe(ws)
    }
  })
}
