// Recorded runs of the Windows scripts, one JSON file per (script, case), and where each came
// from. A fixture never claims more than it is: a public sample (with its URL), one written
// from the documented format (with the document), or a capture from a named node.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { isWindowsScriptName, type WindowsScriptName } from './scripts'

export interface WindowsFixture {
  script: WindowsScriptName
  /** Short name of the situation it shows ('server-2022-static', 'access-denied', ...). */
  case: string
  params: Record<string, unknown>
  stdout: string
  stderr: string
  exitCode: number
  /**
   * Provenance: "public sample: <URL/document>", "written from the documented format: <doc>"
   * or "captured from <host> (<edition> <build>) on <date>".
   */
  source: string
}

const SOURCE_RE = /^(public sample: \S.*|written from the documented format: \S.*|captured from \S+ \(.+\) on \d{4}-\d{2}-\d{2}.*)$/

export function sameParams(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? {})), JSON.parse(JSON.stringify(b ?? {})))
}

/** Check one parsed fixture file; throws with the file named and what is wrong. */
export function parseFixture(text: string, file: string): WindowsFixture {
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`)
  }
  const bad = (what: string): never => {
    throw new Error(`${file}: ${what}`)
  }
  if (typeof v.script !== 'string' || !isWindowsScriptName(v.script)) bad(`unknown script ${JSON.stringify(v.script)}`)
  if (typeof v.case !== 'string' || !/^[a-z0-9][a-z0-9.-]*$/.test(v.case)) bad('case must be a lower-case name')
  if (!v.params || typeof v.params !== 'object' || Array.isArray(v.params)) bad('params must be an object')
  if (typeof v.stdout !== 'string' || typeof v.stderr !== 'string') bad('stdout and stderr must be strings')
  if (typeof v.exitCode !== 'number' || !Number.isInteger(v.exitCode)) bad('exitCode must be an integer')
  if (typeof v.source !== 'string' || !SOURCE_RE.test(v.source)) bad(`source must say where it came from (public sample / written from the documented format / captured from), got ${JSON.stringify(v.source)}`)
  return v as unknown as WindowsFixture
}

/** The source line of a capture. */
export function captureSource(host: string, edition: string, build: string, date: Date): string {
  return `captured from ${host} (${edition} ${build}) on ${date.toISOString().slice(0, 10)}`
}

/** File name of a fixture inside the fixture directory: <script>/<case>.json. */
export function fixturePath(f: Pick<WindowsFixture, 'script' | 'case'>): string {
  return `${f.script}/${f.case}.json`
}

export function formatFixture(f: WindowsFixture): string {
  const ordered: WindowsFixture = {
    script: f.script,
    case: f.case,
    params: f.params,
    stdout: f.stdout,
    stderr: f.stderr,
    exitCode: f.exitCode,
    source: f.source
  }
  return `${JSON.stringify(ordered, null, 2)}\n`
}

/** Every fixture under dir (<script>/<case>.json), checked; file names must match their content. */
export function loadFixtureDir(dir: string): WindowsFixture[] {
  const out: WindowsFixture[] = []
  for (const script of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!script.isDirectory()) continue
    for (const file of fs.readdirSync(path.join(dir, script.name)).sort()) {
      if (!file.endsWith('.json')) continue
      const rel = `${script.name}/${file}`
      const f = parseFixture(fs.readFileSync(path.join(dir, rel), 'utf8'), rel)
      if (fixturePath(f) !== rel) throw new Error(`${rel}: holds script "${f.script}" case "${f.case}"; name it ${fixturePath(f)}`)
      out.push(f)
    }
  }
  return out
}

/** test/fixtures/windows/INDEX.md: every fixture and where it came from, in one table. */
export function renderFixtureIndex(fixtures: readonly WindowsFixture[]): string {
  const captured = fixtures.filter((f) => f.source.startsWith('captured from ')).length
  const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ')
  const rows = [...fixtures]
    .sort((a, b) => fixturePath(a).localeCompare(fixturePath(b)))
    .map((f) => `| \`${fixturePath(f)}\` | ${f.exitCode} | ${cell(f.source)} |`)
  return [
    '# Windows replay fixtures',
    '',
    'One JSON file per (script, case): the parameters, the recorded stdout, stderr and exit code of one run',
    'of a script in `electron/backend/platform/windows/scripts.ts`, and where it came from.',
    `${captured} of ${fixtures.length} were captured on a real node; each of the others says whether it is a public sample`,
    'or written from the documented format. Refresh them from a real Windows Server with `npx tsx scripts/capture-windows-fixtures.ts`',
    '(see `docs/windows-test-plan.md`); this file is rewritten from the fixtures by that command, and a unit',
    'test fails when it is out of date.',
    '',
    '| Fixture | Exit code | Source |',
    '| --- | --- | --- |',
    ...rows,
    ''
  ].join('\n')
}
