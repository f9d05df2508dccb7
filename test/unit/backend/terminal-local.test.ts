// The local shell (issue 12): node-pty is optional, so a machine where it is missing or failed
// to build must report the local shell unavailable with the reason and what to do, through
// the real backend and dispatch(); where it is installed (this machine builds it), a real PTY
// runs a real shell. Also the boundary checks of the terminal.* inputs.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ApiEventPayload } from '../../../electron/api/contract'
import { dispatch } from '../../../electron/api/dispatch'
import { TERMINAL_INPUT_MAX_CHARS } from '../../../electron/api/terminal'
import { createBackend, type Backend } from '../../../electron/backend/backend'
import { LocalPtyLoader } from '../../../electron/backend/terminal/local-pty'
import { waitFor } from '../../support/wait-for'

const dirs: string[] = []
const backends: Backend[] = []

function backendWith(localPty?: LocalPtyLoader): Backend {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'havip-terminal-'))
  dirs.push(dir)
  const b = createBackend({ dataDir: path.join(dir, 'data'), mode: 'browser', ...(localPty ? { localPty } : {}) })
  backends.push(b)
  return b
}

afterEach(async () => {
  for (const b of backends.splice(0)) await b.dispose()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** What Node.js throws when a package is not in node_modules (npm removes an optional dependency that failed to build). */
function notInstalled(): Error {
  return Object.assign(new Error("Cannot find module 'node-pty'\nRequire stack:\n- /app/out/node/web.cjs"), { code: 'MODULE_NOT_FOUND' })
}

describe('local shell without node-pty', () => {
  it('reports the local shell unavailable, with why and what to do, and refuses to open one', async () => {
    const backend = backendWith(new LocalPtyLoader(() => Promise.reject(notInstalled())))
    const caps = await dispatch(backend, 'terminal.capabilities', {})
    expect(caps).toMatchObject({ ok: true, value: { localShell: { available: false } } })
    const local = caps.ok ? (caps.value as { localShell: { reason: string; hint: string } }).localShell : undefined
    expect(local?.reason).toMatch(/needs node-pty.*not installed/)
    expect(local?.hint).toMatch(/g\+\+.*npm install/)
    expect(local?.hint).toMatch(/Terminals on nodes work without it/)

    const open = await dispatch(backend, 'terminal.open', { kind: 'local', cols: 80, rows: 24 })
    expect(open).toMatchObject({ ok: false, error: { kind: 'command-failed', message: local?.reason } })
  })

  it('says the native part failed to load when the package is there but its build is not', async () => {
    const broken = new Error('Failed to load native module: pty.node, checked: build/Release, build/Debug, prebuilds/linux-x64: Error: Cannot find module \'../build/Release/pty.node\'')
    const loader = new LocalPtyLoader(() => Promise.reject(broken))
    const a = await loader.availability()
    expect(a.available).toBe(false)
    if (!a.available) {
      expect(a.reason).toMatch(/failed to load: Failed to load native module: pty\.node/)
      expect(a.hint).toMatch(/npm rebuild node-pty/)
    }
  })

  it('loads once: a second question gets the same answer without importing again', async () => {
    let imports = 0
    const loader = new LocalPtyLoader(() => {
      imports++
      return Promise.reject(notInstalled())
    })
    await loader.availability()
    await loader.availability()
    expect(imports).toBe(1)
  })
})

const realLoader = new LocalPtyLoader(undefined, () => '/bin/sh')
const ptyHere = (await realLoader.availability()).available

describe.runIf(ptyHere)('local shell with node-pty (built on this machine)', () => {
  it('runs a real shell in a PTY: input, output, resize, exit with its code', async () => {
    const backend = backendWith(realLoader)
    const output: string[] = []
    const exits: Array<ApiEventPayload<'terminal.exit'>> = []
    backend.events.on('terminal.output', (e) => output.push(e.data))
    backend.events.on('terminal.exit', (e) => exits.push(e))
    const opened = await dispatch(backend, 'terminal.open', { kind: 'local', cols: 80, rows: 24 })
    if (!opened.ok) throw new Error(opened.error.message)
    const t = opened.value as { id: string; kind: string; title: string; user: string }
    expect(t).toMatchObject({ kind: 'local', title: 'Local shell (sh)', user: os.userInfo().username })
    const text = () => output.join('')

    await dispatch(backend, 'terminal.input', { id: t.id, data: 'echo sum=$((6*7))\r' })
    await waitFor('the shell to answer', () => /sum=42/.test(text()), 10_000, 20)

    expect(await dispatch(backend, 'terminal.resize', { id: t.id, cols: 132, rows: 43 })).toEqual({ ok: true, value: {} })
    await dispatch(backend, 'terminal.input', { id: t.id, data: 'stty size\r' })
    await waitFor('stty to report the new size', () => /43 132/.test(text()), 10_000, 20)

    await dispatch(backend, 'terminal.input', { id: t.id, data: 'exit 7\r' })
    await waitFor('the shell to exit', () => exits.length === 1, 10_000, 20)
    expect(exits[0]).toMatchObject({ id: t.id, reason: 'exited', exitCode: 7 })
    expect(await dispatch(backend, 'terminal.list', {})).toEqual({ ok: true, value: [] })
  })
})

describe('terminal.* inputs are checked at the boundary', () => {
  it('refuses input over the chunk limit, bad sizes, a zero ack and a malformed id, naming the field', async () => {
    const backend = backendWith(new LocalPtyLoader(() => Promise.reject(notInstalled())))
    const id = 't-0123456789ab'
    const cases: Array<[string, unknown, RegExp]> = [
      ['terminal.input', { id, data: 'x'.repeat(TERMINAL_INPUT_MAX_CHARS + 1) }, /data: must be at most 16384 characters/],
      ['terminal.input', { id, data: '' }, /data: data is empty|data: is empty/],
      ['terminal.resize', { id, cols: 0, rows: 24 }, /cols: is at least 2/],
      ['terminal.resize', { id, cols: 80, rows: 501 }, /rows: is at most 500/],
      ['terminal.resize', { id, cols: 80.5, rows: 24 }, /cols/],
      ['terminal.ack', { id, chars: 0 }, /chars/],
      ['terminal.close', { id: 'x; rm -rf /' }, /id: a terminal id is "t-" and 12 hex digits/],
      ['terminal.open', { kind: 'node', cols: 80, rows: 24 }, /connectionId/],
      ['terminal.open', { kind: 'ssh', cols: 80, rows: 24 }, /kind/]
    ]
    for (const [method, input, message] of cases) {
      const r = await dispatch(backend, method, input)
      expect(r.ok, `${method} ${JSON.stringify(input).slice(0, 60)}`).toBe(false)
      if (!r.ok) {
        expect(r.error.kind).toBe('invalid-input')
        expect(r.error.message).toMatch(message)
      }
    }
    // At the limit is fine (and then "not found": no such terminal).
    const atLimit = await dispatch(backend, 'terminal.input', { id, data: 'x'.repeat(TERMINAL_INPUT_MAX_CHARS) })
    expect(atLimit).toMatchObject({ ok: false, error: { kind: 'not-found' } })
    // An ack for a terminal that ended is quietly accepted (the renderer was still writing).
    expect(await dispatch(backend, 'terminal.ack', { id, chars: 10 })).toEqual({ ok: true, value: {} })
  })

  it('a node terminal needs a connected connection: an unknown one is "not found" with a hint', async () => {
    const backend = backendWith(new LocalPtyLoader(() => Promise.reject(notInstalled())))
    const r = await dispatch(backend, 'terminal.open', { kind: 'node', connectionId: 'c-000000000000', cols: 80, rows: 24 })
    expect(r).toMatchObject({ ok: false, error: { kind: 'not-found', hint: /Refresh the connections list/ } })
  })
})
