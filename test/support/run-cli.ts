// Runs `havip` through its real entry (runCli) in-process with a data directory, and collects
// what it printed: for the CLI's tests.
import { PassThrough } from 'node:stream'
import { runCli } from '../../electron/cli/main'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

export async function runHavip(dataDir: string, ...argv: string[]): Promise<CliRun> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (c) => (out += String(c)))
  stderr.on('data', (c) => (err += String(c)))
  const code = await runCli({ argv: ['--data-dir', dataDir, ...argv], env: {}, stdout, stderr })
  return { code, stdout: out, stderr: err }
}
