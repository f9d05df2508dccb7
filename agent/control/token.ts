/**
 * The control token: what stands in on Windows for the Unix socket's 0600 mode.
 *
 * Node's net.Server listens on a named pipe with the default security descriptor and offers no
 * way to set another: libuv's uv_pipe_bind passes no SECURITY_ATTRIBUTES to CreateNamedPipeW
 * (https://github.com/libuv/libuv/blob/v1.x/src/win/pipe.c), and the only ACL change Node offers
 * (listen's readableAll/writableAll, uv_pipe_chmod) widens access, never narrows it. Nor can
 * Node learn who the client is (no GetNamedPipeClientProcessId, no impersonation). Microsoft documents the default:
 * full control for LocalSystem, Administrators and the creator owner, and read access for
 * Everyone and the anonymous account
 * (https://learn.microsoft.com/en-us/windows/win32/ipc/named-pipe-security-and-access-rights).
 * Read access lets any local user open the pipe; and the default comes from the creating
 * process's token, so it differs when the agent is not started by the service as SYSTEM. That
 * is not something the agent can check, so it does not rely on it:
 *
 * At every start the agent writes a fresh random token (256 bits) to a file in its config
 * directory, C:\ProgramData\HAVIP, whose ACL grants SYSTEM and Administrators only (set at
 * deploy, and checked by the agent at start: windows/config-acl.ts). Every request must carry
 * it ("token" in the JSON line); a request without it, or with another, is refused and the
 * connection closed. So only a process that can read that file (SYSTEM, or an elevated
 * Administrator) can command the agent, which is the restriction the issue asks for, checked
 * in code we test. The token is never logged nor echoed in an error.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'

export const WINDOWS_TOKEN_FILE = 'C:\\ProgramData\\HAVIP\\control.token'

export function newToken(): string {
  return randomBytes(32).toString('hex')
}

/** Writes the token atomically (a temp name, then rename), owner-only where the mode means something. */
export function writeTokenFile(path: string, token: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' })
    renameSync(tmp, path)
  } catch (err) {
    try {
      unlinkSync(tmp)
    } catch {
      // never written
    }
    throw new Error(`cannot write the control token to ${path}: ${(err as Error).message}; the agent must run as SYSTEM (the HAVIP service) or an elevated Administrator`)
  }
}

/** Reads the token for `ctl`; errors say what the admin should do. */
export function readTokenFile(path: string): string {
  try {
    const t = readFileSync(path, 'utf8').trim()
    if (!/^[0-9a-f]{64}$/.test(t)) throw Object.assign(new Error('the file does not hold a token'), { code: 'EBADTOKEN' })
    return t
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ENOENT') throw new Error(`no control token at ${path}: the agent is not running (it writes a new token at every start)`)
    if (e.code === 'EACCES' || e.code === 'EPERM') throw new Error(`cannot read the control token ${path} (${e.code}): only SYSTEM and Administrators may; run ctl from an elevated prompt`)
    throw new Error(`cannot read the control token ${path}: ${e.message}`)
  }
}

/** Constant-time comparison, so the answer's timing tells nothing about the token. */
export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

export const TOKEN_REFUSED = 'request refused: missing or wrong control token; ctl sends the one the running agent wrote (readable only by SYSTEM and Administrators): run ctl from an elevated prompt, on the node'
