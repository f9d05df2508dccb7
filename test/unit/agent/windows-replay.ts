/**
 * The test side of the Windows adapter's PsRunner seam: replays recorded runs from
 * test/fixtures/windows-agent/ (stdout, stderr, exit code) in order, checking that each was
 * asked of the script the fixture answers, and keeps what the adapter asked for.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PsRaw, PsRunner } from '../../../agent/os/windows/ps-runner'
import type { PsScript } from '../../../agent/os/windows/scripts'

export const FIXTURE_DIR = join(__dirname, '../../fixtures/windows-agent')

export interface Fixture extends PsRaw {
  script: string
  source: string
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Fixture
}

export class ReplayPsRunner implements PsRunner {
  readonly calls: { script: string; params: Record<string, unknown> }[] = []
  private readonly queue: string[]

  constructor(...fixtures: string[]) {
    this.queue = [...fixtures]
  }

  async run(script: PsScript, params: Record<string, unknown>): Promise<PsRaw> {
    const name = this.queue.shift()
    if (!name) throw new Error(`unexpected PowerShell run of ${script.name} (no fixture left)`)
    const f = loadFixture(name)
    if (f.script !== '*' && f.script !== script.name) throw new Error(`fixture ${name} answers ${f.script}, but ${script.name} was run`)
    this.calls.push({ script: script.name, params: JSON.parse(JSON.stringify(params)) as Record<string, unknown> })
    return { code: f.code, stdout: f.stdout, stderr: f.stderr, timedOut: f.timedOut ?? false, spawnError: f.spawnError }
  }

  /** Fixtures queued but never asked for (a test should end with none). */
  get left(): string[] {
    return [...this.queue]
  }
}
