// Small file helpers for the stores: private directories and crash-safe writes.
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

/** Create a directory (and parents) readable only by its owner; tighten it if it already exists looser. */
export function ensurePrivateDir(dirPath: string): void {
  fs.mkdirSync(dirPath, { recursive: true, mode: 0o700 })
  if (process.platform !== 'win32') {
    const st = fs.statSync(dirPath)
    if ((st.mode & 0o077) !== 0) fs.chmodSync(dirPath, 0o700)
  }
}

/**
 * Write a file so that readers see either the old or the new content, never half of it:
 * write a temp file beside it (same file system), fsync, then rename over the target
 * (rename is atomic on POSIX), then fsync the directory so the rename survives a crash.
 * The temp file is created with `mode` from the start, so the content is never readable
 * by others even for a moment.
 */
export function writeFileAtomic(filePath: string, data: string | Buffer, mode = 0o600): void {
  const dir = path.dirname(filePath)
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  let fd: number | undefined
  try {
    fd = fs.openSync(tmp, 'wx', mode)
    fs.writeFileSync(fd, data)
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    fd = undefined
    fs.chmodSync(tmp, mode) // umask may have narrowed or (on odd systems) widened it
    fs.renameSync(tmp, filePath)
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd)
    fs.rmSync(tmp, { force: true })
    throw e
  }
  if (process.platform !== 'win32') {
    try {
      const dfd = fs.openSync(dir, 'r')
      try {
        fs.fsyncSync(dfd)
      } finally {
        fs.closeSync(dfd)
      }
    } catch {
      // Some file systems refuse fsync on directories; the rename itself already happened.
    }
  }
}

/** Read a file that must be private; tighten its mode if someone loosened it. Undefined if absent. */
export function readPrivateFile(filePath: string): string | undefined {
  let text: string
  try {
    text = fs.readFileSync(filePath, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  if (process.platform !== 'win32') {
    const st = fs.statSync(filePath)
    if ((st.mode & 0o077) !== 0) fs.chmodSync(filePath, 0o600)
  }
  return text
}
