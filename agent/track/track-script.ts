/**
 * A periodic health check (keepalived's vrrp_script): runs argv every intervalMs, kills it
 * after timeoutMs, and flips state only after `rise` consecutive successes or `fall`
 * consecutive failures. Exit code 0 is success. The first result decides the initial state
 * at once, so an agent does not start as master on a check that fails from the start.
 * A script that script security refuses (script-guard.ts) never runs: it stays FAILING with
 * `refused` set, and the agent counts it as a fault whatever its weight.
 */
import { spawn } from 'node:child_process'
import type { TrackScriptConfig } from '../config/model'
import { guardCommand } from './script-guard'

export interface ScriptRunResult {
  ok: boolean
  detail: string
}

/** uid/gid: run as that user (spawn's setuid/setgid; supplementary groups are dropped). */
export function runScriptOnce(argv: string[], timeoutMs: number, ids?: { uid: number; gid: number }): Promise<ScriptRunResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv
    if (!file) return resolve({ ok: false, detail: 'empty argv' })
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const finish = (r: ScriptRunResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(r)
    }
    const asUser = ids && (ids.uid !== 0 || ids.gid !== 0) ? { uid: ids.uid, gid: ids.gid } : {}
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(file, args, { stdio: 'ignore', detached: true, ...asUser })
    } catch (err) {
      // e.g. EPERM when the agent is not root and a script user is set
      return finish({ ok: false, detail: `cannot run ${file}: ${(err as Error).message}` })
    }
    timer = setTimeout(() => {
      // Kill the whole process group: a script's own children must not outlive its timeout.
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
      finish({ ok: false, detail: `timed out after ${timeoutMs} ms` })
    }, timeoutMs)
    child.on('error', (err) => finish({ ok: false, detail: `cannot run ${file}: ${err.message}` }))
    child.on('exit', (code, signal) => finish(code === 0 ? { ok: true, detail: 'exit 0' } : { ok: false, detail: signal ? `killed by ${signal}` : `exit ${code}` }))
  })
}

export class TrackScript {
  ok: boolean | undefined
  lastDetail = 'not run yet'
  /** Why script security refused to run it; undefined when it runs. */
  refused?: string
  private command?: { argv: string[]; uid: number; gid: number }
  private streak = 0
  private timer?: NodeJS.Timeout
  private running = false
  private stopped = false

  constructor(readonly cfg: TrackScriptConfig, private readonly onChange: (ok: boolean, detail: string) => void) {}

  /** Runs once now (awaited, so the initial state is known), then every intervalMs. */
  async start(): Promise<void> {
    const g = guardCommand(this.cfg.argv, this.cfg.user)
    if (!g.ok) {
      this.refused = `script "${this.cfg.argv[0] ?? ''}" refused: ${g.reason}`
      this.lastDetail = this.refused
      this.record(false)
      return
    }
    this.command = g.command
    await this.tick()
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule())
    }, this.cfg.intervalMs)
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return
    this.running = true
    try {
      const cmd = this.command
      if (!cmd) return
      const r = await runScriptOnce(cmd.argv, this.cfg.timeoutMs, cmd)
      if (this.stopped) return
      this.lastDetail = r.detail
      this.record(r.ok)
    } finally {
      this.running = false
    }
  }

  /** rise/fall hysteresis (exported for tests through the class). */
  record(ok: boolean): void {
    if (this.ok === undefined) {
      this.ok = ok
      this.streak = 0
      this.onChange(ok, this.lastDetail)
      return
    }
    if (ok === this.ok) {
      this.streak = 0
      return
    }
    this.streak++
    if (this.streak >= (ok ? this.cfg.rise : this.cfg.fall)) {
      this.ok = ok
      this.streak = 0
      this.onChange(ok, this.lastDetail)
    }
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }
}
