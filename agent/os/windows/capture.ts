/**
 * Capture mode: runs the adapter's real scripts on a Windows node and writes each run in the
 * replay format of test/fixtures/windows-agent/ ({script, source, stdout, stderr, code}), so an
 * admin with Windows Server can replace the fixtures written from documentation with real
 * output in minutes (`havip-agent win-capture`, agent/README.md "Windows").
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { PsRaw, PsRunner } from './ps-runner'
import type { PsScript } from './scripts'

/** A runner that passes every run to `inner` and writes what came back as a fixture file. */
export class CapturingPsRunner implements PsRunner {
  private readonly counts = new Map<string, number>()
  readonly written: string[] = []

  constructor(private readonly inner: PsRunner, private readonly dir: string, private readonly where = `${hostname()}`, private readonly now = () => new Date()) {
    mkdirSync(dir, { recursive: true })
  }

  async run(script: PsScript, params: Record<string, unknown>, timeoutMs: number): Promise<PsRaw> {
    const raw = await this.inner.run(script, params, timeoutMs)
    const n = (this.counts.get(script.name) ?? 0) + 1
    this.counts.set(script.name, n)
    const file = join(this.dir, `${script.name}-captured${n > 1 ? `-${n}` : ''}.json`)
    const fixture = {
      script: script.name,
      source: `captured on ${this.where} at ${this.now().toISOString()} by havip-agent win-capture`,
      stdout: raw.stdout,
      stderr: raw.stderr,
      code: raw.code,
      ...(raw.timedOut ? { timedOut: true } : {}),
      ...(raw.spawnError ? { spawnError: raw.spawnError } : {})
    }
    writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n')
    this.written.push(file)
    return raw
  }
}
