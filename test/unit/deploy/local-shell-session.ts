// An SshSession whose "remote" end is this machine's /bin/sh: exec sends the very command string
// the SSH exec request would carry (buildRemoteCommand, as a root login) to `sh -c`, as sshd
// hands it to the login shell. So the deploy scripts and their quoting run for real, on a real
// shell, with paths under a temp dir. No upload: the tests that need one run in the lab.
import { spawn } from 'node:child_process'
import type { ExecOptions, ExecResult, SshSession } from '../../../electron/backend/ssh/session'
import { buildRemoteCommand } from '../../../electron/backend/ssh/remote-command'

export class LocalShellSession implements SshSession {
  readonly id = 'local'
  readonly target = { host: 'local-test-node', port: 22, username: 'root' }
  readonly hostKey = { host: 'local-test-node', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:test', publicKey: '' } as unknown as SshSession['hostKey']
  /** Every command string sent, to check what crossed the "wire". */
  readonly sent: string[] = []

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const command = buildRemoteCommand(argv, { username: 'root' })
    this.sent.push(command)
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('error', reject)
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        resolve({ code: code ?? 128, stdout, stderr, ...(signal ? { signal } : {}) })
      })
      // A script that exits without reading its input (a refused value) closes the pipe first:
      // that EPIPE is not a failure, as sshd drops unread stdin; the exit code says what happened.
      child.stdin.on('error', () => undefined)
      child.stdin.end(opts.stdin ?? '')
    })
  }

  async execOk(argv: string[], opts?: ExecOptions): Promise<ExecResult> {
    const r = await this.exec(argv, opts)
    if (r.code !== 0) throw new Error(`${argv[0]} exited ${r.code}: ${r.stderr}`)
    return r
  }

  upload(): Promise<{ sha256: string; bytes: number }> {
    return Promise.reject(new Error('LocalShellSession has no upload; use the lab'))
  }

  async close(): Promise<void> {}

  isConnected(): boolean {
    return true
  }
}
