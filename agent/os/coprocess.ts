/**
 * One long-lived helper program the agent talks to over stdin/stdout/stderr, line by line, so
 * that an action on the takeover path costs a pipe write instead of starting a process (tens of
 * ms on a busy host). Requests run one at a time, in order. The helper is started on first use,
 * started again after it dies, killed when a request overruns its time, and never outlives the
 * agent: it reads its commands from our stdin pipe, so it sees end-of-file when we exit, however
 * we exit.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export interface CoprocessOptions {
  /** Who this is, for error messages ("ip -batch", "packet sender"). */
  name: string
  file: string
  args: string[]
  env?: NodeJS.ProcessEnv
  /** How long a start may take until `ready` says yes (default 5 s). */
  startTimeoutMs?: number
  /**
   * When the helper is ready to take requests, seen on its output; without it the helper counts
   * as ready once spawned.
   */
  ready?: (line: string, stream: 'stdout' | 'stderr') => boolean
  /** Called each time a new helper process is started. */
  onStart?: () => void
}

/** What a request is waiting for: called with every line the helper prints, until it returns a value. */
export type LineMatcher<T> = (line: string, stream: 'stdout' | 'stderr') => T | undefined

export class CoprocessError extends Error {
  constructor(
    message: string,
    /** 'died': the helper exited during the request; 'timeout': killed for overrunning; 'spawn': could not start. */
    readonly reason: 'died' | 'timeout' | 'spawn' | 'closed',
    /** What the helper printed on stderr during the request. */
    readonly stderr = '',
    /** The helper printed nothing at all in answer to the request. */
    readonly silent = false
  ) {
    super(message)
  }
}

interface Pending {
  child: ChildProcess
  match: LineMatcher<unknown>
  resolve: (v: unknown) => void
  reject: (e: Error) => void
  stderr: string[]
  /** Lines the helper printed since the request was written. */
  lines: number
}

export class Coprocess {
  private child?: ChildProcess
  private starting?: Promise<ChildProcess>
  private pending?: Pending
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  /** Starts so far (the first included); tests and status read it. */
  starts = 0

  constructor(private readonly o: CoprocessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid
  }

  get running(): boolean {
    return this.child !== undefined
  }

  /** Starts the helper now if it is not running (to take the start-up cost before it is needed). */
  async start(): Promise<void> {
    if (this.closed) throw new CoprocessError(`${this.o.name}: stopped`, 'closed')
    await this.ensure()
  }

