/**
 * One long-lived `ip -force -batch -` that runs the agent's address changes, so that adding a
 * VIP on takeover is a pipe write and a netlink round trip, not a process start.
 *
 * `ip -batch` prints nothing on success and reports a failed line on stderr (unbuffered, so it
 * arrives at once) as "Command failed -:N" after the command's own message, N counting the lines
 * this ip has read. To know where one command's result ends, each command is followed by a
 * marker line naming an `ip` object that does not exist ("hvsync-<n>"): ip answers it with
 * `Object "hvsync-<n>" is unknown`, and whatever it printed before that belongs to the command.
 * The result is taken at the marker's first line, without waiting for the "Command failed" line
 * ip prints after it (another wake-up of both processes on a busy host); that line, and any
 * other "Command failed" not naming the command's own line, is ignored.
 * A command ip rejects as malformed makes ip exit; the command fails with ip's message and the
 * next one starts a fresh ip.
 */
import { readFileSync } from 'node:fs'
import { Coprocess, CoprocessError } from './coprocess'

export interface IpBatchResult {
  ok: boolean
  /** ip's message for a failed command (without the "Command failed" line). */
  stderr: string
}

/** Characters `ip -batch` would split, quote or comment on: such arguments go through a one-shot `ip`. */
const UNSAFE_ARG = /[\s"'\\#]/

export function batchSafe(args: string[]): boolean {
  return args.length > 0 && args.every((a) => a.length > 0 && !UNSAFE_ARG.test(a))
}

export class IpBatch {
  private readonly co: Coprocess
  private seq = 0
  /** Lines written to the running ip: its "Command failed -:N" counts them. */
  private lines = 0
  /** Interface indexes as ip has seen them: ip caches name -> index for its lifetime. */
  private readonly ifindexSeen = new Map<string, string>()

  /** `options` are ip's global options (e.g. ['-4']): batch lines cannot carry them. */
  constructor(
    ip: string,
    options: string[] = [],
    private readonly readIfindex: (dev: string) => string | undefined = sysfsIfindex
  ) {
    this.co = new Coprocess({
      name: 'ip -batch',
      file: ip,
      args: [...options, '-force', '-batch', '-'],
      env: { ...process.env, LC_ALL: 'C' },
      onStart: () => (this.lines = 0)
    })
  }

  get pid(): number | undefined {
    return this.co.pid
  }

  get starts(): number {
    return this.co.starts
  }

  start(): Promise<void> {
    return this.co.start()
  }

  close(): Promise<void> {
    return this.co.close()
  }

  /**
   * Runs one ip command (argv without "ip"). Resolves with its result; rejects with a
   * CoprocessError when ip cannot be started, dies on it, or does not answer in `timeoutMs`.
   */
  async run(args: string[], timeoutMs: number): Promise<IpBatchResult> {
    if (!batchSafe(args)) throw new Error(`ip -batch cannot carry the argument list ${JSON.stringify(args)}`)
    this.forgetRenamedDevice(args)
    const marker = `hvsync-${++this.seq}`
    const out: string[] = []
    let failed = false
    let commandLine = 0
    const input = (): string => {
      commandLine = this.lines + 1
      this.lines += 2
      return `${args.join(' ')}\n${marker}\n`
    }
    const result = await this.co.request<IpBatchResult>(input, (line, stream) => {
      if (stream !== 'stderr') return undefined
      if (line.startsWith(`Object "${marker}" is unknown`)) return { ok: !failed, stderr: out.join('\n') }
      const n = /^Command failed \S*:(\d+)$/.exec(line)
      if (n) {
        if (Number(n[1]) === commandLine) failed = true
      } else out.push(line)
      return undefined
    }, timeoutMs)
    // After "no such device" ip may hold a stale index for the name: start afresh next time.
    if (!result.ok && /Cannot find device|No such device/i.test(result.stderr)) this.co.restart()
    return result
  }

  /**
   * ip resolves a device name to an index once and keeps it. If the interface was deleted and
   * made again (same name, new index), a kept ip would address the old index: start a new one.
   */
  private forgetRenamedDevice(args: string[]): void {
    const i = args.indexOf('dev')
    const dev = i >= 0 ? args[i + 1] : undefined
    if (!dev || dev.includes('/')) return
    const now = this.readIfindex(dev)
    const before = this.ifindexSeen.get(dev)
    if (now === undefined) return
    if (before !== undefined && before !== now) {
      this.ifindexSeen.clear()
      this.co.restart()
    }
    this.ifindexSeen.set(dev, now)
  }
}

function sysfsIfindex(dev: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8').trim()
  } catch {
    return undefined
  }
}

export { CoprocessError }
