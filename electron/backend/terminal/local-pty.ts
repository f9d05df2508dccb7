// The local shell: a PTY on this computer through node-pty, a native module that is an
// OPTIONAL dependency (it needs a C++ toolchain to build where no prebuild exists). It is
// loaded lazily, once, and when it is missing or failed to build the local shell is reported
// unavailable with the reason and what to do, while everything else works.
import { createRequire } from 'node:module'
import * as os from 'node:os'
import type { LocalShellAvailability } from '../../api/terminal'
import type { SourceEnd, TerminalSource } from './terminal-source'

/** The part of node-pty used here (its typings are available only when it is installed). */
export interface PtyProcess {
  onData(listener: (data: string) => void): unknown
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown
  write(data: string): void
  resize(cols: number, rows: number): void
  pause(): void
  resume(): void
  kill(signal?: string): void
}

export interface PtyModule {
  spawn(file: string, args: string[], opts: { name: string; cols: number; rows: number; cwd: string; env: Record<string, string> }): PtyProcess
}

export type PtyImporter = () => Promise<unknown>

export type LoadedPty = { ok: true; pty: PtyModule; shell: string } | { ok: false; reason: string; hint: string }

/**
 * How node-pty is loaded; a test passes a loader that fails, as a machine without the module
 * would. A plain require, made at run time: bundlers leave it alone (an ESM import() of a
 * native module from inside Electron's asar is not reliable), and it is not type-checked
 * against node-pty's typings, which npm removes with the module where it could not be built.
 */
const importNodePty: PtyImporter = async () => createRequire(__filename)('node-pty') as unknown

/** The user's login shell on this computer. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') return env.COMSPEC || 'powershell.exe'
  if (env.SHELL) return env.SHELL
  try {
    const fromPasswd = os.userInfo().shell
    if (fromPasswd) return fromPasswd
  } catch {
    // no passwd entry (a container): fall through
  }
  return '/bin/sh'
}

/** Loads node-pty once; later calls get the same answer. */
export class LocalPtyLoader {
  private loading: Promise<LoadedPty> | undefined

  constructor(private readonly importer: PtyImporter = importNodePty, private readonly shell: () => string = () => defaultShell()) {}

  load(): Promise<LoadedPty> {
    this.loading ??= this.importer().then(
      (mod): LoadedPty => {
        const pty = ptyModuleOf(mod)
        return pty ? { ok: true, pty, shell: this.shell() } : unavailable(new Error('node-pty loaded, but it has no spawn() function'))
      },
      (err: unknown): LoadedPty => unavailable(err)
    )
    return this.loading
  }

  async availability(): Promise<LocalShellAvailability> {
    const r = await this.load()
    return r.ok ? { available: true, shell: r.shell } : { available: false, reason: r.reason, hint: r.hint }
  }
}

function ptyModuleOf(mod: unknown): PtyModule | undefined {
  // ESM import of a CommonJS module: spawn is on the namespace, or on its default export.
  const m = mod as { spawn?: unknown; default?: { spawn?: unknown } }
  if (typeof m?.spawn === 'function') return m as PtyModule
  if (typeof m?.default?.spawn === 'function') return m.default as PtyModule
  return undefined
}

/** Why the module could not be used, in words for the admin. */
function unavailable(err: unknown): LoadedPty {
  const e = err as { code?: unknown; message?: unknown }
  const detail = firstLine(typeof e?.message === 'string' ? e.message : String(err))
  const notInstalled =
    (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && /node-pty/.test(detail) && !/\.node\b/.test(detail)
  if (notInstalled) {
    return {
      ok: false,
      reason: 'The local shell needs node-pty, an optional native module, which is not installed here (it could not be built when HAVIP Manager was installed).',
      hint: 'Install a C++ toolchain (on Debian: g++, make, python3), then run "npm install" again in HAVIP Manager\'s folder. Terminals on nodes work without it.'
    }
  }
  return {
    ok: false,
    reason: `The local shell needs node-pty, an optional native module, which failed to load: ${detail}`,
    hint: 'Its native part is missing or was built for another Node.js or Electron version: rebuild it ("npm rebuild node-pty", or reinstall the app). Terminals on nodes work without it.'
  }
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s
  return line.length > 300 ? line.slice(0, 300) + '…' : line
}

/** A terminal source on a local PTY running `shell` as this computer's user. */
export function localPtySource(pty: PtyModule, shell: string, size: { cols: number; rows: number }): TerminalSource {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  env.TERM = 'xterm-256color'
  env.COLORTERM = 'truecolor'
  const proc = pty.spawn(shell, [], { name: 'xterm-256color', cols: size.cols, rows: size.rows, cwd: os.homedir(), env })
  let endListener: ((end: SourceEnd) => void) | undefined
  let ended: SourceEnd | undefined
  proc.onExit(({ exitCode, signal }) => {
    ended = { exitCode, ...(signal ? { signal: signalName(signal) } : {}) }
    endListener?.(ended)
  })
  return {
    onData(listener) {
      proc.onData(listener)
    },
    onEnd(listener) {
      endListener = listener
      if (ended) listener(ended)
    },
    write(data) {
      proc.write(data)
    },
    resize(cols, rows) {
      if (!ended) proc.resize(cols, rows)
    },
    pause() {
      proc.pause()
    },
    resume() {
      proc.resume()
    },
    bufferedBytes() {
      // node-pty reads the PTY through a socket it pauses; the kernel's PTY buffer (a few KiB) holds the rest.
      return 0
    },
    close() {
      if (ended) return
      proc.resume()
      // SIGHUP, as a terminal window closing sends it.
      proc.kill(process.platform === 'win32' ? undefined : 'SIGHUP')
    }
  }
}

function signalName(n: number): string {
  const found = Object.entries(os.constants.signals).find(([, v]) => v === n)
  return found ? found[0] : String(n)
}