  /**
   * Writes `input` (whole lines, or a function returning them) and resolves with the first value `match` returns for the lines
   * that follow. Rejects with a CoprocessError if the helper cannot start, dies, or takes longer
   * than `timeoutMs` (it is then killed; the next request starts a fresh one).
   */
  request<T>(input: string | (() => string), match: LineMatcher<T>, timeoutMs: number): Promise<T> {
    const once = async (): Promise<T> => {
      if (this.closed) throw new CoprocessError(`${this.o.name}: stopped`, 'closed')
      const child = await this.ensure()
      return await new Promise<T>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined
        const done = (): void => {
          clearTimeout(timer)
          this.pending = undefined
        }
        const p: Pending = {
          child,
          match,
          stderr: [],
          lines: 0,
          resolve: (v) => (done(), resolve(v as T)),
          reject: (e) => (done(), reject(e))
        }
        this.pending = p
        timer = setTimeout(() => {
          p.reject(new CoprocessError(`${this.o.name} did not answer within ${timeoutMs} ms and was killed`, 'timeout', p.stderr.join('\n')))
          this.kill(child)
        }, timeoutMs)
        // A function is asked at the last moment, so it may number lines for the helper that reads them.
        child.stdin!.write(typeof input === 'function' ? input() : input)
      })
    }
    const run = async (): Promise<T> => {
      try {
        return await once()
      } catch (err) {
        // Died without a word about this request: it was most likely dead (killed, crashed)
        // before our line reached it. Once more with a fresh helper; the caller's requests are
        // ones that may be repeated (adding an address that is there, one more ARP).
        if (err instanceof CoprocessError && err.reason === 'died' && err.silent) return await once()
        throw err
      }
    }
    const result = this.queue.then(run, run)
    this.queue = result.catch(() => undefined)
    return result
  }

  /** Ends the helper: closes its stdin (it exits on end-of-file), SIGKILL after `graceMs`. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true
    await this.queue
    const child = this.child ?? (await this.starting?.catch(() => undefined))
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.stdin?.end()
    let timer: NodeJS.Timeout | undefined
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))])
    clearTimeout(timer)
    if (late) {
      child.kill('SIGKILL')
      await exited
    }
  }

  /** Ends the running helper (if any) so that the next request starts a fresh one. */
  restart(): void {
    if (this.child) this.kill(this.child)
  }

  private kill(child: ChildProcess): void {
    if (this.child === child) this.child = undefined
    child.kill('SIGKILL')
  }

  private ensure(): Promise<ChildProcess> {
    if (this.child) return Promise.resolve(this.child)
    this.starting ??= this.spawnHelper().finally(() => (this.starting = undefined))
    return this.starting
  }

  private spawnHelper(): Promise<ChildProcess> {
    this.starts++
    this.o.onStart?.()
    return new Promise<ChildProcess>((resolve, reject) => {
      let child: ChildProcess
      try {
        child = spawn(this.o.file, this.o.args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.o.env })
      } catch (err) {
        return reject(new CoprocessError(`${this.o.name}: cannot start ${this.o.file}: ${(err as Error).message}`, 'spawn'))
      }
      const waitReady = this.o.ready
      let readySeen = false
      let settled = false
      const early: string[] = []
      let timer: NodeJS.Timeout | undefined
      const started = (): void => {
        clearTimeout(timer)
        if (settled) return
        settled = true
        this.child = child
        resolve(child)
      }
      const startFailed = (why: string): void => {
        clearTimeout(timer)
        if (settled) return
        settled = true
        reject(new CoprocessError(`${this.o.name}: ${why}${early.length ? `: ${early.join(' ').slice(0, 500)}` : ''}`, 'spawn', early.join('\n')))
      }
      child.once('error', (err: NodeJS.ErrnoException) => {
        // ENOENT/EACCES arrive here, before any 'spawn' event; later errors are pipe errors.
        startFailed(`cannot start ${this.o.file} (${err.code ?? err.message})`)
        this.onExit(child, `could not run (${err.code ?? err.message})`)
      })
      // 'exit' may come before the last lines it printed (why it died) are read; 'close' comes after.
      child.once('exit', () => {
        if (this.child === child) this.child = undefined
      })
      child.once('close', (code, signal) => {
        startFailed(`exited during start-up (${signal ?? `code ${code}`})`)
        this.onExit(child, signal ? `killed by ${signal}` : `exited with code ${code}`)
      })
      // A helper that dies while we write to it: the exit handler reports it, not an EPIPE throw.
      child.stdin!.on('error', () => undefined)
      const onLine = (line: string, stream: 'stdout' | 'stderr'): void => {
        if (waitReady && !readySeen) {
          early.push(line)
          if (waitReady(line, stream)) {
            readySeen = true
            started()
          }
          return
        }
        const p = this.pending
        if (!p || p.child !== child) return
        p.lines++
        if (stream === 'stderr') p.stderr.push(line)
        let v: unknown
        try {
          v = p.match(line, stream)
        } catch (err) {
          return p.reject(err as Error)
        }
        if (v !== undefined) p.resolve(v)
      }
      lines(child.stdout!, (l) => onLine(l, 'stdout'))
      lines(child.stderr!, (l) => onLine(l, 'stderr'))
      child.once('spawn', () => {
        if (!waitReady) return started()
        if (readySeen) return
        const ms = this.o.startTimeoutMs ?? 5000
        timer = setTimeout(() => {
          startFailed(`not ready within ${ms} ms`)
          child.kill('SIGKILL')
        }, ms)
      })
    })
  }

  private onExit(child: ChildProcess, how: string): void {
    if (this.child === child) this.child = undefined
    const p = this.pending
    // A request still waiting on this helper gets the death as its answer.
    if (p && p.child === child) p.reject(new CoprocessError(`${this.o.name} ${how} before answering${p.stderr.length ? `: ${p.stderr.join(' ').slice(0, 500)}` : ''}`, 'died', p.stderr.join('\n'), p.lines === 0))
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    let i: number
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i))
      buf = buf.slice(i + 1)
    }
    // Bound what a helper printing without newlines can make us hold.
    if (buf.length > 65_536) buf = buf.slice(-65_536)
  })
}
